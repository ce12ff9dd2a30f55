import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LlmConfigError } from './llm-errors.ts';
import { fullJitterDelay, resolveRetryOptions } from './retry-policy.ts';

describe('fullJitterDelay', () => {
  it('stays within 0 and the doubling ceiling, capped at maxDelayMs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 0, max: 60_000 }),
        (retry, draw, baseDelayMs, maxDelayMs) => {
          const wait = fullJitterDelay(retry, { baseDelayMs, maxDelayMs, random: () => draw });
          const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (retry - 1));
          expect(Number.isInteger(wait)).toBe(true);
          expect(wait).toBeGreaterThanOrEqual(0);
          expect(wait).toBeLessThanOrEqual(ceiling);
        },
      ),
    );
  });

  it('doubles its ceiling with every retry', () => {
    const options = { baseDelayMs: 500, maxDelayMs: 8000, random: () => 0.5 };
    expect([1, 2, 3, 4, 5, 6].map((retry) => fullJitterDelay(retry, options))).toEqual([
      250, 500, 1000, 2000, 4000, 4000,
    ]);
  });
});

describe('resolveRetryOptions', () => {
  it('fills in the defaults', () => {
    expect(resolveRetryOptions()).toMatchObject({
      maxAttempts: 4,
      baseDelayMs: 500,
      maxDelayMs: 8000,
      badOutputRetries: 2,
      maxRetryAfterMs: 60_000,
    });
  });

  it('names each bad option and its rule', () => {
    expect(() => resolveRetryOptions({ maxAttempts: 0, baseDelayMs: -1 })).toThrow(
      new LlmConfigError([
        { path: 'maxAttempts', rule: 'expected a whole number >= 1' },
        { path: 'baseDelayMs', rule: 'expected a whole number >= 0' },
      ]),
    );
  });
});
