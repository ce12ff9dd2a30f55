import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SummaryTurn } from './extractive-summarizer.ts';
import { extractiveSummary } from './extractive-summarizer.ts';
import { wordTokens } from './extractive-summarizer.fixtures.ts';

/** Roughly one token per 4 UTF-16 units: a counter that is not word-based, unlike wordTokens. */
const charTokens = (text: string): number => Math.ceil(text.length / 4);

/** Words that trigger every rule: requests, decisions, filler, amounts, dates, names, code. */
const VOCABULARY = [
  'please',
  'can',
  'you',
  'I',
  'need',
  'want',
  "let's",
  'use',
  'we',
  'decided',
  'will',
  'go',
  'with',
  'the',
  'answer',
  'is',
  'recommend',
  'thanks',
  'ok',
  'sounds',
  'good',
  'budget',
  '$3,200',
  '€31.50',
  '20%',
  'June',
  '12',
  '2025-06-12',
  '9:39',
  'am',
  'v16.2',
  '8.11.3',
  'Lisbon',
  'TAP',
  'Ana',
  'user@example.com',
  'https://example.com/a?b=1',
  'DATABASE_URL',
  'getUser()',
  'pg_hba.conf',
  '`api`',
  '/etc/hosts',
  '👍',
  '🇵🇹',
  '👨‍👩‍👧',
  '𝒻𝒶𝓂',
  'é',
  'naïve',
  '中文',
  'mañana',
  '-',
  '•',
  '#',
  '```',
  '\n',
  '\n\n',
  '.',
  '?',
  '!',
  ',',
  ':',
  '…',
  '"',
  "'",
];

const sentenceLike = fc
  .array(fc.constantFrom(...VOCABULARY), { maxLength: 40 })
  .map((words) => words.join(' '));

/** Text of any shape: vocabulary soup, or any string of code points (emoji, CJK, controls). */
const content = fc.oneof(
  sentenceLike,
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
);

const turn: fc.Arbitrary<SummaryTurn> = fc.oneof(
  fc.record({ role: fc.constantFrom('user' as const, 'assistant' as const), content }),
  fc.record({
    role: fc.constant('tool' as const),
    content,
    tool: fc.option(fc.constantFrom('search_flights', 'run_sql', '', 'a tool with spaces'), {
      nil: undefined,
    }),
    error: fc.option(content, { nil: null }),
  }),
);

const input = fc.record({
  turns: fc.array(turn, { maxLength: 12 }),
  previousSummary: fc.option(
    fc.oneof(
      content,
      sentenceLike.map((text) => `Earlier:\n- ${text}\nFacts:\n- ${text}`),
    ),
    {
      nil: undefined,
    },
  ),
  maxTokens: fc.integer({ min: 0, max: 300 }),
});

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('extractiveSummary for every input', () => {
  it('never exceeds maxTokens, whichever counter measures it', () => {
    fc.assert(
      fc.property(input, fc.constantFrom(wordTokens, charTokens), (args, countTokens) => {
        const summary = extractiveSummary({ ...args, countTokens });
        expect(countTokens(summary)).toBeLessThanOrEqual(args.maxTokens);
      }),
      { numRuns: 400 },
    );
  });

  it('gives the same summary when asked twice', () => {
    fc.assert(
      fc.property(input, (args) => {
        const first = extractiveSummary({ ...args, countTokens: wordTokens });
        const second = extractiveSummary({ ...structuredClone(args), countTokens: wordTokens });
        expect(second).toBe(first);
      }),
      { numRuns: 200 },
    );
  });

  it('never throws and always returns a string', () => {
    fc.assert(
      fc.property(
        input,
        fc.oneof(fc.constant(Number.NaN), fc.constant(-5), fc.constant(Infinity), fc.double()),
        (args, odd) => {
          expect(typeof extractiveSummary({ ...args, countTokens: charTokens })).toBe('string');
          expect(
            typeof extractiveSummary({ ...args, maxTokens: odd, countTokens: charTokens }),
          ).toBe('string');
        },
      ),
      { numRuns: 200 },
    );
  });

  it('never cuts a surrogate pair in half when the input has none cut', () => {
    const wellFormed = input.filter(
      (args) =>
        !args.turns.some(
          (t) => LONE_SURROGATE.test(t.content) || LONE_SURROGATE.test(t.error ?? ''),
        ) && !LONE_SURROGATE.test(args.previousSummary ?? ''),
    );
    fc.assert(
      fc.property(wellFormed, (args) => {
        expect(extractiveSummary({ ...args, countTokens: charTokens })).not.toMatch(LONE_SURROGATE);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps each section in the order the lines were said', () => {
    const numbered = fc
      .array(fc.integer({ min: 1, max: 9999 }), { minLength: 1, maxLength: 15 })
      .map((amounts) =>
        amounts.map((amount, i): SummaryTurn => ({
          role: 'user',
          content: `Item ${i} of the order costs $${amount}.`,
        })),
      );
    fc.assert(
      fc.property(numbered, fc.integer({ min: 20, max: 400 }), (turns, maxTokens) => {
        const summary = extractiveSummary({ turns, maxTokens, countTokens: wordTokens });
        const positions = [...summary.matchAll(/Item (\d+) of the order/g)].map((match) =>
          Number(match[1]),
        );
        expect(positions).toEqual([...positions].sort((a, b) => a - b));
      }),
      { numRuns: 200 },
    );
  });
});
