import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ELLIPSIS, truncateToTokens } from './token-fit.ts';

const words = (text: string): number => text.split(/\s+/).filter((word) => word !== '').length;
const codeUnits = (text: string): number => text.length;

describe('truncateToTokens', () => {
  it('returns text that fits unchanged', () => {
    expect(truncateToTokens('three short words', 3, words)).toBe('three short words');
  });

  it('cuts at a word boundary and marks the cut with an ellipsis', () => {
    expect(truncateToTokens('one two three four five six', 4, words)).toBe(
      `one two three four${ELLIPSIS}`,
    );
    expect(truncateToTokens('alpha beta, gamma delta', 14, codeUnits)).toBe(
      `alpha beta${ELLIPSIS}`,
    );
  });

  it('returns an empty string when not even one character and the ellipsis fit', () => {
    expect(truncateToTokens('anything at all', 0, words)).toBe('');
    expect(truncateToTokens('abc', 1, codeUnits)).toBe('');
  });

  it('never splits a family emoji, a flag or a surrogate pair', () => {
    const text = '👨‍👩‍👧🇵🇹𝒻𝒶𝓂é'.repeat(10);
    for (let max = 2; max < text.length; max++) {
      const cut = truncateToTokens(text, max, codeUnits);
      expect(cut.length).toBeLessThanOrEqual(max);
      const kept = cut.endsWith(ELLIPSIS) ? cut.slice(0, -1) : cut;
      expect(text.startsWith(kept)).toBe(true);
      const rest = text.slice(kept.length);
      expect(rest === '' || /^(?:👨|🇵|𝒻|𝒶|𝓂|é)/u.test(rest)).toBe(true);
    }
  });

  it('always fits, for any text and budget', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 120 }),
        fc.integer({ min: 0, max: 60 }),
        (text, max) => {
          expect(codeUnits(truncateToTokens(text, max, codeUnits))).toBeLessThanOrEqual(max);
          expect(words(truncateToTokens(text, max, words))).toBeLessThanOrEqual(max);
        },
      ),
    );
  });
});
