/**
 * What a sentence of a conversation is, for a summary: a request, a goal, a decision (or the
 * revision of one), a fact, or filler. The rules are plain patterns, chosen to be predictable
 * rather than clever, and every one of them is linear in its input (no pattern can re-scan a
 * long run from every position).
 *
 * | kind       | who       | recognised by                                                    |
 * |------------|-----------|------------------------------------------------------------------|
 * | `decision` | both      | "we decided / agreed / will / going with / let's use / the fix  |
 * |            |           | is / has been changed / switch to / make it / book the …"       |
 * | `request`  | user      | ends with `?`; "please / can you / I need / help me / find …"   |
 * | `goal`     | user      | a request or statement of intent: "I want to / I'm planning / |
 * |            |           | my goal is / we're trying to / help me …"                       |
 * | `fact`     | both      | any other statement that carries an exact value (see values.ts) |
 *
 * A decision is a *revision* when it says it replaces something ("actually", "instead",
 * "switch to", "change it to", "rather than", "on second thought", "scratch that", …).
 */

export type SentenceKind = 'request' | 'goal' | 'decision' | 'fact';

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
  /^(?:help|show|tell|give|find|book|check|fix|explain|compare|list|write|make|create|add|remove|cancel|upgrade|downgrade|switch|change|update|send|recommend|suggest|summari[sz]e|set up|install|debug|get|plan|reserve|look up|look into|walk me through|figure out|track|refund|return|order)\b/,
];

