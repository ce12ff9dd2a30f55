// FROZEN COPY of libs/core/src/summary/extractive-summarizer.ts at commit 1ad38c6 (before the context-quality
// issue), kept for measurement only: the v1 baseline of `npm run eval`. Never edit it.

/**
 * The extractive summarizer: the default summary of a sealed segment, and the fallback when
 * the LLM fails. Deterministic, offline, pure.
 *
 * It quotes the conversation rather than paraphrasing it. Each sentence is classified and
 * scored (see `salience.ts`), near-identical sentences are merged, tool calls are listed
 * with their outcome, and the previous summary is folded in at the top. When everything
 * does not fit in `maxTokens`, the highest-scoring lines are kept, and shown in the order
 * they were said:
 *
 * ```text
 * Earlier:
 * - User asked: Can you find flights from Boston to Lisbon on June 12?
 * User asked:
 * - What is the cheapest way to get from Lisbon to Porto?
 * Decisions:
 * - User: Let's book the 9:39 Alfa Pendular on June 16.
 * Facts:
 * - Assistant: The Alfa Pendular takes 2h49m and costs €31.50 in 2nd class.
 * Tools:
 * - search_trains: Lisbon→Porto 2025-06-16 → error: upstream timeout
 * ```
 *
 * Budget rules: the previous summary gets what it needs if the current segment leaves
 * room; otherwise it is compressed first, but keeps at least {@link EARLIER_SHARE} of the
 * budget, so that its most important lines survive any number of rolls. The output is
 * measured with the injected `countTokens` (headers and newlines included) and never
 * exceeds `maxTokens`; a line too long for what is left is cut with '…'.
 */

import { fingerprint, isNearDuplicate } from './near-duplicate.ts';
import { parsePreviousSummary } from './previous-summary.ts';
import type { SentenceKind } from './salience.ts';
import { assessSentence, stripLeadingFiller, toolCallScore } from './salience.ts';
import { splitIntoSentences } from './sentence-splitter.ts';
import type { CountTokens } from './token-fit.ts';
import { fits, truncateToTokens } from './token-fit.ts';

export interface SummaryTurn {
  role: 'user' | 'assistant' | 'tool';
  /** The message; for a tool, a short rendering of the call and its result. */
  content: string;
  /** Tool name, for role 'tool'. */
  tool?: string;
  /** The tool's error, if the call failed. */
  error?: string | null;
}

export interface ExtractiveSummaryInput {
  /** The sealed segment's turns, oldest first. */
  turns: SummaryTurn[];
  /** Summary of the segments before this one (rolling); kept at the top. */
  previousSummary?: string | null;
  /** Cap on the output, in tokens as measured by `countTokens`. */
  maxTokens: number;
  /** Token counter (the caller uses js-tiktoken with the session model's encoding). */
  countTokens: (text: string) => number;
}

/** Share of the budget the previous summary keeps, at least, when space runs short. */
export const EARLIER_SHARE = 0.5;

/** The summary of a segment with no turns (and no previous summary). */
export const NO_CONVERSATION = '(no conversation in this segment)';

/** The summary of a segment whose turns are all pleasantries ("hi", "thanks!", "ok"). */
export const ONLY_SMALL_TALK = '(only small talk in this segment)';

const HEADERS = {
  earlier: 'Earlier:',
  asked: 'User asked:',
  decisions: 'Decisions:',
  facts: 'Facts:',
  tools: 'Tools:',
} as const;

type Section = keyof typeof HEADERS;

/** Sections in the order they are printed. */
const SECTION_ORDER: readonly Section[] = ['earlier', 'asked', 'decisions', 'facts', 'tools'];

const SECTION_OF_KIND: Record<SentenceKind, Section> = {
  request: 'asked',
  decision: 'decisions',
  fact: 'facts',
};

/** Added to every sentence of the first user message: it usually states the goal. */
const FIRST_USER_MESSAGE_BONUS = 2;

