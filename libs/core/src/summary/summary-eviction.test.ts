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
    expect(priorityOf(item('a', { age: 4 }))).toBe(priorityOf(item('a')) - 1);
    expect(priorityOf(item('a', { age: 100 }))).toBe(priorityOf(item('a')) - 2);
    // What the user said and what was decided does not fade.
    expect(priorityOf(item('a', { age: 100, durable: true }))).toBe(priorityOf(item('a')));
  });

  it('lets a section over its share give way first, but not an item that clearly matters more', () => {
    const artifact = (key: string, weight: number) =>
      item(key, { section: 'artifacts', weight, text: `ref ${key.toUpperCase()}-10${key.length}` });
    const many = Array.from({ length: 10 }, (_, i) => artifact(`a${i}`, 6));
    const fact = item('f', { weight: 5.5, text: 'User: we like quiet places near the river.' });
    // Artifacts hold more than their share: one of them goes before the slightly lower fact.
    const cap = words(renderSummaryText([...many, fact])) - 1;
    const first = fitToCap([...many, fact], cap, words);
    expect(first.evicted.map((i) => i.section)).toEqual(['artifacts']);
    // A decision far above them does not give way to its share.
    const decision = item('d', {
      section: 'decisions',
      weight: 12,
      text: 'Use Postgres for the orders service and keep it small '.repeat(4),
    });
    const low = item('l', { weight: 4, text: 'User: maybe a few people.' });
    const tight = words(renderSummaryText([decision, low])) - 1;
    const second = fitToCap([decision, low], tight, words);
    expect(second.evicted.map((i) => i.key)).toEqual(['l']);
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
