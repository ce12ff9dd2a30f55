/**
 * A summary as a model and a person read it: five sections of short items, each item carrying
 * its identity across rolling merges and the seq of the newest event it comes from.
 *
 * ```text
 * Goals and open requests:
 * - Plan 5 days in Lisbon in May for 2,400 EUR.
 * - (pending) Book the 9:39 train to Porto on June 17.
 * Current decisions:
 * - Actually, switch the database to MySQL. (was: Postgres)
 * Facts:
 * - User: We fly out of Boston on June 12 and come back on June 22.
 * Artifacts:
 * - lookup_order: order_id ORD-7F3K9Q
 * Tool outcomes:
 * - search_trains(from=Lisbon, to=Porto) → error: upstream timeout
 * ```
 *
 * The `seq` of an item lets a context show the summary "as of" any point: an item whose source
 * event is shown verbatim in the window is left out of the summary, so nothing is shown twice
 * (see `context/messages-for-llm.ts`). The text is the rendering; the items are the truth.
 */

/** The sections, in the order they are printed. */
export const SUMMARY_SECTIONS = ['goals', 'decisions', 'facts', 'artifacts', 'tools'] as const;
export type SummarySection = (typeof SUMMARY_SECTIONS)[number];

export const SECTION_HEADINGS: Readonly<Record<SummarySection, string>> = {
  goals: 'Goals and open requests:',
  decisions: 'Current decisions:',
  facts: 'Facts:',
  artifacts: 'Artifacts:',
  tools: 'Tool outcomes:',
};

/** Marks the latest request while no assistant reply has followed it. */
export const PENDING_MARK = '(pending)';

/** One line of a summary. */
export interface SummaryItem {
  /**
   * Identity across rolling merges (`fact:…`, `dec:…`, `art:ORD-1`…): a later statement of the
   * same thing reinforces or replaces the item instead of adding a second one. Unique within a
   * summary.
   */
  key: string;
  section: SummarySection;
  /** The line as printed (without the bullet). */
  text: string;
  /**
   * Seq of the newest event that stated or reinforced it; -1 when unknown (an item of an LLM or
   * custom summary without a source), such an item is never left out of a view.
   */
  seq: number;
  /** Importance before ageing and reinforcement (see `summary-eviction.ts`). */
  weight: number;
  /** Times it was stated again after the first. */
  mentions: number;
  /** Rolling merges it survived without being mentioned again. */
  age: number;
  /** The latest request, while no assistant reply has followed it. */
  pending?: boolean;
  /** The exact values it carries (amounts, dates, names, ids), for identity and revisions. */
  values?: string[];
  /**
   * For decisions: the words that name what was decided about ("database", "hotel"); for
   * artifacts: the words of their label ("voucher", "booking url").
   */
  topic?: string[];
  /**
   * For artifacts: short texts of the record it came from ("fado evening"), by which a later
   * turn may refer to it without naming it ("the voucher for the fado evening").
   */
  about?: string[];
  /**
   * What the user said and what was decided cannot be looked up again: such an item does not
   * lose priority with age (see summary-eviction.ts). Artifacts, tool outcomes and what the
   * assistant said can, and do.
   */
  durable?: boolean;
  /** Whether `text` has been shortened to the words around its values to save room. */
  compact?: boolean;
}

/** Largest number of items a summary carries, whatever its token cap (bounds every merge). */
export const MAX_SUMMARY_ITEMS = 400;

/**
 * Items a summary keeps in reserve, at most: the ones the cap left out, most important first.
 * The reserve is never shown to the model; it lets a later turn that names one of them again
 * (its value, or the record it came from) bring it back into the summary.
 */
export const MAX_RESERVE_ITEMS = 150;

/** Longest item text, in characters. */
export const MAX_ITEM_CHARS = 600;

/**
 * The summary as text: each non-empty section, its heading, then one `- ` line per item, items
 * in the order given. Empty summaries render as ''.
 */
export function renderSummaryText(items: readonly SummaryItem[]): string {
  const lines: string[] = [];
  for (const section of SUMMARY_SECTIONS) {
    const inSection = items.filter((item) => item.section === section);
    if (inSection.length === 0) continue;
    lines.push(SECTION_HEADINGS[section]);
    for (const item of inSection) lines.push(renderItemLine(item));
  }
  return lines.join('\n');
}

/** One bullet line, with the pending mark on the latest unanswered request. */
export function renderItemLine(item: SummaryItem): string {
  return `- ${item.pending ? `${PENDING_MARK} ` : ''}${oneLine(item.text)}`;
}

/** Items in print order: by section, then by the seq they come from (unknown first). */
export function inPrintOrder(items: readonly SummaryItem[]): SummaryItem[] {
  const sectionRank = new Map(SUMMARY_SECTIONS.map((s, i) => [s, i]));
  return [...items].sort(
    (a, b) =>
      (sectionRank.get(a.section) ?? 0) - (sectionRank.get(b.section) ?? 0) ||
      a.seq - b.seq ||
      (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
