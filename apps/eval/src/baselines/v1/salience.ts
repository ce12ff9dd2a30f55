// FROZEN COPY of libs/core/src/summary/salience.ts at commit 1ad38c6 (before the context-quality
// issue), kept for measurement only: the v1 baseline of `npm run eval`. Never edit it.

/**
 * What a sentence of a conversation is worth in a summary.
 *
 * Every sentence gets a kind (which section of the summary it belongs to) and a score (how
 * early it is chosen when the token budget runs short), or `null` when it is filler. The
 * rules are plain patterns, chosen to be predictable rather than clever:
 *
 * | kind       | who       | recognised by                                          | score           |
 * |------------|-----------|--------------------------------------------------------|-----------------|
 * | `decision` | both      | "we decided / agreed / will / going with / let's use / | 6 + facts / 2   |
 * |            |           | the fix is / the answer is / that means / has been     |                 |
 * |            |           | changed…"                                              |                 |
 * | `decision` | both      | "I recommend / suggest / you should / best option"      | 4.5 + facts / 2 |
 * | `request`  | user      | ends with `?`; "please / can you / I need / help me…"  | 4 + facts / 2   |
 * | `fact`     | user      | any other statement                                    | 1.5 + facts × 1.5 |
 * | `fact`     | assistant | any other statement                                    | 0.5 + facts     |
 *
 * `facts` are the points of {@link factWeight}: amounts, dates, versions, e-mails and URLs,
 * numbers, proper names and code identifiers. Decisions and requests are kept for what they
 * are, so facts add less to them. What the user states (budget, dates, versions, the error
 * they see) is what the assistant must not forget and cannot look up again, so it counts
 * more than what the assistant said. The resulting order under a tight budget: decisions,
 * the user's main question and stated facts, then other requests and failed tool calls,
 * then the assistant's facts, then plain statements.
 */

export type SentenceKind = 'request' | 'decision' | 'fact';

export interface Salience {
  kind: SentenceKind;
  score: number;
}

/** Score of a decision or conclusion carrying `facts` points. */
export function decisionScore(facts: number): number {
  return 6 + facts / 2;
}

/** Score of a recommendation ("I recommend…", "you should…") carrying `facts` points. */
export function recommendationScore(facts: number): number {
  return 4.5 + facts / 2;
}

/** Score of a user's question or request carrying `facts` points. */
export function requestScore(facts: number): number {
  return 4 + facts / 2;
}

/** Score of a statement by the user carrying `facts` points. */
export function userFactScore(facts: number): number {
  return 1.5 + facts * 1.5;
}

/** Score of a statement by the assistant carrying `facts` points (a question: 0.5 less). */
export function assistantFactScore(facts: number, isQuestion = false): number {
  return 0.5 + facts - (isQuestion ? 0.5 : 0);
}

/** Score of a tool call: a failure matters more, and so does the first call of a tool. */
export function toolCallScore(failed: boolean, firstOfItsTool: boolean): number {
  return 3 + (failed ? 3 : 0) + (firstOfItsTool ? 1 : 0);
}

/** Points per signal, and the cap on what names and identifiers can add. */
const WEIGHT = {
  contact: 3,
  amount: 3,
  date: 2,
  version: 2,
  otherNumber: 1.5,
  perName: 1,
  maxNames: 3,
  perIdentifier: 1,
  maxIdentifiers: 3,
} as const;

/** Words that, alone or together, say nothing: "ok", "thanks so much!", "sounds good". */
const FILLER_WORDS = new Set(
  (
    'thanks thank you ty thx so much very a lot again ok okay k kk sure great good sounds sound ' +
    'perfect awesome cool nice neat got it gotcha alright all right yes yeah yep yup no nope hi ' +
    'hello hey bye goodbye cheers np problem appreciate appreciated that thats this is was ' +
    'wonderful excellent fantastic amazing brilliant lovely lol haha hmm fine understood makes ' +
    'sense noted will do of course absolutely exactly indeed i see welcome youre glad help ' +
    'helpful helps oh ah wow just really super works for me me too that works'
  ).split(' '),
);

