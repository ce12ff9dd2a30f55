import { parseSummaryText, type SummaryItem } from '@threadline/core';
import { LlmBadOutputError } from './llm-errors.ts';

export interface SummaryValidationOptions {
  /** The summary's budget, in tokens; answers over {@link TOO_LONG_FACTOR} times it are refused. */
  maxTokens: number;
  /** Counts the tokens of a text (the session model's tokenizer). */
  countTokens: (text: string) => number;
  /**
   * Fewest characters (after trimming) a summary may have.
   *
   * @defaultValue 1
   */
  minChars?: number;
}

/**
 * An answer longer than this many times the summary budget is refused. Models do not count
 * tokens exactly and a summary a little over its budget is still useful (the context counts
 * its real size), but twice the budget is a model that ignored the instruction or ran away.
 */
export const TOO_LONG_FACTOR = 2;

/**
 * No prose has this many characters per token (English runs at about 4); longer answers are
 * refused by length alone, before the tokenizer is run on what may be megabytes of noise.
 */
export const MAX_CHARS_PER_TOKEN = 32;

/**
 * Openings that mark a refusal or a model talking about itself instead of summarizing.
 * Matched against the start of the answer, lower-cased, with curly apostrophes straightened and
 * leading quotes or markup dropped. A summary is written in the third person ("The user asked
 * ..."), so none of these open a real one.
 */