/** Statements of what the user is after overall. */
const GOAL_PATTERNS: readonly RegExp[] = [
  /\b(?:i|we)(?:'m| am|'re| are) (?:planning|trying|hoping|looking to|preparing|organi[sz]ing|working on)\b/,
  /\b(?:my|our) (?:goal|aim|plan|objective|task) (?:is|was)\b/,
  /^(?:i|we) (?:want|need|would like|'d like) (?:to|you to|help)\b/,
  /\b(?:help me|help us) (?:to )?(?:plan|build|fix|find|set up|get|choose|figure out|put together|migrate|debug)\b/,
];

/** Decisions and conclusions, from either side. */
const DECISION_PATTERNS: readonly RegExp[] = [
  /\b(?:we|i)(?:'ve| have)? (?:decided|agreed|settled on|chose|chosen|picked|opted)\b/,
  /\b(?:decided|agreed|settled on|confirmed)\b/,
  /\b(?:we'll|we will|we're going to|we are going to|i'll|i will|i'm going to|i am going to) (?:go with|use|take|book|switch|stick with|keep|move|upgrade|downgrade|cancel|proceed|pay|buy|choose|pick)\b/,
  /\bgo(?:ing)? with\b/,
  /\blet'?s (?:use|go|book|do|stick|keep|switch|take|move|proceed|plan|pick|choose|settle|upgrade|downgrade|make|change|get|order|reserve)\b/,
  /\bthe answer is\b/,
  /\b(?:the )?(?:fix|solution|root cause|cause|culprit|conclusion|decision|plan) (?:is|was|will be)\b/,
  /\bturns out\b/,
  /^(?:so )?(?:that|this|which) means\b/,
  /\b(?:has|have) been (?:changed|updated|cancell?ed|booked|scheduled|applied|confirmed|switched|upgraded|downgraded|reserved|fixed|resolved|processed|refunded|created|deleted|moved|placed)\b/,
  /\b(?:i've|i have|we've|we have) (?:booked|reserved|switched|changed|updated|cancell?ed|ordered|placed|moved|upgraded|downgraded|applied|scheduled|set)\b/,
  /\b(?:is|are) now\b/,
  /\b(?:works|working) now\b/,
  /\b(?:fixed|resolved|solved) (?:it|the|that|this)\b/,
  /\b(?:i|we) (?:prefer|'ll take|will take|'ll have|'d rather)\b/,
  // "I think Postgres is the right call", "the Growth plan is what we need", "MySQL it is"
  /\b(?:is|are) (?:the |a |an )?(?:right|best|better|good|great|safe|safest) (?:call|choice|pick|option|bet|fit)\b/,
  /\bis what (?:we|i) (?:need|want)\b/,
  /^\S+(?: \S+){0,3} it is[.!]?$/,
  /\b(?:i|we)(?:'d| would) (?:like|rather have|prefer)\b/,
  /\b(?:standardi[sz](?:e|ed|ing) on|prefers)\b/,
];

/** A decision that replaces an earlier one. */
const REVISION_PATTERNS: readonly RegExp[] = [
  /\b(?:actually|on second thoughts?|scratch|change of plans?|instead|rather than|no longer|not anymore|changed (?:my|our) minds?)\b/,
  /\b(?:switch|change|move|update|swap|replace|upgrade|downgrade)(?:d|s|ing)?\b[^.!?]{0,60}?\b(?:to|for|with)\b/,
  /\bmake (?:it|that|this) (?:the|a|an)?\b/,
  // "not the 7:15 but the 9:40" (no comma: "not sure if it matters, but …" revises nothing)
  /\b(?:not|no) (?!sure\b|certain\b)[^.!?,]{1,40}? (?:but|instead)\b/,
  // "can we switch?", "we would rather have the Pro plan", "Legal says it has to be X, not Y"
  /\b(?:can|could|shall) (?:we|you|i) (?:switch|change|swap)\b/,
  /\b(?:would|'d) rather\b/,
  /\bworks better\b/,
  /, not (?:the |a |an )?[^,.!?]{1,40}?(?: after all)?[.!?]?$/,
];

/**
 * Revisions that say so outright: a user's sentence with one of these replaces an earlier choice
 * even when its new value is in plain words ("changed my mind: a refund to the card").
 */
const OUTRIGHT_REVISION =
  /\b(?:on second thoughts?|scratch (?:the|that|it)|change of plans?|changed (?:my|our) minds?|rather than|instead of)\b|^(?:actually,? )?(?:make|switch|change) (?:it|that|this) (?:to )?\S/;

/** A user's choice in the imperative ("Book the 9:39 train", "Take the Memmo"); from the assistant it is advice. */
const USER_CHOICE =
  /^(?:please )?(?:book|take|reserve|order|buy|use|choose|pick|switch|change|make it|move|upgrade|downgrade|cancel) (?:the|a|an|it|that|this|my|our|to|with|for|us|me)\b/;

/** Normalises for matching: lower case, straight apostrophes. */
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

/** True when the sentence states a decision or conclusion. */
export function isDecision(sentence: string, role: 'user' | 'assistant' = 'user'): boolean {
  const normalized = normalizeForMatching(sentence);
  if (role === 'user' && USER_CHOICE.test(normalized)) return true;
  return DECISION_PATTERNS.some((pattern) => pattern.test(normalized));
}

/** True when the sentence replaces an earlier choice ("actually, switch it to MySQL"). */
export function isRevision(sentence: string): boolean {
  const normalized = normalizeForMatching(sentence);
  return REVISION_PATTERNS.some((pattern) => pattern.test(normalized));
}

/** True when a user's sentence asks something or asks for something. */
export function isRequest(sentence: string): boolean {
  if (isQuestion(sentence)) return true;
  const normalized = normalizeForMatching(sentence);
  return REQUEST_PATTERNS.some((pattern) => pattern.test(normalized));
}

/** True when a user's sentence says what they are after overall. */
export function isGoal(sentence: string): boolean {
  const normalized = normalizeForMatching(sentence);
  return GOAL_PATTERNS.some((pattern) => pattern.test(normalized));
}

export function isQuestion(sentence: string): boolean {
  return /\?[^\p{L}\p{N}]{0,8}$/u.test(sentence);
}

/**
 * The kind of one sentence said by `role`, or null when a summary has no use for it: filler,
 * the assistant's questions and offers, statements without a value.
 *
 * @param hasValues whether the sentence carries exact values (see `values.ts`).
 */
export function kindOf(
  sentence: string,
  role: 'user' | 'assistant',
  hasValues: boolean,
): SentenceKind | null {
  if (isFiller(sentence)) return null;
  const question = isQuestion(sentence);
  if (role === 'user') {
    // A decision is checked first: "Let's book the 9:39 train" decides, it does not ask; nor
    // does "Can we switch to the 7:50 one?", a revision with a value.
    if (
      (!question && isDecision(sentence)) ||
      (isRevision(sentence) &&
        (hasValues || OUTRIGHT_REVISION.test(normalizeForMatching(sentence))))
    )
      return 'decision';
    if (isGoal(sentence)) return 'goal';
    if (question || isRequest(sentence)) return 'request';
    return hasValues ? 'fact' : null;
  }
  if (question) return null;
  if (isDecision(sentence, 'assistant')) return 'decision';
  return hasValues ? 'fact' : null;
}
