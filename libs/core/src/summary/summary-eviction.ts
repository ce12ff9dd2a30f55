/**
 * What a summary keeps when its token cap (or a context's budget) forces a choice. Never a cut
 * in the middle of the text: whole items, by one documented rule.
 *
 * **Priority** of an item:
 *
 * ```text
 * priority = weight + 1 × min(mentions, 3) − 0.25 × min(age, 8) (+ 100 for the pending request)
 * ```
 *
 * (no age term for a `durable` item: the user's facts and goals and the decisions)
 *
 * - `weight` is set when the item is made (value points: see `values.ts`, at most 6 counted):
 *   the pending request first; then decisions (8 + half their value points); the
 *   conversation's first request (10) and other goals (7); the user's facts (6 + half their
 *   value points: what the user says cannot be looked up again); artifacts (3.5–6: ids, URLs,
 *   paths and e-mails above names and numbers; +1 for what a call was asked about, +2 for the
 *   record of a list the conversation names, −3 for the other records of a long list, +2 once
 *   a later turn names it or its record); the assistant's confirmations (5 + half their value
 *   points); failed tool calls (4);
 *   the assistant's facts (2 + half their value points); answered requests (3 + a quarter of
 *   their value points); successful tool calls (1.5);
 * - every later statement of the same thing (same values, same artifact) adds one, up to three;
 * - every rolling merge the item survives without being mentioned again takes a quarter point, up
 *   to two, from what can be looked up again (artifacts, tool outcomes, what the assistant said):
 *   what the user said and what was decided does not fade with age.
 *
 * **Fitting to a cap**: first facts, artifacts and tool outcomes are shortened (a fact to the
 * words around its values, an artifact to its value and record, a tool outcome without its
 * arguments), lowest priority first (the values survive); then, if still over, whole items
 * go, lowest priority first (ties: the oldest), taken first from the sections holding more than
 * their share of the cap (unless their lowest item outranks the lowest of all by more than
 * {@link SHARE_MARGIN}) ({@link SECTION_SHARE}: facts 45%, artifacts 35%, decisions 25%, goals 20%,
 * tool outcomes 15%), so that no kind crowds out the others. The result is measured as rendered
 * text; what is left out goes to the summary's reserve. A goal or decision whose turn to go has
 * come is first shortened to the four words around each of its values, if it has any.
 */
import { findValues } from './values.ts';
import {
  inPrintOrder,
  MAX_SUMMARY_ITEMS,
  renderItemLine,
  renderSummaryText,
  SECTION_HEADINGS,
  SUMMARY_SECTIONS,
  type SummaryItem,
  type SummarySection,
} from './structured-summary.ts';

export const REINFORCEMENT_POINT = 1;
export const MAX_REINFORCEMENTS = 3;
export const AGE_PENALTY = 0.25;
export const MAX_AGE_PENALISED = 8;
export const PENDING_BONUS = 100;

/** How much an item is worth keeping now (see the module comment). */
export function priorityOf(item: SummaryItem): number {
  return (
    (item.pending ? PENDING_BONUS : 0) +
    item.weight +
    REINFORCEMENT_POINT * Math.min(item.mentions, MAX_REINFORCEMENTS) -
    (item.durable ? 0 : AGE_PENALTY * Math.min(item.age, MAX_AGE_PENALISED))
  );
}

/** Lowest priority first; ties: the oldest source first, then by key (deterministic). */
export function byEvictionOrder(a: SummaryItem, b: SummaryItem): number {
  return (
    priorityOf(a) - priorityOf(b) || a.seq - b.seq || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
  );
}

/** Words kept on each side of a value when a long sentence is clipped (extractive summarizer). */
const CLIP_CONTEXT_WORDS = 2;

/** Words kept on each side of a value when an item is compacted to fit a cap. */
const COMPACT_CONTEXT_WORDS = 2;

/** The same for goals and decisions, shortened only when facts and artifacts were not enough. */
const LAST_RESORT_CONTEXT_WORDS = 4;

/**
 * `text` reduced to its values and the `contextWords` words on each side of each ("… out of
 * Boston on June 12 … back on June 22."), or null when that would not be shorter or it has no
 * value. A leading "User:" / "Assistant:" is kept when `keepSpeaker`.
 */
