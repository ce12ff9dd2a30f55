import { NANO_PER_USD } from '../pricing/price-table.ts';
import type { SessionStateValue } from './session-machine.ts';
import { segmentIdOf } from './segment.ts';
import type { SessionState, SummaryTotals } from './session-state.ts';
import { breakdownOfCounters, type ModelUsage, type UsageBreakdown } from './usage-by-model.ts';

/** A session's figures, as `getStats()` returns them (the predecessor's keys, camelCased). */
export interface SessionStats {
  sessionId: string;
  state: SessionStateValue;
  /** Which figures these are: the open segment's, or the whole chain's. */
  scope: 'current_segment' | 'all_segments';
  sessionSegments: number;
  sessionChain: string[];
  currentSegmentId: string;
  totalMessages: number;
  userMessages: number;
  aiMessages: number;
  toolCalls: number;
  toolErrors: number;
  events: number;
  totalTokens: number;
  promptTokens: number;
  completionTokens: number;
  contextTokens: number;
  /** USD, for display; `costNano` is the exact figure. */
  estimatedCost: number;
  costNano: number;
  createdAt: string;
  lastUpdate: string;
  infiniteContext: boolean;
  tokenThreshold: number;
  maxTurnsPerSegment: number;
  /** Summaries made so far (all kinds), and how many sealed segments wait for one. */
  summaries: SummaryTotals & { pending: number };
  /**
   * Tokens, cost and calls by model, over the same events as the totals (which they add up to);
   * the predecessor's `usage_by_model`. See {@link UsageBreakdown.usageByModel}.
   */
  usageByModel: Record<string, ModelUsage>;
  /**
   * Models whose tokens are counted but not priced: the price table has no entry for them, so
   * their cost is 0 rather than another model's price. Add them to the price file.
   */
  unpricedModels: string[];
}

/**
 * Stats from the state, O(number of segments) for the chain ids. The per-model breakdown is the
 * one the scope's counters keep; counters stored before they kept one need `breakdown`, folded
 * from the scope's events by the reader (`tallyUsage`).
 */
export function sessionStats(
  state: SessionState,
  value: SessionStateValue,
  allSegments = false,
  folded?: UsageBreakdown,
): SessionStats {
  const c = allSegments ? state.totals : state.open.counters;
  const breakdown = folded ?? breakdownOfCounters(c);
  if (!breakdown)
    throw new Error(
      `stats of ${state.sessionId}: its counters keep no usage by model; fold it from the events (tallyUsage) and pass it`,
    );
  const chain = Array.from({ length: state.open.index + 1 }, (_, i) =>
    segmentIdOf(state.sessionId, i),
  );
  return {
    sessionId: state.sessionId,
    state: value,
    scope: allSegments ? 'all_segments' : 'current_segment',
    sessionSegments: chain.length,
    sessionChain: chain,
    currentSegmentId: state.open.id,
    totalMessages: c.turns,
    userMessages: c.userMessages,
    aiMessages: c.assistantMessages,
    toolCalls: c.toolCalls,
    toolErrors: c.toolErrors,
    events: c.events,
    totalTokens: c.promptTokens + c.completionTokens,
    promptTokens: c.promptTokens,
    completionTokens: c.completionTokens,
    contextTokens: c.contextTokens,
    estimatedCost: c.costNano / NANO_PER_USD,
    costNano: c.costNano,
    createdAt: state.createdAt,
    lastUpdate: state.updatedAt,
    infiniteContext: state.config.infiniteContext,
    tokenThreshold: state.config.tokenThreshold,
    maxTurnsPerSegment: state.config.maxTurnsPerSegment,
    summaries: { ...state.summaries, pending: state.pending.length },
    usageByModel: breakdown.usageByModel,
    unpricedModels: breakdown.unpricedModels,
  };
}
