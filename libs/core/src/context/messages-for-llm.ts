import type { EventRecord } from '../session/event-record.ts';
import type { SessionState } from '../session/session-state.ts';
import { REPLY_PRIMING_TOKENS } from '../tokens/token-counter.ts';
import { renderEvent, renderSummaryMessage, type ChatMessage } from './render-messages.ts';

export interface ContextOptions {
  /** Put the system prompt first. @defaultValue true */
  includeSystem?: boolean;
  /** Token budget for the whole context; turns are dropped from the oldest side to fit. */
  budget?: number | null;
}

/** How the context spent its tokens. */
export interface BudgetReport {
  budget: number | null;
  /** Everything below, plus the reply priming of the chat format. */
  used: number;
  system: number;
  summary: number;
  turns: number;
  replyPriming: number;
  /** Events shown verbatim, and events left out to fit the budget. */
  includedEvents: number;
  droppedEvents: number;
  /** Of the events shown, how many belong to sealed segments whose summary is still being made. */
  pendingSummaryEvents: number;
  /** Events before this seq are represented by the summary. */
  summaryCoversToSeq: number;
  /** True when the system prompt and summary alone exceed the budget. */
  overBudget: boolean;
}

export interface ContextWindow {
  messages: ChatMessage[];
  report: BudgetReport;
}

/** The seq range of events not covered by a landed summary: what the context shows verbatim. */
export function uncoveredRange(state: SessionState): { fromSeq: number; toSeq: number } {
  return { fromSeq: state.latestSummary?.coversToSeq ?? 0, toSeq: state.nextSeq };
}

/**
 * Assembles what to send to the model next: system prompt, the latest summary (covering
 * everything before it), then every event not covered by it, oldest first. Turns whose summary
 * is still being made stay verbatim, so nothing is ever missing. With a budget, whole events are
 * dropped from the oldest side (a tool call never loses its result).
 *
 * `newestFirst` holds the uncovered events from the newest back; it may stop early (once the
 * budget is spent) so that the cost of a read does not grow with the history. `complete` says
 * whether it reaches back to the start of the uncovered range.
 */
export function assembleContext(
  state: SessionState,
  newestFirst: readonly EventRecord[],
  options: ContextOptions = {},
): ContextWindow {
  const includeSystem = options.includeSystem ?? true;
  const budget = options.budget ?? null;
  const head: ChatMessage[] = [];
  let system = 0;
  let summary = 0;
  if (includeSystem && state.systemPrompt) {
    head.push({ role: 'system', content: state.systemPrompt });
    system = state.systemPromptTokens;
  }
  if (state.latestSummary) {
    head.push(renderSummaryMessage(state.latestSummary.text));
    summary = state.latestSummary.contextTokens;
  }
  const { fromSeq, toSeq } = uncoveredRange(state);
  const uncovered = toSeq - fromSeq;
  const firstOpenSeq = state.open.fromSeq;
  const fixed = system + summary + REPLY_PRIMING_TOKENS;
  let room = budget === null ? Infinity : budget - fixed;

  const kept: EventRecord[] = [];
  let turns = 0;
  for (const record of newestFirst) {
    if (record.seq < fromSeq) break;
    if (record.contextTokens > room) break;
    room -= record.contextTokens;
    turns += record.contextTokens;
    kept.push(record);
  }
  kept.reverse();
  const messages = [...head, ...kept.flatMap(renderEvent)];
  return {
    messages,
    report: {
      budget,
      used: fixed + turns,
      system,
      summary,
      turns,
      replyPriming: REPLY_PRIMING_TOKENS,
      includedEvents: kept.length,
      droppedEvents: uncovered - kept.length,
      pendingSummaryEvents: kept.filter((r) => r.seq < firstOpenSeq).length,
      summaryCoversToSeq: fromSeq,
      overBudget: budget !== null && fixed > budget,
    },
  };
}
