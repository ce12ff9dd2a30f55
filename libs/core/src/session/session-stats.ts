import { NANO_PER_USD } from '../pricing/price-table.ts';
import type { SessionStateValue } from './session-machine.ts';
import { segmentIdOf } from './segment.ts';
import type { SessionState, SummaryTotals } from './session-state.ts';

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
}

/** Stats from the state alone: O(number of segments) for the chain ids, no store read. */
export function sessionStats(
  state: SessionState,
  value: SessionStateValue,
  allSegments = false,
): SessionStats {
  const c = allSegments ? state.totals : state.open.counters;
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
  };
}
