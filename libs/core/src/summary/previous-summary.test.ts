import { describe, expect, it } from 'vitest';
import { fingerprint, isNearDuplicate } from './near-duplicate.ts';
import { parsePreviousSummary } from './previous-summary.ts';

describe('parsePreviousSummary', () => {
  it('reads our own sections back as lines, keeping what each was', () => {
    const units = parsePreviousSummary(
      [
        'Earlier:',
        '- User asked: Can you book TP218?',
        'User asked:',
        '- How do we get to Porto?',
        'Decisions:',
        "- User: Let's go with the Lisboa Tejo.",
        'Facts:',
        '- User: Our budget is $3,200.',
        'Tools:',
        '- search_flights(from=BOS) → error: timeout',
      ].join('\n'),
    );
    expect(units.map((unit) => unit.text)).toEqual([
      'User asked: Can you book TP218?',
      'User asked: How do we get to Porto?',
      "User: Let's go with the Lisboa Tejo.",
      'User: Our budget is $3,200.',
      'Tool search_flights(from=BOS) → error: timeout',
    ]);
    expect(units.map((unit) => unit.order)).toEqual([0, 1, 2, 3, 4]);
  });

  it('scores a decision above a request and an older request below a newer one', () => {
    const [older, newer, decision] = parsePreviousSummary(
      'Earlier:\n- User asked: Which hotel is near the river?\nUser asked:\n- How do we get to Porto?\nDecisions:\n- User: We decided on the train.',
    );
    expect(decision?.score).toBeGreaterThan(newer?.score ?? Infinity);
    expect(newer?.score).toBeGreaterThan(older?.score ?? Infinity);
  });

  it("splits an LLM's prose summary into sentences and drops its filler", () => {
    const units = parsePreviousSummary(
      'The user is moving to Denver on August 3. Their budget is $4,500. Thanks for chatting!',
    );
    expect(units.map((unit) => unit.text)).toEqual([
      'The user is moving to Denver on August 3.',
      'Their budget is $4,500.',
    ]);
  });

  it('drops repeated lines', () => {
    const units = parsePreviousSummary(
      'Facts:\n- User: Our budget is $3,200.\n- User: our budget is $3,200!',
    );
    expect(units).toHaveLength(1);
  });

  it('returns nothing for an empty summary', () => {
    expect(parsePreviousSummary('')).toEqual([]);
    expect(parsePreviousSummary('\n \n')).toEqual([]);
  });
});

describe('isNearDuplicate', () => {
  it('matches sentences that differ only in small words and punctuation', () => {
    expect(
      isNearDuplicate(fingerprint('My budget is $3,200.'), fingerprint('Your budget is $3,200!')),
    ).toBe(true);
  });

  it('never matches sentences with different numbers', () => {
    expect(
      isNearDuplicate(fingerprint('The budget is $3,200.'), fingerprint('The budget is $3,500.')),
    ).toBe(false);
  });

  it('does not match sentences that share only some words', () => {
    expect(
      isNearDuplicate(
        fingerprint('Book the train to Porto.'),
        fingerprint('Book the hotel in Lisbon near the station.'),
      ),
    ).toBe(false);
  });
});
