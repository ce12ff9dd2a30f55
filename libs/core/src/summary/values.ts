/**
 * The exact values a sentence carries: what a summary must never paraphrase or lose. URLs,
 * e-mail addresses, file paths, identifiers (`ORD-7F3K9Q`, `TP1027`, `INV_2024_001`), amounts
 * (`$1,284.50`, `2,400 EUR`), dates and times, versions, phone numbers, other numbers, quoted
 * strings and proper names ("Lisbon", "Memmo Alfama").
 *
 * Every pattern is linear in the length of its input: a match may only start where the token
 * before it ends (look-behinds), so a 64 KB run like `a-a-a-…` or `A.A.A.…` is scanned once,
 * never re-scanned from every position.
 */

const MONTH =
  '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';

/** Kinds of value, strongest first (an id inside a URL is the URL's). */
const VALUE_PATTERNS: ReadonlyArray<readonly [ValueKind, RegExp]> = [
  ['url', /(?<![\w/.-])(?:https?:\/\/|www\.)[^\s<>()"'`]+[^\s<>()"'`.,;:!?]/giu],
  ['email', /(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}/giu],
  [
    'path',
    /(?<![\w/.~-])(?:~|\.{1,2})?(?:\/[\w.@-]{1,255}){2,}\/?(?<!\.)|(?<![\w.-])[\w-]{1,128}\.(?:ts|tsx|js|mjs|cjs|json|ya?ml|toml|conf|cfg|ini|env|py|rb|go|rs|java|kt|sql|sh|md|txt|log|csv|lock|html|css|pdf|png|jpe?g|docx?|xlsx?)(?!\w|\.\w)/giu,
  ],
  [
    'amount',
    /(?<![\w.])(?:[$€£¥₹]\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:k|m|bn|million|billion)\b)?|\d[\d,]*(?:\.\d+)?\s?(?:usd|eur|gbp|chf|jpy|cad|aud|dollars?|euros?|pounds?|%)(?![\w]))/giu,
  ],
  [
    'date',
    new RegExp(
      [
        `(?<![\\w])\\d{4}-\\d{2}-\\d{2}(?:[T ]\\d{2}:\\d{2}(?::\\d{2})?)?(?![\\w])`,
        `(?<![\\w])${MONTH}\\.?\\s+\\d{1,2}(?:st|nd|rd|th)?(?:,?\\s+\\d{4})?(?![\\w])`,
        `(?<![\\w])\\d{1,2}(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH}(?:,?\\s+\\d{4})?(?![\\w])`,
        `(?<![\\w/])\\d{1,2}/\\d{1,2}/\\d{2,4}(?![\\w/])`,
        `(?<![\\w:])\\d{1,2}:\\d{2}(?:\\s?(?:am|pm|a\\.m\\.|p\\.m\\.))?(?![\\w:])`,
        `(?<![\\w])\\d{1,2}\\s?(?:am|pm|a\\.m\\.|p\\.m\\.)`,
      ].join('|'),
      'giu',
    ),
  ],
  ['version', /(?<![\w.])v?\d{1,5}(?:\.\d{1,5}){1,3}(?:[-+][\w.]{1,32})?(?!\w|\.\w)/giu],
  ['phone', /(?<![\w+])(?:\+\d{1,3}[ .-]?)?\(?\d{2,5}\)?(?:[ .-]\d{2,8}){1,4}(?![\w])/gu],
  // Flight and train numbers: "KL 9368", "U2 1180", "TP218".
  ['id', /(?<![\w-])[A-Z][A-Z0-9]{1,2} ?\d{2,5}(?![\w-])/gu],
  ['id', /(?<![\w#])#\d{2,12}(?!\w)/gu],
  [
    'id',
    /(?<![\w#-])#?(?=[\w-]{3,64}(?![\w-]))(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[A-Za-z0-9][\w-]{1,62}[A-Za-z0-9](?![\w-])/gu,
  ],
  ['quoted', /(?<![\w])["“']([^"“”'\n]{2,80})["”'](?![\w])/gu],
  ['number', /(?<![\w.,])\d(?:[\d,]*\d)?(?:\.\d+)?(?![\w])/gu],
];

export type ValueKind =
  | 'url'
  | 'email'
  | 'path'
  | 'amount'
  | 'date'
  | 'version'
  | 'phone'
  | 'id'
  | 'quoted'
  | 'number'
  | 'name';

export interface FoundValue {
  kind: ValueKind;
  text: string;
  /** Offset of the value in the sentence. */
  index: number;
}

/** Capitalised words that are not names. */
const NOT_NAMES = new Set([
  'I',
  "I'm",
  "I'll",
  "I've",
  "I'd",
  'OK',
  'Ok',
  'Yes',
  'No',
  'The',
  'A',
  'An',
  'Please',
  'Thanks',
  'Hi',
  'Hello',
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
  'Sunday',
]);

/** Lower-case words that may stand inside a name. */
const NAME_PARTICLES = new Set([
  'da',
  'das',
  'de',
  'del',
  'der',
  'di',
  'do',
  'dos',
  'du',
  'la',
  'le',
  'van',
  'von',
  'y',
  'e',
  'of',
]);

function nextWord(text: string, from: number): string {
  return /\S+/.exec(text.slice(from, from + 80))?.[0] ?? '';
}

/** Points each kind adds to a sentence's weight (see {@link valueWeight}). */
const KIND_WEIGHT: Readonly<Record<ValueKind, number>> = {
  url: 3,
  email: 3,
  path: 2.5,
  amount: 3,
  date: 2,
  version: 2,
  phone: 3,
  id: 2.5,
  quoted: 1,
  number: 1,
  name: 1,
};

/** Input longer than this is scanned in its first part only (values live in sentences). */
const SCAN_MAX_CHARS = 8000;

/**
 * Longest value, in characters (a URL may be longer): a longer run (`/a/a/a…`, `1,1,1,…`) is
 * noise, not something to quote.
 */
const VALUE_MAX_CHARS = 120;
const URL_MAX_CHARS = 500;

/**
 * The values of `text`, in order of appearance, without overlaps (a longer, stronger match
 * wins), each at most once.
 */
export function findValues(text: string): FoundValue[] {
  const scanned = text.length > SCAN_MAX_CHARS ? text.slice(0, SCAN_MAX_CHARS) : text;
  const found: FoundValue[] = [];
  const taken: Array<[number, number]> = [];
  const overlaps = (start: number, end: number) => taken.some(([s, e]) => start < e && end > s);
  for (const [kind, pattern] of VALUE_PATTERNS) {
    for (const match of scanned.matchAll(pattern)) {
      const whole = match[0];
      const value = kind === 'quoted' ? (match[1] ?? whole) : whole;
      const start = match.index + (kind === 'quoted' ? 1 : 0);
      const end = start + value.length;
      if (overlaps(start, end)) continue;
      taken.push([start, end]);
      if (value.length > (kind === 'url' ? URL_MAX_CHARS : VALUE_MAX_CHARS)) continue;
      if (kind === 'phone' && !isPhoneLike(value)) {
        taken.pop();
        continue;
      }
      found.push({ kind, text: value.trim(), index: start });
    }
  }
  for (const name of properNames(scanned)) {
    if (name.text.length > VALUE_MAX_CHARS) continue;
    if (overlaps(name.index, name.index + name.text.length)) continue;
    taken.push([name.index, name.index + name.text.length]);
    found.push(name);
  }
  found.sort((a, b) => a.index - b.index);
  const seen = new Set<string>();
  return found.filter((v) => {
    const key = v.text.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Just the value strings of `text`. */
export function valuesOf(text: string): string[] {
  return findValues(text).map((v) => v.text);
}

/** How much exact information `text` carries: the sum of its values' kind weights (capped). */
export function valueWeight(values: readonly FoundValue[]): number {
  let weight = 0;
  for (const value of values) weight += pointsOf(value);
  return Math.min(weight, 10);
}

/**
 * Points of one value: its kind's, except for names, which say more the more they look like a
 * person's or a place's name: an acronym alone ("PR", "CSV", "SDK") counts for nothing (it names a
 * kind of thing, not this conversation's), a run of two or more words ("Mateo Novak", "Quinta da
 * Regaleira") for {@link MULTI_WORD_NAME_POINTS}.
 */
export function pointsOf(value: FoundValue): number {
  if (value.kind !== 'name') return KIND_WEIGHT[value.kind];
  if (/^\p{Lu}{2,5}s?$/u.test(value.text)) return 0;
  return /\s/.test(value.text) ? MULTI_WORD_NAME_POINTS : KIND_WEIGHT.name;
}

const MULTI_WORD_NAME_POINTS = 2;

/** The values of `text` that tell something (see {@link pointsOf}: not an acronym alone). */
export function tellingValues(text: string): FoundValue[] {
  return findValues(text).filter((value) => pointsOf(value) > 0);
}

/**
 * Runs of capitalised words not at the start of a sentence or clause ("Lisbon", "Memmo
 * Alfama", "TAP"), as names.
 */
function properNames(text: string): FoundValue[] {
  const names: FoundValue[] = [];
  const word = /\S+/g;
  let previous = '';
  let run: { start: number; end: number; words: string[] } | null = null;
  const flush = () => {
    if (run) names.push({ kind: 'name', text: run.words.join(' '), index: run.start });
    run = null;
  };
  for (const match of text.matchAll(word)) {
    const raw = match[0];
    const clauseStart = previous === '' || /[.!?:;]["')\]]*$/.test(previous);
    const leading = /^[("'“‘[]+/.exec(raw)?.[0].length ?? 0;
    const bare = raw.replace(/^[("'“‘[]+|[)"'”’\],.!?:;]+$/g, '');
    const isName =
      !clauseStart &&
      bare.length > 0 &&
      /^\p{Lu}[\p{L}\p{M}'’&.-]*$/u.test(bare) &&
      !NOT_NAMES.has(bare);
    // "Pousada do Largo", "Quinta da Regaleira": a lower-case particle between two capitalised
    // words stays in the name (taken when the next word continues it).
    if (
      !isName &&
      run &&
      NAME_PARTICLES.has(bare) &&
      /^\p{Lu}/u.test(nextWord(text, match.index + raw.length))
    ) {
      run.words.push(bare);
      run.end = match.index + raw.length;
      previous = raw;
      continue;
    }
    if (isName) {
      const start = match.index + leading;
      if (run && start - run.end <= 1 && !/[,.!?:;]$/.test(previous)) {
        run.words.push(bare);
        run.end = start + bare.length;
      } else {
        flush();
        run = { start, end: start + bare.length, words: [bare] };
      }
    } else flush();
    previous = raw;
  }
  flush();
  return names;
}

/** A phone number has 7 to 15 digits, and a `+`, a parenthesis or separators between groups. */
function isPhoneLike(value: string): boolean {
  const digits = value.replace(/\D/g, '').length;
  return digits >= 7 && digits <= 15 && (/^\+|\(/.test(value) || /\d[ .-]\d+[ .-]\d/.test(value));
}

/** Lower-cased value, for comparing values across sentences. */
export function normalizeValue(value: string): string {
  return value.toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Whether `text` mentions `value` (case-insensitive, as a whole token). */
export function mentionsValue(text: string, value: string): boolean {
  const needle = normalizeValue(value);
  if (needle.length < 2) return false;
  const haystack = text.toLowerCase();
  let from = 0;
  for (;;) {
    const at = haystack.indexOf(needle, from);
    if (at < 0) return false;
    const before = haystack[at - 1] ?? ' ';
    const after = haystack[at + needle.length] ?? ' ';
    if (!/[\p{L}\p{N}_]/u.test(before) && !/[\p{L}\p{N}_]/u.test(after)) return true;
    from = at + 1;
  }
}

/** Month names, for callers that need to tell a date word from a name. */
export const MONTH_PATTERN = MONTH;
