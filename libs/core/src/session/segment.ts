import type { SummaryKind } from '../schemas/event.ts';
import type { SummaryItem } from '../summary/structured-summary.ts';

/** Running counts of a segment (or of a whole session). Money in integer nano-dollars. */
export interface SegmentCounters {
  /** Every event applied (turns, tool calls, prompt changes). */
  events: number;
  /** User plus assistant messages: what `maxTurnsPerSegment` counts. */
  turns: number;
  userMessages: number;
  assistantMessages: number;
  toolCalls: number;
  toolErrors: number;
  /** Tokens the events occupy in a context window (chat overhead included). */
  contextTokens: number;
  /** Accounting: tokens sent to a model (user messages, tool results, reported prompts). */
  promptTokens: number;
  /** Accounting: tokens a model produced. */
  completionTokens: number;
  costNano: number;
  /**
   * The accounting above by model, first seen first (what is sent to a model counts for the
   * session's model, as it is priced). Absent in counters persisted before it was kept: such a
   * scope's breakdown is folded from its events when stats are read.
   */
  byModel?: ModelCounters[];
}

/** One model's share of a scope's accounting (`getStats().usageByModel[model]`). */
export interface ModelCounters {
  model: string;
  promptTokens: number;
  completionTokens: number;
  costNano: number;
  /** Assistant messages the model wrote (its LLM calls). */
  calls: number;
  /** Set when the price table had no price for it (its tokens counted at no cost). */
  unpriced?: true;
}

export const emptyCounters = (): SegmentCounters => ({
  events: 0,
  turns: 0,
  userMessages: 0,
  assistantMessages: 0,
  toolCalls: 0,
  toolErrors: 0,
  contextTokens: 0,
  promptTokens: 0,
  completionTokens: 0,
  costNano: 0,
  byModel: [],
});

export function addCounters(a: SegmentCounters, b: SegmentCounters): SegmentCounters {
  return {
    events: a.events + b.events,
    turns: a.turns + b.turns,
    userMessages: a.userMessages + b.userMessages,
    assistantMessages: a.assistantMessages + b.assistantMessages,
    toolCalls: a.toolCalls + b.toolCalls,
    toolErrors: a.toolErrors + b.toolErrors,
    contextTokens: a.contextTokens + b.contextTokens,
    promptTokens: a.promptTokens + b.promptTokens,
    completionTokens: a.completionTokens + b.completionTokens,
    costNano: a.costNano + b.costNano,
    ...(a.byModel && b.byModel ? { byModel: addByModel(a.byModel, b.byModel) } : {}),
  };
}

/** `a` with `b` added, model by model (a model new to `a` goes last). */
function addByModel(a: readonly ModelCounters[], b: readonly ModelCounters[]): ModelCounters[] {
  const out = a.map((m) => ({ ...m }));
  for (const add of b) {
    const into = out.find((m) => m.model === add.model);
    if (!into) {
      out.push({ ...add });
      continue;
    }
    into.promptTokens += add.promptTokens;
    into.completionTokens += add.completionTokens;
    into.costNano += add.costNano;
    into.calls += add.calls;
    if (add.unpriced) into.unpriced = true;
  }
  return out;
}

export type SegmentStatus = 'open' | 'sealed' | 'summarized';

/**
 * A summary attached to a sealed segment. Rolling: it covers every segment up to its own. A
 * catch-up summary newly covers several segments (`firstSegmentIndex` to `segmentIndex`) and is
 * attached to the newest of them.
 */
export interface SummaryRecord {
  segmentIndex: number;
  segmentId: string;
  /** The oldest segment this summary newly covers (== segmentIndex unless catching up). */
  firstSegmentIndex: number;
  /** First seq it newly covers (events before it came in through the previous summary). */
  fromSeq: number;
  /** The rendering of `items` (structured-summary.ts). */
  text: string;
  /** The summary's items: what the context shows, item by item. */
  items: SummaryItem[];
  /**
   * Items the cap left out, kept so that a later turn naming one brings it back (never shown;
   * absent in summaries that had none, or made before there was a reserve).
   */
  reserve?: SummaryItem[];
  kind: SummaryKind;
  model: string | null;
  /** Tokens the summary occupies as a context message. */
  contextTokens: number;
  /** What making it cost (the summarizer's own LLM call). */
  promptTokens: number;
  completionTokens: number;
  costNano: number;
  attempts: number;
  fallbackReason: string | null;
  /** Events with `seq < coversToSeq` are covered: the context may show the summary instead. */
  coversToSeq: number;
  createdAt: string;
  /** The eventId of the `summary_ready` event that attached it. */
  eventId: string;
}

/** One link of the session's chain. */
export interface SegmentRecord {
  index: number;
  id: string;
  parentId: string | null;
  status: SegmentStatus;
  /** First event of the segment. */
  fromSeq: number;
  /** One past its last event; null while open. */
  toSeq: number | null;
  openedAt: string;
  sealedAt: string | null;
  counters: SegmentCounters;
  /**
   * Its own summary: on the newest segment a summary covers. A segment covered by a catch-up
   * summary attached to a later segment is `summarized` with `summary` null.
   */
  summary: SummaryRecord | null;
}

/** Segment ids are derived, so every runtime names the same segment the same way. */
export function segmentIdOf(sessionId: string, index: number): string {
  return `${sessionId}.s${index}`;
}
