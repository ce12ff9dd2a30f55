import { nextSeqOf } from './session-state.ts';
import type { SessionConfig } from '../schemas/session-config.ts';
import type { PersistedSession } from './decide.ts';
import type { SegmentCounters } from './segment.ts';
import type { SessionStateValue } from './session-machine.ts';
import type { SummaryTotals } from './session-state.ts';

/**
 * What a session is, read from its state alone (no events, no segments: O(1)): its config,
 * metadata, parent, times, the machine's state and its counts.
 */
export interface SessionInfo {
  sessionId: string;
  config: SessionConfig;
  metadata: Record<string, unknown>;
  parentId: string | null;
  /** The end user the conversation is about, if its create named one. */
  subjectId: string | null;
  createdAt: string;
  updatedAt: string;
  /** `active`, or `summarizing` while a summary is being made. */
  state: SessionStateValue;
  /** Whether a system prompt is set (the prompt itself: `getSystemPrompt()`, the context). */
  hasSystemPrompt: boolean;
  counts: {
    /** Events applied so far (the next event's seq). */
    events: number;
    /** Segments of the chain, the open one included. */
    segments: number;
    /** Sealed segments no landed summary covers yet. */
    pendingSegments: number;
    /** Whether a summary is being made. */
    summaryInFlight: boolean;
    /** Counters of every segment: turns, messages, tool calls, tokens, cost (nano-USD). */
    totals: SegmentCounters;
    /** Summaries made, by kind, and what making them cost. */
    summaries: SummaryTotals;
  };
}

export function sessionInfo(session: PersistedSession): SessionInfo {
  const state = session.context;
  return {
    sessionId: state.sessionId,
    config: { ...state.config },
    metadata: state.metadata,
    parentId: state.parentId,
    subjectId: state.subjectId,
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
    state: session.value,
    hasSystemPrompt: state.systemPrompt !== null,
    counts: {
      events: nextSeqOf(state),
      segments: state.open.index + 1,
      pendingSegments: state.pending.length,
      summaryInFlight: state.inFlight !== null,
      totals: { ...state.totals },
      summaries: { ...state.summaries },
    },
  };
}
