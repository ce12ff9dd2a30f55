// FROZEN COPY of libs/core/src/summary/sentence-splitter.ts at commit 1ad38c6 (before the context-quality
// issue), kept for measurement only: the v1 baseline of `npm run eval`. Never edit it.

/**
 * Splits chat message text into sentences a summary can quote.
 *
 * Sentence boundaries come from `Intl.Segmenter` (ICU rules: "v16.2", "e.g. this" and
 * "$3,200.50" stay whole). Around it, the splitter handles what chat text adds:
 *
 * - Markdown: each list item, heading or quote line is its own sentence; the markers go.
 * - Fenced code blocks are not prose: only their error-looking lines are kept (a pasted
 *   stack trace's `FATAL: …` line is a fact; the rest of the code is not summary material).
 * - URLs and e-mail addresses are shielded, so that the `?` of a query string or the dots
 *   of an address never end a sentence.
 * - A title abbreviation ("Dr.", "Mr.") does not end a sentence.
 */

const sentenceSegmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

/** Fenced code block, possibly left unclosed at the end of a message. */
const FENCED_CODE = /```[^\n]*\n?([\s\S]*?)(?:```|$)/g;

/** A line of code or log output worth keeping in a summary. */
const ERROR_LINE =
  /\b(?:error|exception|fatal|failed|failure|denied|refused|timed? ?out|not found|traceback|panic)\b/i;

/** Lines kept from one fenced block, at most. */
const MAX_ERROR_LINES_PER_CODE_BLOCK = 2;

/** URLs and e-mail addresses, shielded from sentence segmentation. */
const SHIELDED =
  /\bhttps?:\/\/[^\s<>()]+[^\s<>().,;:!?'"]|\bwww\.[^\s<>()]+[^\s<>().,;:!?'"]|[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;

/** Private-use characters that delimit a shielded span's index; never typed by people. */
const SHIELD_OPEN = '\uE000';
const SHIELD_CLOSE = '\uE001';
const SHIELD_REF = /\uE000(\d+)\uE001/g;

/** Markdown block markers at the start of a line: quote, heading, bullet, numbered item. */
const LINE_MARKER = /^\s*(?:>\s*)*(?:#{1,6}\s+|[-*+•]\s+|\d{1,3}[.)]\s+)?/;

/** Emphasis markers that carry no meaning in a summary. */
const EMPHASIS = /\*\*|__/g;

/** Abbreviations after which ICU breaks but a sentence does not end. */
const TITLE_ABBREVIATION = /(?:^|\s)(?:Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|vs|approx)\.\s*$/;

/**
 * The sentences of `text`, in order, with whitespace collapsed. Empty and whitespace-only
 * input gives `[]`.
 */
export function splitIntoSentences(text: string): string[] {
  const sentences: string[] = [];
  for (const line of proseLines(text)) {
    const shielded: string[] = [];
    const masked = line.replace(SHIELDED, (span) => {
      shielded.push(span);
      return `${SHIELD_OPEN}${shielded.length - 1}${SHIELD_CLOSE}`;
    });
    let pending = '';
    for (const { segment } of sentenceSegmenter.segment(masked)) {
      pending += segment;
      if (TITLE_ABBREVIATION.test(pending)) continue;
      pushSentence(sentences, pending, shielded);
      pending = '';
    }
    pushSentence(sentences, pending, shielded);
  }
  return sentences;
}

function pushSentence(into: string[], masked: string, shielded: readonly string[]): void {
  const sentence = masked
    .replace(SHIELD_REF, (_, index: string) => shielded[Number(index)] ?? '')
    .replace(/\s+/g, ' ')
    .trim();
  if (sentence) into.push(sentence);
}

/**
 * The prose lines of a message: code blocks reduced to their error lines, markdown markers
 * removed, and a hard-wrapped sentence (a line continuing in lower case) joined again.
 */
function proseLines(text: string): string[] {
  const withoutCode = text.replace(FENCED_CODE, (_, code: string) =>
    code
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => ERROR_LINE.test(line))
      .slice(0, MAX_ERROR_LINES_PER_CODE_BLOCK)
      .map((line) => `\n${line}\n`)
      .join(''),
  );
  const lines: string[] = [];
  for (const raw of withoutCode.split(/\r?\n/)) {
    const isBlockStart = LINE_MARKER.exec(raw)?.[0].trim() !== '';
    const line = raw.replace(LINE_MARKER, '').replace(EMPHASIS, '').trim();
    if (!line) {
      lines.push('');
      continue;
    }
    const previous = lines[lines.length - 1];
    if (previous && !isBlockStart && /^\p{Ll}/u.test(line) && !/[.!?:;]$/.test(previous)) {
      lines[lines.length - 1] = `${previous} ${line}`;
    } else {
      lines.push(line);
    }
  }
  return lines.filter((line) => line !== '');
}