/** Added, in proportion to lateness, to decisions: a later decision supersedes an earlier one. */
const DECISION_RECENCY_BONUS = 1;

/** A question of at most this many words is joined to the sentence before it. */
const SHORT_QUESTION_MAX_WORDS = 5;

/** Caps, in tokens, on a tool call's rendering and its error inside one line. */
const TOOL_CONTENT_MAX_TOKENS = 30;
const TOOL_ERROR_MAX_TOKENS = 24;

/** Bounds, in tokens, of one line: half the budget, within these. */
const LINE_CAP_MIN = 12;
const LINE_CAP_MAX = 60;

/**
 * The best line left out is cut to fill what is left only if the cut keeps at least this
 * many words and this share of the line: a line cut to its first words says nothing.
 */
const MIN_FILL_TOKENS = 6;
const MIN_FILL_WORDS = 6;
const MIN_FILL_SHARE = 0.5;

/** One candidate line of the summary. */
interface Line {
  section: Section;
  /** Position in the conversation (or in the previous summary, for 'earlier'). */
  order: number;
  score: number;
  text: string;
  /** Tokens of the line, with its bullet and newline. */
  cost: number;
}

/**
 * Summarizes a sealed segment of a conversation; see the module comment. Never throws
 * (unless `countTokens` does), whatever the turns contain.
 */
export function extractiveSummary(input: ExtractiveSummaryInput): string {
  const countTokens: CountTokens = input.countTokens;
  const budget = toBudget(input.maxTokens);
  const turns = Array.isArray(input.turns) ? input.turns : [];
  const measure = new Measure(countTokens, lineCap(budget));

  const earlier = parsePreviousSummary(textOf(input.previousSummary)).map((unit) =>
    measure.line('earlier', unit.order, unit.score, unit.text),
  );
  const current = [...conversationLines(turns, measure), ...toolLines(turns, measure)];

  if (earlier.length === 0 && current.length === 0) {
    const saidSomething = turns.some((turn) => textOf(turn?.content).trim() !== '');
    return truncateToTokens(saidSomething ? ONLY_SMALL_TALK : NO_CONVERSATION, budget, countTokens);
  }

  const earlierNeeds = measure.total(earlier);
  const currentNeeds = measure.total(current);
  const earlierBudget =
    earlierNeeds + currentNeeds <= budget
      ? earlierNeeds
      : Math.min(
          budget,
          Math.max(
            Math.min(earlierNeeds, Math.floor(budget * EARLIER_SHARE)),
            budget - currentNeeds,
          ),
        );
  const keptEarlier = selectWithin(earlier, earlierBudget, measure);
  const earlierUsed =
    keptEarlier.length > 0 ? countTokens(render(keptEarlier)) + measure.newline : 0;
  const keptCurrent = selectWithin(current, budget - earlierUsed, measure);

  return enforceBudget(keptEarlier, keptCurrent, budget, countTokens);
}