export const REFUSAL_OPENINGS: readonly RegExp[] = [
  /^(i'm|i am|i’m) (so |very |really )?sorry\b/,
  /^sorry\b/,
  /^(unfortunately,? )?i (can't|cannot|can not|won't|will not|am unable to|'m unable to|am not able to|'m not able to)\b/,
  /^(unfortunately,? )?i'm (unable|not able) to\b/,
  /^i apologi[sz]e,? but\b/,
  /^i must (decline|refuse)\b/,
  /^as an ai\b/,
  /^as a (large )?language model\b/,
  /^as an? (ai )?assistant,? i (can't|cannot|am unable|'m unable|won't)\b/,
];

/**
 * Below this share of letters among the non-space characters, an answer is noise. Low, because
 * a summary dense with prices, dates and ids is still mostly letters but can fall to 35%.
 */
export const MIN_LETTER_SHARE = 0.2;

/**
 * Above this share of jumbled words, an answer is noise. A word (of at least 3 characters once
 * surrounding punctuation is trimmed) is jumbled when more than 30% of its adjacent character
 * pairs switch class (letter, digit, other): `k2f#9x`, but also `€31.50`, `2025-06-16` or a
 * UUID. Random characters give almost only jumbled words; prose few, and a summary dense with
 * numbers and ids still well under half.
 */
export const MAX_JUMBLED_WORD_SHARE = 0.6;

/**
 * Below this share of distinct 8-character windows (case and runs of spaces ignored), an
 * answer is noise: the same sentence or word over and over. Prose has most of its windows
 * distinct; a sentence repeated gives almost none.
 */
export const MIN_DISTINCT_WINDOW_SHARE = 0.15;

/** The letter and jumbled-word rules apply from this many non-space characters. */
const NOISE_MIN_CHARS = 24;
/** The repetition rule applies from this many characters. */
const REPETITION_MIN_CHARS = 200;
const WINDOW = 8;
/** A word is judged from this many characters (after trimming punctuation). */
const JUMBLE_MIN_WORD_CHARS = 3;
/** A word with more than this share of class-switching character pairs is jumbled. */
const JUMBLE_SWITCH_SHARE = 0.3;
/** Only the start of a very long answer is scanned for noise (enough to judge it). */
const NOISE_SCAN_CHARS = 20_000;

/**
 * Checks that an LLM answer is a usable summary and returns it trimmed, or throws
 * {@link LlmBadOutputError} naming the rule it broke. The rules, in the order they are checked:
 *
 * 1. `empty`: nothing but whitespace.
 * 2. `refusal`: it opens like a refusal or a model talking about itself
 *    ({@link REFUSAL_OPENINGS}: "I'm sorry, I can't…", "I cannot help with that", "As an AI…").
 * 3. `too_short`: fewer than `minChars` characters.
 * 4. `noise` (texts of at least 24 non-space characters): fewer than 20% of the non-space
 *    characters are letters ({@link MIN_LETTER_SHARE}); or more than 60% of the words are
 *    jumbled mixes of letters, digits and symbols ({@link MAX_JUMBLED_WORD_SHARE}: random
 *    characters); or, from 200 characters, fewer than 15% of its 8-character windows are
 *    distinct ({@link MIN_DISTINCT_WINDOW_SHARE}: the same text over and over). Letters of
 *    every script count, so summaries in any language pass.
 * 5. `too_long`: more than {@link TOO_LONG_FACTOR} × `maxTokens` tokens (checked first by
 *    length alone at {@link MAX_CHARS_PER_TOKEN} characters per token, so that 50 000 tokens
 *    of junk are not tokenized).
 */
export function validateSummary(text: string, options: SummaryValidationOptions): string {
  const summary = typeof text === 'string' ? text.trim() : '';
  if (summary === '')
    throw new LlmBadOutputError('empty', 'the answer is empty or only whitespace');

  const opening = refusalOpening(summary);
  if (opening !== null) {
    throw new LlmBadOutputError(
      'refusal',
      `the answer opens like a refusal (${JSON.stringify(opening)}), not a summary`,
    );
  }

  const minChars = options.minChars ?? 1;
  if (summary.length < minChars) {
    throw new LlmBadOutputError(
      'too_short',
      `the answer has ${summary.length} characters, expected at least ${minChars}`,
    );
  }

  const noise = noiseFinding(summary.slice(0, NOISE_SCAN_CHARS));
  if (noise !== null) throw new LlmBadOutputError('noise', noise);

  const limit = Math.floor(TOO_LONG_FACTOR * options.maxTokens);
  if (summary.length > limit * MAX_CHARS_PER_TOKEN) {
    throw new LlmBadOutputError(
      'too_long',
      `the answer has ${summary.length} characters, far more than ${limit} tokens ` +
        `(${TOO_LONG_FACTOR} × the budget of ${options.maxTokens})`,
    );
  }
  const tokens = options.countTokens(summary);
  if (tokens > limit) {
    throw new LlmBadOutputError(
      'too_long',
      `the answer has ${tokens} tokens, expected at most ${limit} (${TOO_LONG_FACTOR} × the budget of ${options.maxTokens})`,
    );
  }
  return summary;
}

/** The refusal opening the text starts with, as written, or null. */
function refusalOpening(text: string): string | null {
  const start = text
    .slice(0, 120)
    .replace(/^[\s"'“”‘’`*_#>()[\]-]+/, '')
    .replace(/[‘’]/g, "'");
  const lower = start.toLowerCase();
  for (const pattern of REFUSAL_OPENINGS) {
    const match = pattern.exec(lower);
    if (match) return start.slice(0, match[0].length);
  }
  return null;
}

type CharClass = 'letter' | 'digit' | 'other';

function classOf(char: string): CharClass {
  if (/[\p{L}\p{M}]/u.test(char)) return 'letter';
  if (/\p{N}/u.test(char)) return 'digit';
  return 'other';
}

/** What makes the text noise (the rule and the measure), or null when it reads as text. */
function noiseFinding(text: string): string | null {
  let visible = 0;
  let letters = 0;
  let judged = 0;
  let jumbled = 0;
  for (const word of text.split(/\s+/u)) {
    const chars = Array.from(word);
    const classes = chars.map(classOf);
    visible += chars.length;
    letters += classes.filter((kind) => kind === 'letter').length;
    const first = classes.findIndex((kind) => kind !== 'other');
    const last = classes.findLastIndex((kind) => kind !== 'other');
    if (first < 0 || last - first + 1 < JUMBLE_MIN_WORD_CHARS) continue;
    judged++;
    let switches = 0;
    for (let i = first + 1; i <= last; i++) if (classes[i] !== classes[i - 1]) switches++;
    if (switches / (last - first) > JUMBLE_SWITCH_SHARE) jumbled++;
  }

  if (visible >= NOISE_MIN_CHARS) {
    const letterShare = letters / visible;
    if (letterShare < MIN_LETTER_SHARE) {
      return `only ${percent(letterShare)} of its non-space characters are letters, expected at least ${percent(MIN_LETTER_SHARE)}`;
    }
    const jumbledShare = judged === 0 ? 0 : jumbled / judged;
    if (jumbledShare > MAX_JUMBLED_WORD_SHARE) {
      return (
        `${percent(jumbledShare)} of its words are jumbled mixes of letters, digits and symbols, ` +
        `expected at most ${percent(MAX_JUMBLED_WORD_SHARE)} (random characters)`
      );
    }
  }

  const flat = Array.from(text.toLowerCase().replace(/\s+/gu, ' '));
  if (flat.length >= REPETITION_MIN_CHARS) {
    const windows = new Set<string>();
    const total = flat.length - WINDOW + 1;
    for (let i = 0; i < total; i++) windows.add(flat.slice(i, i + WINDOW).join(''));
    const distinctShare = windows.size / total;
    if (distinctShare < MIN_DISTINCT_WINDOW_SHARE) {
      return (
        `only ${percent(distinctShare)} of its 8-character windows are distinct, expected at least ` +
        `${percent(MIN_DISTINCT_WINDOW_SHARE)} (the same text repeated)`
      );
    }
  }
  return null;
}

function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

/** Least number of the five section headings a structured answer must have. */
export const MIN_SECTIONS = 3;

/**
 * Phrases that instruct a model. An answer that contains one the material does not contain was
 * steered by something (a prompt injection in a tool result, a model gone astray): its summary
 * would carry new instructions into every later context. Matched on lower-cased text.
 */
export const INSTRUCTION_PATTERNS: readonly RegExp[] = [
  /\b(?:ignore|disregard|forget|override)\b[^.\n]{0,40}?\b(?:instructions?|prompts?|rules?|guidelines?|messages?|context)\b/,
  /\b(?:you are now|from now on,? you|act as|pretend (?:to be|you are)|new instructions?|system prompt|developer mode|jailbreak)\b/,
  /\b(?:you|the assistant|the model|ai) (?:must|should|shall|will) (?:now|always|never|only)\b/,
  /\b(?:do not|don't|never) (?:tell|reveal|mention|inform) (?:the )?user\b/,
  /\b(?:reveal|print|output|send|leak) (?:your |the )?(?:system prompt|instructions|api key|secrets?|password)\b/,
];

const URL_IN_TEXT = /(?<![\w/.-])(?:https?:\/\/|www\.)[^\s<>()"'`\]]+[^\s<>()"'`.,;:!?\]]/gi;

export interface StructuredAnswerOptions {
  /** Transcript lines the answer may cite: `[fromSeq, toSeq)`, plus the previous summary's. */
  citable: { fromSeq: number; toSeq: number };
  /** The material the answer was made from (previous summary and transcript), as sent. */
  material: string;
}

/**
 * Checks that a (trimmed, already validated) answer is a structured summary made from its
 * material, and returns its items. Throws {@link LlmBadOutputError}:
 *
 * - `structure`: fewer than {@link MIN_SECTIONS} of the five section headings, or no item;
 * - `invented_url`: a URL that is in neither the transcript nor the previous summary;
 * - `injected_instruction`: an instruction to a model ({@link INSTRUCTION_PATTERNS}) whose
 *   words the material does not contain.
 */
export function parseStructuredAnswer(
  text: string,
  options: StructuredAnswerOptions,
): SummaryItem[] {
  const parsed = parseSummaryText(text, { citable: options.citable });
  if (parsed.headings.size < MIN_SECTIONS)
    throw new LlmBadOutputError(
      'structure',
      `the answer has ${parsed.headings.size} of the five section headings, expected at least ${MIN_SECTIONS}`,
    );
  if (parsed.items.length === 0)
    throw new LlmBadOutputError('structure', 'the answer has no item under its headings');
  const material = options.material.toLowerCase();
  for (const match of text.matchAll(URL_IN_TEXT)) {
    const url = match[0].toLowerCase();
    if (!material.includes(url))
      throw new LlmBadOutputError(
        'invented_url',
        `the answer names ${JSON.stringify(match[0].slice(0, 120))}, which the material does not contain`,
      );
  }
  const flat = material.replace(/\s+/g, ' ');
  for (const item of parsed.items) {
    const said = item.text.toLowerCase().replace(/[’‘]/g, "'");
    for (const pattern of INSTRUCTION_PATTERNS) {
      const found = pattern.exec(said);
      if (found && !flat.includes(found[0].replace(/\s+/g, ' ')))
        throw new LlmBadOutputError(
          'injected_instruction',
          `the answer says ${JSON.stringify(found[0])}, an instruction the material does not contain`,
        );
    }
  }
  return parsed.items;
}
