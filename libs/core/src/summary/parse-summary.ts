/**
 * Reads a summary written as text back into items: an LLM's answer to the structured prompt, a
 * custom summarizer's string, or a summary stored before summaries had items.
 *
 * Headings are recognised in several spellings (`## Decisions`, `**Current decisions:**`,
 * `Tool outcomes`, and the older `User asked:` / `Earlier:`); items are bullet or numbered
 * lines, or plain lines under a heading. An item may cite the transcript messages it comes from
 * as `[12]`, `[#12]` or `[12, 40]` at its start or end: its `seq` is the newest cited message
 * inside `citable`, else -1 (unknown, never left out of a view). `(pending)` marks the latest
 * request; `(none)` lines are skipped.
 */
import { fingerprint } from './near-duplicate.ts';
import {
  MAX_ITEM_CHARS,
  MAX_SUMMARY_ITEMS,
  PENDING_MARK,
  SUMMARY_SECTIONS,
  type SummaryItem,
  type SummarySection,
} from './structured-summary.ts';
import { valueWeight, findValues } from './values.ts';

const HEADING_ALIASES: ReadonlyArray<readonly [RegExp, SummarySection]> = [
  [
    /^(?:user'?s? )?goals?(?: (?:and|&) (?:open )?requests?)?$|^(?:open )?requests?$|^user asked$/,
    'goals',
  ],
  [/^(?:current |key )?decisions?(?: made)?$/, 'decisions'],
  [/^(?:key )?facts?(?: with (?:their )?(?:exact )?values)?$|^earlier$/, 'facts'],
  [/^artifacts?(?: and identifiers)?$|^identifiers$/, 'artifacts'],
  [/^tools?(?: (?:outcomes?|results?|calls?))?$/, 'tools'],
];

/** Base weight of a parsed item by section (see summary-eviction.ts for the scale). */
const SECTION_WEIGHT: Readonly<Record<SummarySection, number>> = {
  goals: 6,
  decisions: 8,
  facts: 5,
  artifacts: 5.5,
  tools: 2.5,
};

export interface ParseOptions {
  /** Seqs an item may cite (`[fromSeq, toSeq)`); other citations are ignored. */
  citable?: { fromSeq: number; toSeq: number };
  /**
   * Where lines before the first heading go; null counts them as `unplaced` and drops them.
   *
   * @defaultValue null
   */
  defaultSection?: SummarySection | null;
}

export interface ParsedSummary {
  items: SummaryItem[];
  /** Sections whose heading was found (empty ones included). */
  headings: Set<SummarySection>;
  /** Lines that were neither a heading nor inside a section (with no default section). */
  unplaced: number;
}

const CITATION_AT_START = /^\[#?(\d{1,9}(?:\s*[,;–-]\s*#?\d{1,9})*)\]\s*/;
const CITATION_AT_END = /\s*\[#?(\d{1,9}(?:\s*[,;–-]\s*#?\d{1,9})*)\]\.?$/;
const BULLET = /^(?:[-*•+]|\d{1,3}[.)])\s+/;

export function parseSummaryText(text: string, options: ParseOptions = {}): ParsedSummary {
  const items: SummaryItem[] = [];
  const headings = new Set<SummarySection>();
  const keys = new Set<string>();
  let section: SummarySection | null = null;
  let unplaced = 0;
  for (const rawLine of text.split(/\r?\n/)) {
    if (items.length >= MAX_SUMMARY_ITEMS) break;
    const line = rawLine.trim();
    if (!line) continue;
    const heading = headingOf(line);
    if (heading) {
      section = heading.section;
      headings.add(section);
      if (!heading.rest) continue;
    }
    const body = heading ? heading.rest : line;
    const target = section ?? options.defaultSection ?? null;
    if (!target) {
      unplaced++;
      continue;
    }
    const item = itemOf(body.replace(BULLET, ''), target, options.citable);
    if (!item) continue;
    let key = item.key;
    for (let n = 2; keys.has(key); n++) key = `${item.key}#${n}`;
    keys.add(key);
    items.push({ ...item, key });
  }
  return { items, headings, unplaced };
}

function headingOf(line: string): { section: SummarySection; rest: string } | null {
  const stripped = line
    .replace(/^#{1,6}\s*/, '')
    .replace(/^\*\*(.+?)\*\*/, '$1')
    .replace(/^__(.+?)__/, '$1');
  const colon = stripped.indexOf(':');
  const head = (colon === -1 ? stripped : stripped.slice(0, colon)).trim().toLowerCase();
  if (head.length > 40 || BULLET.test(line)) return null;
  for (const [pattern, section] of HEADING_ALIASES) {
    if (pattern.test(head.replace(/[*_]+/g, '').trim()))
      return { section, rest: colon === -1 ? '' : stripped.slice(colon + 1).trim() };
  }
  return null;
}

function itemOf(
  raw: string,
  section: SummarySection,
  citable: ParseOptions['citable'],
): SummaryItem | null {
  let text = raw.trim();
  const seqs: number[] = [];
  for (const pattern of [CITATION_AT_START, CITATION_AT_END]) {
    const match = pattern.exec(text);
    if (!match) continue;
    for (const n of match[1]!.split(/[^\d]+/)) if (n) seqs.push(Number(n));
    text = text.replace(pattern, '').trim();
  }
  let pending = false;
  if (text.toLowerCase().startsWith(PENDING_MARK)) {
    pending = true;
    text = text.slice(PENDING_MARK.length).trim();
  }
  if (!text || /^\(?none\)?\.?$/i.test(text) || /^[-–—.]+$/.test(text)) return null;
  text = text.slice(0, MAX_ITEM_CHARS);
  const valid = seqs.filter((s) => !citable || (s >= citable.fromSeq && s < citable.toSeq));
  const values = findValues(text);
  const words = [...fingerprint(text).words].sort().slice(0, 12).join(' ');
  return {
    key: `${section}:${words || text.toLowerCase().slice(0, 60)}`,
    section,
    text,
    seq: valid.length > 0 ? Math.max(...valid) : -1,
    weight: SECTION_WEIGHT[section] + valueWeight(values) / 2,
    mentions: 0,
    age: 0,
    ...(pending ? { pending: true } : {}),
    values: values.map((v) => v.text),
  };
}

/** Every section heading was found (empty sections included): the structure was followed. */
export function hasEverySection(parsed: ParsedSummary): boolean {
  return SUMMARY_SECTIONS.every((section) => parsed.headings.has(section));
}