/** The lines of the user's and the assistant's messages, scored and deduplicated. */
function conversationLines(turns: readonly SummaryTurn[], measure: Measure): Line[] {
  const drafts: Array<{
    kind: SentenceKind;
    order: number;
    score: number;
    text: string;
    body: string;
  }> = [];
  const firstUserTurn = turns.findIndex((turn) => turn?.role === 'user');
  let order = 0;
  turns.forEach((turn, index) => {
    order++;
    if (!turn || (turn.role !== 'user' && turn.role !== 'assistant')) return;
    const speaker = turn.role === 'user' ? 'User' : 'Assistant';
    for (const sentence of withShortQuestionsInContext(splitIntoSentences(textOf(turn.content)))) {
      order++;
      const body = stripLeadingFiller(sentence);
      const salience = assessSentence(body, turn.role);
      if (!salience) continue;
      const bonus = index === firstUserTurn ? FIRST_USER_MESSAGE_BONUS : 0;
      const text = salience.kind === 'request' ? body : `${speaker}: ${body}`;
      drafts.push({ kind: salience.kind, order, score: salience.score + bonus, text, body });
    }
  });
  for (const draft of drafts) {
    if (draft.kind === 'decision') draft.score += (DECISION_RECENCY_BONUS * draft.order) / order;
  }

  const kept: Array<{ draft: (typeof drafts)[number]; print: ReturnType<typeof fingerprint> }> = [];
  for (const draft of drafts) {
    const print = fingerprint(draft.body);
    const twin = kept.findIndex((other) => isNearDuplicate(other.print, print));
    const existing = kept[twin];
    if (!existing) kept.push({ draft, print });
    else if (draft.score > existing.draft.score) kept[twin] = { draft, print };
  }
  return kept.map(({ draft }) =>
    measure.line(SECTION_OF_KIND[draft.kind], draft.order, draft.score, draft.text),
  );
}

/**
 * A short question ("Why does this happen?", "What now?") says little on its own: it is
 * joined to the sentence before it in the same message, which says what it is about.
 */
function withShortQuestionsInContext(sentences: readonly string[]): string[] {
  const joined: string[] = [];
  for (const sentence of sentences) {
    const previous = joined[joined.length - 1];
    const words = sentence.split(/\s+/).length;
    if (
      previous !== undefined &&
      words <= SHORT_QUESTION_MAX_WORDS &&
      /\?[^\p{L}\p{N}]*$/u.test(sentence)
    ) {
      joined[joined.length - 1] = `${previous} ${sentence}`;
    } else {
      joined.push(sentence);
    }
  }
  return joined;
}

/**
 * One line per distinct tool call: name, the call's rendering, and its error if it failed;
 * a call repeated with the same rendering and outcome is counted ("(×3)"), not repeated.
 */
function toolLines(turns: readonly SummaryTurn[], measure: Measure): Line[] {
  const calls = new Map<string, { order: number; score: number; text: string; times: number }>();
  const toolsSeen = new Set<string>();
  turns.forEach((turn, order) => {
    if (!turn || turn.role !== 'tool') return;
    const name = oneLine(textOf(turn.tool)) || 'tool';
    const rendering = measure.cut(oneLine(textOf(turn.content)), TOOL_CONTENT_MAX_TOKENS);
    const error = measure.cut(oneLine(textOf(turn.error)), TOOL_ERROR_MAX_TOKENS);
    const call = !rendering
      ? `${name} called`
      : rendering.startsWith(name)
        ? rendering
        : `${name}: ${rendering}`;
    const text = call + (error ? ` → error: ${error}` : '');
    const same = calls.get(text);
    if (same) {
      same.times++;
      return;
    }
    const score = toolCallScore(error !== '', !toolsSeen.has(name));
    toolsSeen.add(name);
    calls.set(text, { order, score, text, times: 1 });
  });
  return [...calls.values()].map((call) =>
    measure.line(
      'tools',
      call.order,
      call.score,
      call.times > 1 ? `${call.text} (×${call.times})` : call.text,
    ),
  );
}

/**
 * The lines to print within `budget`: highest score first (earlier first on a tie), each
 * whole line taken if it fits; then the best line left out, cut with '…' to fill what is
 * left, if that is worth a line.
 */
function selectWithin(lines: readonly Line[], budget: number, measure: Measure): Line[] {
  const ranked = [...lines].sort(byPriority);
  const chosen: Line[] = [];
  const opened = new Set<Section>();
  let used = 0;
  for (const line of ranked) {
    const cost = line.cost + (opened.has(line.section) ? 0 : measure.header(line.section));
    if (used + cost > budget) continue;
    chosen.push(line);
    opened.add(line.section);
    used += cost;
  }
  const left = budget - used;
  const best = ranked.find((line) => !chosen.includes(line));
  if (best && left >= MIN_FILL_TOKENS) {
    const room =
      left - (opened.has(best.section) ? 0 : measure.header(best.section)) - measure.bullet;
    const cut = truncateToTokens(best.text, room, measure.countTokens);
    const keptWords = wordCount(cut);
    if (keptWords >= MIN_FILL_WORDS && keptWords >= wordCount(best.text) * MIN_FILL_SHARE) {
      chosen.push(measure.line(best.section, best.order, best.score, cut));
    }
  }
  return chosen;
}

