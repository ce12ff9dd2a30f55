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

/**
 * URLs and e-mail addresses, shielded from sentence segmentation. A match may only start where
 * a token starts (look-behinds), so a long run such as `a.a.a.…` is scanned once: linear.
 */
const SHIELDED =
  /(?<![\w/.-])(?:https?:\/\/|www\.)[^\s<>()]+[^\s<>().,;:!?'"]|(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}/g;

/**
 * Longest piece handed to `Intl.Segmenter` at once: ICU's sentence rules slow down sharply on
 * very long texts without a break, so longer lines are cut first (at a space when there is one
 * near the limit).
 */
export const SEGMENTER_PIECE_MAX_CHARS = 1000;

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
  for (const line of proseLines(text).flatMap(piecesOf)) {
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

/** `line` cut into pieces of at most {@link SEGMENTER_PIECE_MAX_CHARS}, at spaces where possible. */
function piecesOf(line: string): string[] {
  if (line.length <= SEGMENTER_PIECE_MAX_CHARS) return [line];
  const pieces: string[] = [];
  let rest = line;
  while (rest.length > SEGMENTER_PIECE_MAX_CHARS) {
    const space = rest.lastIndexOf(' ', SEGMENTER_PIECE_MAX_CHARS);
    const cut = space > SEGMENTER_PIECE_MAX_CHARS / 2 ? space : SEGMENTER_PIECE_MAX_CHARS;
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut).trimStart();
  }
  if (rest) pieces.push(rest);
  return pieces;
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