/** Assistant pleasantries that open or close an answer without content. */
const PLEASANTRY =
  /^(?:let me know\b|how (?:can|may) i help|what can i do for you|(?:i )?hope (?:this|that) helps|happy to help|glad (?:i could|to) help|you(?:'re| are) (?:very )?welcome|is there anything else|anything else i can|feel free to (?:ask|reach)|have a (?:great|nice|good|wonderful|safe)\b|enjoy your\b|good luck\b|my pleasure|great question|thanks? (?:you )?for (?:chatting|reaching out|your patience|contacting|asking)|certainly[.!]?$|of course[.!]?$)/i;

/** Filler at the start of a sentence that carries more: "Sounds good, let's go with…". */
const LEADING_FILLER =
  /^(?:(?:ok(?:ay)?|done|sure thing|sure|great|perfect|awesome|cool|nice|thanks|thank you(?: so much| very much)?|thx|sounds (?:good|great)|got it|alright|all right|yes|yeah|yep|hi|hello|hey|well|so|right|excellent|understood|oh|ah|hmm+|wow)\s*[,!.;:—–-]+\s*)+/i;

/** User requests that are not phrased as a question. */
const REQUEST_PATTERNS: readonly RegExp[] = [
  /\b(?:please|pls|plz)\b/,
  /^(?:can|could|would|will) (?:you|we|u|i)\b/,
  /^(?:i|we) (?:need|want|would like|'d like|wanna|have to|must|am looking for|'m looking for|are looking for|'re looking for)\b/,
  /\b(?:help me|i need|i want|i'd like|i would like)\b/,
  /^let'?s\b/,
  /^(?:how|what|why|when|where|which|who|is there|are there|do you|does it|should i|should we)\b/,
  /^(?:help|show|tell|give|find|book|check|fix|explain|compare|list|write|make|create|add|remove|cancel|upgrade|downgrade|switch|change|update|send|recommend|suggest|summari[sz]e|set up|install|debug|get|plan|reserve|look up|walk me through|figure out)\b/,
];

/** Decisions and conclusions, from either side. */
const DECISION_PATTERNS: readonly RegExp[] = [
  /\b(?:we|i)(?:'ve| have)? (?:decided|agreed|settled on|chose|chosen|picked|opted)\b/,
  /\b(?:decided|agreed|settled on|confirmed)\b/,
  /\b(?:we'll|we will|we're going to|we are going to|i'll|i will|i'm going to|i am going to) (?:go with|use|take|book|switch|stick with|keep|move|upgrade|downgrade|cancel|proceed|pay|buy|choose|pick)\b/,
  /\b(?:we'll|we will)\b/,
  /\bgo(?:ing)? with\b/,
  /\blet'?s (?:use|go|book|do|stick|keep|switch|take|move|proceed|plan|pick|choose|settle|upgrade|downgrade)\b/,
  /\bthe answer is\b/,
  /\b(?:the )?(?:fix|solution|root cause|cause|culprit|conclusion|decision|plan|problem|issue) (?:is|was|will be)\b/,
  /\bturns out\b/,
  /^(?:so )?(?:that|this|which) means\b/,
  /\b(?:has|have) been (?:changed|updated|cancell?ed|booked|scheduled|applied|confirmed|switched|upgraded|downgraded|reserved|fixed|resolved|processed|refunded|created|deleted)\b/,
  /\b(?:is|are) now\b/,
  /\b(?:works|working) now\b/,
  /\b(?:fixed|resolved|solved) (?:it|the|that|this)\b/,
];

/** Recommendations: weaker than a decision, since the user may not follow them. */
const RECOMMENDATION_PATTERNS: readonly RegExp[] = [
  /\b(?:i|we)(?: would|'d)? (?:recommend|suggest)\b/,
  /\brecommend(?:ed|ation)?\b/,
  /\bbest (?:option|choice|bet)\b/,
  /\byou should\b/,
];

const MONTH =
  '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';

const SIGNAL = {
  contact: /\bhttps?:\/\/\S+|\bwww\.\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+/i,
  amount:
    /[$€£¥₹]\s?\d|\d\s?(?:usd|eur|gbp|chf|dollars?|euros?|pounds?|k\b)|\b(?:usd|eur|gbp|chf)\s?\d|\d\s?%|\bper (?:month|year|seat|night|user|hour)\b/i,
  date: new RegExp(
    [
      `\\b${MONTH}\\.?\\s+\\d{1,2}(?:st|nd|rd|th)?\\b`,
      `\\b\\d{1,2}(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH}\\b`,
      '\\b\\d{4}-\\d{2}-\\d{2}\\b',
      '\\b\\d{1,2}/\\d{1,2}(?:/\\d{2,4})?\\b',
      '\\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\\b',
      '\\b\\d{1,2}(?::\\d{2})?\\s?(?:am|pm|a\\.m\\.|p\\.m\\.)',
      '\\b\\d{1,2}:\\d{2}\\b',
      '\\b(?:19|20)\\d{2}\\b',
    ].join('|'),
    'i',
  ),
  version: /\bv\d+(?:\.\d+)*\b|\b\d+\.\d+\.\d+[\w.-]*|@\d+(?:\.\d+)+|\b(?:version|release)\s+\d+/i,
  /** A product name followed by a dotted number: "PostgreSQL 16.2", "Node 20.19". */
  namedVersion: /\b[A-Z][\w+-]*\s\d+(?:\.\d+)+\b/,
  number: /\d/,
} as const;

/** Code-like tokens: `backticks`, camelCase, snake_case, CONST_CASE, calls, files, paths. */
const IDENTIFIER_PATTERNS: readonly RegExp[] = [
  /`[^`]+`/g,
  /\b[a-z]+[A-Z][A-Za-z0-9]*\b/g,
  /\b[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+\b/g,
  /\b[\w-]+\(\)/g,
  /\b[\w-]+\.(?:ts|js|mjs|cjs|json|ya?ml|conf|py|sql|env|toml|md|sh|go|rs|java|rb|txt|log|csv|ini|lock)\b/g,
  /(?:^|\s)~?\.{0,2}\/[\w.-]+(?:\/[\w.-]+)+/g,
  /--[a-z][\w-]+/g,
];

/** Capitalised words that are not names. */
const NOT_NAMES = new Set(['I', "I'm", "I'll", "I've", "I'd", 'OK', 'Ok']);

/** Lower-cases and straightens apostrophes, for pattern matching. */
export function normalizeForMatching(sentence: string): string {
  return sentence.toLowerCase().replace(/[’‘`]/g, "'");
}

/** Removes leading pleasantries ("Sounds good, ", "Thanks! ") and capitalises what remains. */
export function stripLeadingFiller(sentence: string): string {
  const stripped = sentence.replace(LEADING_FILLER, '');
  if (stripped === sentence || stripped === '') return sentence;
  const first = stripped.codePointAt(0) ?? 0;
  const firstChar = String.fromCodePoint(first);
  return firstChar.toUpperCase() + stripped.slice(firstChar.length);
}

/**
 * True when the sentence says nothing a later reader needs: "Thanks!", "ok", "Happy to
 * help.", or no word at all ("?", "👍").
 */
export function isFiller(sentence: string): boolean {
  const normalized = normalizeForMatching(sentence).trim();
  if (PLEASANTRY.test(normalized)) return true;
  const words = normalized
    .replace(/'/g, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '');
  return words.length <= 10 && words.every((word) => FILLER_WORDS.has(word));
}

/** True when the sentence states a decision, conclusion or recommendation. */
export function isDecision(sentence: string): boolean {
  const normalized = normalizeForMatching(sentence);
  return DECISION_PATTERNS.some((pattern) => pattern.test(normalized));
}

/** True when the sentence recommends or suggests a course of action. */
export function isRecommendation(sentence: string): boolean {
  const normalized = normalizeForMatching(sentence);
  return RECOMMENDATION_PATTERNS.some((pattern) => pattern.test(normalized));
}

/** True when a user's sentence asks something or asks for something. */
export function isRequest(sentence: string): boolean {
  if (/\?[^\p{L}\p{N}]*$/u.test(sentence)) return true;
  const normalized = normalizeForMatching(sentence);
  return REQUEST_PATTERNS.some((pattern) => pattern.test(normalized));
}

/**
 * Points for the facts a sentence carries: e-mails/URLs and amounts 3, dates and versions 2,
 * other numbers 1.5, each proper name or code identifier 1 (at most 3 each).
 */
export function factWeight(sentence: string): number {
  let weight = 0;
  if (SIGNAL.contact.test(sentence)) weight += WEIGHT.contact;
  const amount = SIGNAL.amount.test(sentence);
  const date = SIGNAL.date.test(sentence);
  const version = SIGNAL.version.test(sentence) || SIGNAL.namedVersion.test(sentence);
  if (amount) weight += WEIGHT.amount;
  if (date) weight += WEIGHT.date;
  if (version) weight += WEIGHT.version;
  if (!amount && !date && !version && SIGNAL.number.test(sentence)) weight += WEIGHT.otherNumber;
  weight += Math.min(properNames(sentence).size, WEIGHT.maxNames) * WEIGHT.perName;
  weight += Math.min(codeIdentifiers(sentence).size, WEIGHT.maxIdentifiers) * WEIGHT.perIdentifier;
  return weight;
}

/** Capitalised words not at the start of a sentence or clause ("Lisbon", "TAP", "Memmo"). */
export function properNames(sentence: string): Set<string> {
  const names = new Set<string>();
  const tokens = sentence.split(/\s+/);
  for (let i = 1; i < tokens.length; i++) {
    const previous = tokens[i - 1] ?? '';
    if (/[.!?:;]["')\]]*$/.test(previous)) continue;
    const word = (tokens[i] ?? '').replace(/^[("'“‘[]+|[)"'”’\],.!?:;]+$/g, '');
    if (/^\p{Lu}[\p{L}\p{M}\p{N}'’&.-]*$/u.test(word) && !NOT_NAMES.has(word)) names.add(word);
  }
  return names;
}

/** Code-like tokens in the sentence. */
export function codeIdentifiers(sentence: string): Set<string> {
  const found = new Set<string>();
  for (const pattern of IDENTIFIER_PATTERNS) {
    for (const match of sentence.matchAll(pattern)) found.add(match[0].trim());
  }
  return found;
}

/**
 * Kind and score of one sentence said by `role`, or `null` for filler, for fragments too
 * small to be worth a line (fewer than 3 words, no facts, no decision or request), and for
 * the assistant's questions that carry no fact ("How can I help you today?").
 */
export function assessSentence(sentence: string, role: 'user' | 'assistant'): Salience | null {
  if (isFiller(sentence)) return null;
  const facts = factWeight(sentence);
  const isQuestion = /\?[^\p{L}\p{N}]*$/u.test(sentence);
  if (role === 'user' && isQuestion) return { kind: 'request', score: requestScore(facts) };
  if (isDecision(sentence)) return { kind: 'decision', score: decisionScore(facts) };
  if (isRecommendation(sentence)) return { kind: 'decision', score: recommendationScore(facts) };
  if (role === 'user' && isRequest(sentence))
    return { kind: 'request', score: requestScore(facts) };
  const wordCount = sentence.split(/\s+/).filter((word) => word !== '').length;
  if (facts === 0 && (wordCount < 3 || /:$/.test(sentence) || isQuestion)) return null;
  if (role === 'user') return { kind: 'fact', score: userFactScore(facts) };
  return { kind: 'fact', score: assistantFactScore(facts, isQuestion) };
}
