import type { SessionConfig } from '../schemas/session-config.ts';
import type { SummaryKind } from '../schemas/event.ts';
import { emptyCounters, segmentIdOf, type SegmentCounters } from './segment.ts';

/** The segment that takes new events. */
export interface OpenSegment {
  index: number;
  id: string;
  parentId: string | null;
  fromSeq: number;
  openedAt: string;
  counters: SegmentCounters;
}

/** A sealed segment waiting for its summary; only the head of the queue is being made. */
export interface SummaryRequest {
  sessionId: string;
  segmentIndex: number;
  segmentId: string;
  fromSeq: number;
  toSeq: number;
  /** The rolling input: the summary of the segment before, if it has one. */
  previousSummarySegmentIndex: number | null;
  model: string;
  maxTokens: number;
  /** Time of the event that sealed the segment. */
  sealedAt: string;
}

/** The summary the context shows in place of every event before `coversToSeq`. */
export interface LatestSummary {
  segmentIndex: number;
  segmentId: string;
  text: string;
  kind: SummaryKind;
  contextTokens: number;
  coversToSeq: number;
}

export interface SummaryTotals {
  made: number;
  llm: number;
  extractive: number;
  custom: number;
  rejected: number;
  promptTokens: number;
  completionTokens: number;
  costNano: number;
}

/**
 * Everything the machine needs to decide, and nothing that grows with the history (events and
 * sealed segments live in the store): its size is O(1) in the number of events.
 */
export interface SessionState {
  sessionId: string;
  config: SessionConfig;
  systemPrompt: string | null;
  systemPromptTokens: number;
  metadata: Record<string, unknown>;
  parentId: string | null;
  createdAt: string;
  updatedAt: string;
  /** Seq the next event gets; equals the number of events applied. */
  nextSeq: number;
  open: OpenSegment;
  /** Sealed segments waiting for a summary, oldest first. */
  pending: SummaryRequest[];
  latestSummary: LatestSummary | null;
  /** All segments, the open one included. */
  totals: SegmentCounters;
  summaries: SummaryTotals;
}

export interface NewSessionInit {
  sessionId: string;
  config: SessionConfig;
  systemPrompt: string | null;
  systemPromptTokens: number;
  metadata: Record<string, unknown>;
  parentId: string | null;
  createdAt: string;
}

export function newSessionState(init: NewSessionInit): SessionState {
  const prompt = init.systemPrompt && init.systemPrompt.trim() ? init.systemPrompt : null;
  return {
    sessionId: init.sessionId,
    config: init.config,
    systemPrompt: prompt,
    systemPromptTokens: prompt ? init.systemPromptTokens : 0,
    metadata: init.metadata,
    parentId: init.parentId,
    createdAt: init.createdAt,
    updatedAt: init.createdAt,
    nextSeq: 0,
    open: {
      index: 0,
      id: segmentIdOf(init.sessionId, 0),
      parentId: null,
      fromSeq: 0,
      openedAt: init.createdAt,
      counters: emptyCounters(),
    },
    pending: [],
    latestSummary: null,
    totals: emptyCounters(),
    summaries: {
      made: 0,
      llm: 0,
      extractive: 0,
      custom: 0,
      rejected: 0,
      promptTokens: 0,
      completionTokens: 0,
      costNano: 0,
    },
  };
}