/**
 * The rendered summary, measured as a whole: should the line-by-line estimate have been
 * short, the lowest-priority lines of the current segment go first, then those of the
 * previous summary; as a last resort the text is cut.
 */
function enforceBudget(
  earlier: readonly Line[],
  current: readonly Line[],
  budget: number,
  countTokens: CountTokens,
): string {
  const keptEarlier = [...earlier].sort(byPriority);
  const keptCurrent = [...current].sort(byPriority);
  let text = render([...keptEarlier, ...keptCurrent]);
  while (!fits(text, budget, countTokens)) {
    if (keptCurrent.length > 0) keptCurrent.pop();
    else if (keptEarlier.length > 0) keptEarlier.pop();
    else return truncateToTokens(text, budget, countTokens);
    text = render([...keptEarlier, ...keptCurrent]);
  }
  return text;
}

/** Sections in print order, each a header and its lines in the order they were said. */
function render(lines: readonly Line[]): string {
  const out: string[] = [];
  for (const section of SECTION_ORDER) {
    const inSection = lines
      .filter((line) => line.section === section)
      .sort((a, b) => a.order - b.order);
    if (inSection.length === 0) continue;
    out.push(HEADERS[section], ...inSection.map((line) => `- ${line.text}`));
  }
  return out.join('\n');
}

function byPriority(a: Line, b: Line): number {
  return b.score - a.score || a.order - b.order || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0);
}

/** Token costs, counted once per line and header. */
class Measure {
  readonly newline: number;
  readonly bullet: number;
  private readonly headers = new Map<Section, number>();

  constructor(
    readonly countTokens: CountTokens,
    private readonly lineCap: number,
  ) {
    this.newline = Math.max(0, countTokens('\n'));
    this.bullet = Math.max(0, countTokens('- ')) + this.newline;
  }

  /** A line, its text cut to the per-line cap, with its cost. */
  line(section: Section, order: number, score: number, text: string): Line {
    const capped = this.cut(text, this.lineCap) || text;
    return {
      section,
      order,
      score,
      text: capped,
      cost: this.countTokens(`- ${capped}`) + this.newline,
    };
  }

  header(section: Section): number {
    let cost = this.headers.get(section);
    if (cost === undefined) {
      cost = this.countTokens(HEADERS[section]) + this.newline;
      this.headers.set(section, cost);
    }
    return cost;
  }

  /** What printing all of `lines` would cost, headers included. */
  total(lines: readonly Line[]): number {
    const sections = new Set(lines.map((line) => line.section));
    let cost = 0;
    for (const section of sections) cost += this.header(section);
    for (const line of lines) cost += line.cost;
    return cost;
  }

  cut(text: string, maxTokens: number): string {
    return truncateToTokens(text, maxTokens, this.countTokens);
  }
}

function lineCap(budget: number): number {
  return Math.min(LINE_CAP_MAX, Math.max(LINE_CAP_MIN, Math.floor(budget / 2)));
}

function toBudget(maxTokens: number): number {
  if (maxTokens === Number.POSITIVE_INFINITY) return Number.MAX_SAFE_INTEGER;
  return Number.isFinite(maxTokens) ? Math.max(0, Math.floor(maxTokens)) : 0;
}

/** A string from whatever a JavaScript caller passed. */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  return String(value);
}

function wordCount(text: string): number {
  return text.split(/\s+/).filter((word) => word !== '').length;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
