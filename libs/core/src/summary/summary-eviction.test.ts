import { describe, expect, it } from 'vitest';
import { byEvictionOrder, compactText, fitToCap, priorityOf } from './summary-eviction.ts';
import { renderSummaryText, type SummaryItem } from './structured-summary.ts';

const words = (text: string) => text.split(/\s+/).filter(Boolean).length;

function item(key: string, patch: Partial<SummaryItem> = {}): SummaryItem {
  return {
    key,
    section: 'facts',
    text: `Fact ${key} with value 42.`,
    seq: 1,
    weight: 5,
    mentions: 0,
    age: 0,
    ...patch,
  };
}

describe('eviction', () => {
  it('puts the pending request above everything, and weighs mentions up and age down', () => {
    expect(priorityOf(item('a', { pending: true, weight: 3 }))).toBeGreaterThan(
      priorityOf(item('b', { weight: 20 })),
    );
    expect(priorityOf(item('a', { mentions: 2 }))).toBe(priorityOf(item('a')) + 2);
    expect(priorityOf(item('a', { mentions: 9 }))).toBe(priorityOf(item('a')) + 3);
    expect(priorityOf(item('a', { age: 4 }))).toBe(priorityOf(item('a')) - 2);
    expect(priorityOf(item('a', { age: 100 }))).toBe(priorityOf(item('a')) - 4);
  });

  it('evicts the lowest priority first, the oldest first on a tie', () => {
    const items = [item('new', { seq: 9 }), item('old', { seq: 2 }), item('big', { weight: 9 })];
    expect([...items].sort(byEvictionOrder).map((i) => i.key)).toEqual(['old', 'new', 'big']);
  });

  it('shortens an item to the words around its values', () => {
    const text =
      'User: after weeks of discussion with finance we finally agreed the offsite budget is $18,500 in total for everything';
    const short = compactText(text)!;
    expect(short).toContain('$18,500');
    expect(short.startsWith('User:')).toBe(true);
    expect(words(short)).toBeLessThan(words(text));
    expect(compactText('no values here at all')).toBeNull();
  });

  it('fits a cap by shortening first, then leaving out whole items, never cutting one', () => {
    const items = Array.from({ length: 12 }, (_, i) =>
      item(`k${i}`, {
        weight: i,
        text: `User: a long sentence about many things where the number ${1000 + i} finally appears at the end`,
      }),
    );
    const { items: kept, evicted, compacted } = fitToCap(items, 60, words);
    expect(words(renderSummaryText(kept))).toBeLessThanOrEqual(60);
    expect(compacted).toBeGreaterThan(0);
    expect(evicted.length).toBeGreaterThan(0);
    // What goes first is what matters least.
    expect(Math.min(...kept.map((i) => i.weight))).toBeGreaterThanOrEqual(
      Math.max(...evicted.map((i) => i.weight)),
    );
    for (const k of kept) expect(k.text).toMatch(/\d{4}/);
  });

  it('keeps everything when it fits', () => {
    const items = [item('a'), item('b')];
    expect(fitToCap(items, 1000, words)).toMatchObject({ evicted: [], compacted: 0 });
  });
});
