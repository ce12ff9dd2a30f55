// FROZEN COPY of libs/core/src/summary/token-fit.ts at commit 1ad38c6 (before the context-quality
// issue), kept for measurement only: the v1 baseline of `npm run eval`. Never edit it.

/**
 * Cutting text to a token budget without breaking characters: the cut is made between
 * grapheme clusters (an emoji, a flag or an accented letter is never split, nor is a
 * surrogate pair), at a word boundary when one is near, and marked with '…'.
 */

export type CountTokens = (text: string) => number;

export const ELLIPSIS = '…';

const graphemeSegmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** How far back from the cut a word boundary may be, as a share of the kept text. */
const WORD_BOUNDARY_REACH = 0.3;

/** True when `text` costs at most `maxTokens`. */
export function fits(text: string, maxTokens: number, countTokens: CountTokens): boolean {
  return countTokens(text) <= maxTokens;
}

/**
 * `text` itself when it fits in `maxTokens`; otherwise its longest prefix (by binary search
 * over grapheme clusters) that still fits once '…' is appended; `''` when not even one
 * character and the '…' fit. The result always fits.
 */
export function truncateToTokens(
  text: string,
  maxTokens: number,
  countTokens: CountTokens,
): string {
  if (fits(text, maxTokens, countTokens)) return text;
  const graphemes = Array.from(graphemeSegmenter.segment(text), (part) => part.segment);
  const withEllipsis = (length: number): string =>
    graphemes
      .slice(0, length)
      .join('')
      .replace(/[\s,;:.\-–—]+$/u, '') + ELLIPSIS;

  let low = 1;
  let high = graphemes.length - 1;
  let best = 0;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    if (fits(withEllipsis(middle), maxTokens, countTokens)) {
      best = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  if (best === 0) return '';

  const kept = graphemes.slice(0, best).join('');
  const lastSpace = kept.lastIndexOf(' ');
  if (lastSpace > 0 && lastSpace >= kept.length * (1 - WORD_BOUNDARY_REACH)) {
    const atWord = kept.slice(0, lastSpace).replace(/[\s,;:.\-–—]+$/u, '') + ELLIPSIS;
    if (atWord !== ELLIPSIS && fits(atWord, maxTokens, countTokens)) return atWord;
  }
  const cut = withEllipsis(best);
  return cut === ELLIPSIS ? '' : cut;
}
