/**
 * What a summary keeps when its token cap (or a context's budget) forces a choice. Never a cut
 * in the middle of the text: whole items, by one documented rule.
 *
 * **Priority** of an item:
 *
 * ```text
 * priority = weight + 1 × min(mentions, 3) − 0.5 × min(age, 8) (+ 100 for the pending request)
 * ```
 *
 * - `weight` is set when the item is made (value points: see `values.ts`, at most 6 counted):
 *   the pending request first; then decisions (8 + half their value points); the
 *   conversation's first request (10) and other goals (7); the user's facts (4 + ¾ of their
 *   value points); artifacts (3.5–7: ids, URLs, paths and e-mails above names and numbers,
 *   +1 for what a call was asked about, +2 once a later turn names it); failed tool calls (4);
 *   the assistant's facts (2 + half their value points); answered requests (3 + a quarter of
 *   their value points); successful tool calls (1.5);
 * - every later statement of the same thing (same values, same artifact) adds one, up to three;
 * - every rolling merge the item survives without being mentioned again takes half a point, up
 *   to four: old items give way to new ones of the same kind, but a decision or an id never
 *   falls below a passing remark.
 *
 * **Fitting to a cap**: first the items with exact values are shortened to the words around
 * their values, lowest priority first (the values survive); then, if still over, whole items
 * go, lowest priority first (ties: the oldest). The result is measured as rendered text.
 */
import { findValues } from './values.ts';
import {
  inPrintOrder,
  MAX_SUMMARY_ITEMS,
  renderItemLine,
  renderSummaryText,
  SECTION_HEADINGS,
  type SummaryItem,
  type SummarySection,
} from './structured-summary.ts';

export const REINFORCEMENT_POINT = 1;
export const MAX_REINFORCEMENTS = 3;
export const AGE_PENALTY = 0.5;
export const MAX_AGE_PENALISED = 8;
export const PENDING_BONUS = 100;

/** How much an item is worth keeping now (see the module comment). */
export function priorityOf(item: SummaryItem): number {
  return (
    (item.pending ? PENDING_BONUS : 0) +
    item.weight +
    REINFORCEMENT_POINT * Math.min(item.mentions, MAX_REINFORCEMENTS) -
    AGE_PENALTY * Math.min(item.age, MAX_AGE_PENALISED)
  );
}

/** Lowest priority first; ties: the oldest source first, then by key (deterministic). */
export function byEvictionOrder(a: SummaryItem, b: SummaryItem): number {
  return (
    priorityOf(a) - priorityOf(b) || a.seq - b.seq || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
  );
}

/** Words kept on each side of a value when an item is compacted. */
const COMPACT_CONTEXT_WORDS = 3;

/**
 * The item's text reduced to its values and the few words around each ("… out of Boston on
 * June 12 … back on June 22."), or null when that would not be shorter or it has no value.
 */
export function compactText(text: string): string | null {
  const values = findValues(text);
  if (values.length === 0) return null;
  const words = [...text.matchAll(/\S+/g)].map((m) => ({
    start: m.index,
    end: m.index + m[0].length,
  }));
  const keep = new Set<number>();
  for (const value of values) {
    const end = value.index + value.text.length;
    words.forEach((w, i) => {
      if (w.end > value.index && w.start < end) {
        for (let k = i - COMPACT_CONTEXT_WORDS; k <= i + COMPACT_CONTEXT_WORDS; k++)
          if (k >= 0 && k < words.length) keep.add(k);
      }
    });
  }
  // A leading "User:" / "Assistant:" says who; keep it.
  if (/^(?:User|Assistant):$/.test(text.slice(words[0]?.start ?? 0, words[0]?.end ?? 0)))
    keep.add(0);
  const parts: string[] = [];
  let previous = -1;
  for (let i = 0; i < words.length; i++) {
    if (!keep.has(i)) continue;
    if (previous !== -1 && i !== previous + 1) parts.push('…');
    else if (previous === -1 && i > 0) parts.push('…');
    parts.push(text.slice(words[i]!.start, words[i]!.end));
    previous = i;
  }
  if (previous !== -1 && previous < words.length - 1) parts.push('…');
  const compact = parts.join(' ');
  return compact.length < text.length ? compact : null;
}

export interface FitOutcome {
  items: SummaryItem[];
  /** Items left out to fit. */
  evicted: SummaryItem[];
  /** Items shortened to their values to fit. */
  compacted: number;
}

/**
 * The items that fit in `maxTokens` once rendered ({@link renderSummaryText}), by the rule in the
 * module comment, in print order. Every step is measured with `countTokens`; the rendered
 * result is checked as a whole at the end.
 */
export function fitToCap(
  input: readonly SummaryItem[],
  maxTokens: number,
  countTokens: (text: string) => number,
): FitOutcome {
  const cap = Math.max(0, Math.floor(maxTokens));
  let items = inPrintOrder(input);
  const evicted: SummaryItem[] = [];
  if (items.length > MAX_SUMMARY_ITEMS) {
    const order = [...items].sort(byEvictionOrder);
    const drop = new Set(order.slice(0, items.length - MAX_SUMMARY_ITEMS));
    evicted.push(...drop);
    items = items.filter((item) => !drop.has(item));
  }
  const lineCost = new Map<SummaryItem, number>();
  const costOf = (item: SummaryItem) => {
    let cost = lineCost.get(item);
    if (cost === undefined) {
      cost = countTokens(`${renderItemLine(item)}\n`);
      lineCost.set(item, cost);
    }
    return cost;
  };
  const headingCost = new Map<SummarySection, number>();
  const headingOf = (section: SummarySection) => {
    let cost = headingCost.get(section);
    if (cost === undefined) {
      cost = countTokens(`${SECTION_HEADINGS[section]}\n`);
      headingCost.set(section, cost);
    }
    return cost;
  };
  const estimate = (list: readonly SummaryItem[]) => {
    let total = 0;
    const sections = new Set<SummarySection>();
    for (const item of list) {
      total += costOf(item);
      sections.add(item.section);
    }
    for (const section of sections) total += headingOf(section);
    return total;
  };

  let compacted = 0;
  if (estimate(items) > cap) {
    const order = [...items].sort(byEvictionOrder);
    for (const item of order) {
      if (estimate(items) <= cap) break;
      if (item.compact) continue;
      const shorter = compactText(item.text);
      if (shorter === null) continue;
      const replacement: SummaryItem = { ...item, text: shorter, compact: true };
      items = items.map((other) => (other === item ? replacement : other));
      compacted++;
    }
  }
  const evictionOrder = [...items].sort(byEvictionOrder);
  const evictNext = () => {
    const lowest = evictionOrder.shift()!;
    evicted.push(lowest);
    items = items.filter((item) => item !== lowest);
  };
  while (items.length > 0 && estimate(items) > cap) evictNext();
  // The line-by-line estimate is exact for this rendering (every line ends with a newline), but
  // the whole is what counts: should it be over, the next lowest item goes.
  while (items.length > 0 && countTokens(renderSummaryText(items)) > cap) evictNext();
  return { items, evicted, compacted };
}