export function compactText(
  text: string,
  contextWords = CLIP_CONTEXT_WORDS,
  keepSpeaker = true,
): string | null {
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
        for (let k = i - contextWords; k <= i + contextWords; k++)
          if (k >= 0 && k < words.length) keep.add(k);
      }
    });
  }
  const speaker = /^(?:User|Assistant):$/.test(
    text.slice(words[0]?.start ?? 0, words[0]?.end ?? 0),
  );
  if (speaker) {
    if (keepSpeaker) keep.add(0);
    else keep.delete(0);
  }
  const parts: string[] = [];
  let previous = -1;
  for (let i = 0; i < words.length; i++) {
    if (!keep.has(i)) continue;
    const first = previous === -1 && (!speaker || keepSpeaker ? i > 0 : i > 1);
    if ((previous !== -1 && i !== previous + 1) || (first && keepSpeaker)) parts.push('…');
    parts.push(text.slice(words[i]!.start, words[i]!.end));
    previous = i;
  }
  if (keepSpeaker && previous !== -1 && previous < words.length - 1) parts.push('…');
  const compact = parts.join(' ');
  return compact.length < text.length ? compact : null;
}

/**
 * The shortest form of an item that still carries what it is for, or null when it has none
 * shorter: an artifact as its value and what it belongs to (`/exports/v-1.pdf (fado
 * evening)`); a tool outcome without its arguments; a fact as its values with two words on
 * each side, without the speaker. Goals and decisions are not shortened.
 */
export function compactItem(item: SummaryItem): string | null {
  if (item.section === 'artifacts' && item.values?.[0]) {
    const about = item.about?.[0];
    // "voucher /exports/v-1.pdf (get_booking: fado evening)" → "/exports/v-1.pdf (fado
    // evening)", or without a record, "travellerId trv_1 (get_booking)" → "travellerId trv_1".
    const short = about ? `${item.values[0]} (${about})` : item.text.replace(/ \([^()]*\)$/, '');
    return short.length < item.text.length ? short : null;
  }
  if (item.section === 'tools') {
    const short = item.text.replace(/\(.*\) →/, ' →');
    return short.length < item.text.length ? short : null;
  }
  // Goals and decisions are few, and their words are their meaning: shortened only as a last
  // resort (see fitToCap).
  if (item.section !== 'facts') return null;
  return compactText(item.text, COMPACT_CONTEXT_WORDS, false);
}

/**
 * The share of a cap a section may hold while the others need room: when the summary is over
 * its cap, a section over its share gives up its least important item first. Shares add up to
 * more than one; a section may use what the others leave.
 */
export const SECTION_SHARE: Readonly<Record<SummarySection, number>> = {
  goals: 0.2,
  decisions: 0.25,
  facts: 0.45,
  artifacts: 0.35,
  tools: 0.15,
};

/**
 * How much more an item of a section over its share may matter than the least important item
 * of all and still go first: the share spreads the room among kinds of similar worth; it does
 * not make a decision give way to an artifact of a list.
 */
export const SHARE_MARGIN = 2;

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
      const shorter = compactItem(item);
      if (shorter === null) continue;
      const replacement: SummaryItem = { ...item, text: shorter, compact: true };
      items = items.map((other) => (other === item ? replacement : other));
      compacted++;
    }
  }
  const evictionOrder = [...items].sort(byEvictionOrder);
  const evict = (item: SummaryItem) => {
    evictionOrder.splice(evictionOrder.indexOf(item), 1);
    // A goal or decision about to go is shortened instead, once, if it carries values: a
    // shortened goal is better than a lost one.
    const shorter =
      (item.section === 'goals' || item.section === 'decisions') && !item.compact
        ? compactText(item.text, LAST_RESORT_CONTEXT_WORDS, false)
        : null;
    if (shorter !== null) {
      const replacement: SummaryItem = { ...item, text: shorter, compact: true };
      items = items.map((other) => (other === item ? replacement : other));
      evictionOrder.splice(0, 0, replacement);
      evictionOrder.sort(byEvictionOrder);
      compacted++;
      return;
    }
    evicted.push(item);
    items = items.filter((other) => other !== item);
  };
  const evictNext = () => evict(evictionOrder[0]!);
  // While over the cap: the lowest item of the sections over their share, unless it matters
  // clearly more than the lowest of all ({@link SHARE_MARGIN}); else the lowest of all.
  while (items.length > 0 && estimate(items) > cap) {
    const over = new Set(
      SUMMARY_SECTIONS.filter(
        (section) =>
          estimate(items.filter((item) => item.section === section)) > SECTION_SHARE[section] * cap,
      ),
    );
    const lowest = evictionOrder[0]!;
    const lowestOver = evictionOrder.find((item) => over.has(item.section));
    evict(
      lowestOver && priorityOf(lowestOver) <= priorityOf(lowest) + SHARE_MARGIN
        ? lowestOver
        : lowest,
    );
  }
  // The line-by-line estimate is exact for this rendering (every line ends with a newline), but
  // the whole is what counts: should it be over, the next lowest item goes.
  while (items.length > 0 && countTokens(renderSummaryText(items)) > cap) evictNext();
  return { items, evicted, compacted };
}
