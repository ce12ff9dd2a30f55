import type { SessionConfig } from '../schemas/session-config.ts';
import type { SummaryKind } from '../schemas/event.ts';
import type { SummaryItem } from '../summary/structured-summary.ts';
import type { RecordedEventType } from './event-record.ts';
import { emptyCounters, segmentIdOf, type SegmentCounters } from './segment.ts';

/**
 * Version of the persisted session's shape. 1: before structured summaries (one summary request
 * per segment, seals before any turn); 2: exchange-boundary seals, catch-up requests, summaries
 * with items. `upgradeSession` reads every older version.
 */
export const SESSION_SCHEMA_VERSION = 3;

/** The segment that takes new events. */
export interface OpenSegment {
  index: number;
  id: string;
  parentId: string | null;
  fromSeq: number;
  openedAt: string;
  counters: SegmentCounters;
  /**
   * Type of the newest event in the segment (null while empty): the hard ceiling never seals
   * between a tool result and the assistant message that follows it.
   */
  lastEventType: RecordedEventType | null;
}

/** A sealed segment that no landed summary covers yet. */
export interface SealedSegmentRef {
  index: number;
  id: string;
  fromSeq: number;
  /** One past its last event. */
  toSeq: number;
  sealedAt: string;
}

/**
 * The summary being made: it covers every sealed segment from the last landed summary up to
 * `segmentIndex` (several at once when segments were sealed faster than summaries landed: a
 * catch-up), at most {@link MAX_SEGMENTS_PER_SUMMARY}. Its identity is `segmentIndex`.
 */
export interface SummaryRequest {
  sessionId: string;
  /**
   * The life of the session it was asked in ({@link SessionState.life}): its job id and its
   * answer's eventId carry it, so that a session deleted and created again under the same id
   * never collapses onto, or receives, the summary of its earlier life.
   */
  life: string;
  /** The newest segment it covers; the summary is attached to it. */
  segmentIndex: number;
  segmentId: string;
  /** The oldest segment it covers. */
  firstSegmentIndex: number;
  /** Events `fromSeq <= seq < toSeq` are summarized (with the previous summary rolled in). */
  fromSeq: number;
  toSeq: number;
  /** The rolling input: the landed summary before these segments, if any. */
  previousSummarySegmentIndex: number | null;
  /**
   * The session's `defaultModel` and `summaryMaxTokens` when it was asked for. A copy on
   * purpose, not derivable state: the request is a job's whole input (a summarizer reads no
   * session state), and a config change made while the summary is being made must not change
   * what was asked (the stale-result check compares what was asked with what came back).
   */
  model: string;
  maxTokens: number;
  /** Time of the event that sealed its newest segment. */
  sealedAt: string;
}

/** Segments one summary covers at most: a catch-up after a long burst is made in steps. */
export const MAX_SEGMENTS_PER_SUMMARY = 8;

/** The summary the context shows for everything before `coversToSeq`. */
export interface LatestSummary {
  segmentIndex: number;
  segmentId: string;
  text: string;
  kind: SummaryKind;
  /** Tokens of the whole summary as a context message. */
  contextTokens: number;
  coversToSeq: number;
  /** Its items: the context shows the ones whose source is not already in its window. */
  items: SummaryItem[];
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
 * sealed segments live in the store): its size is O(1) in the number of events (the latest
 * summary is bounded by its token cap).
 */
export interface SessionState {
  schemaVersion: typeof SESSION_SCHEMA_VERSION;
  sessionId: string;
  /**
   * Which life of the session id this is: a random token drawn when the session is created
   * (explicitly or by its first event). A session deleted (or expired) and created again under
   * the same id is a new life; queue job ids, summary requests and their answers carry it, so
   * nothing of an earlier life lands in a later one. `'0'` for sessions stored before lives.
   */
  life: string;
  config: SessionConfig;
  systemPrompt: string | null;
  systemPromptTokens: number;
  metadata: Record<string, unknown>;
  parentId: string | null;
  /**
   * The end user the conversation is about (an id of the platform's), if it named one: erasing
   * a subject erases every session of it.
   */
  subjectId: string | null;
  createdAt: string;
  updatedAt: string;
  open: OpenSegment;
  /** Sealed segments no landed summary covers yet, oldest first. */
  pending: SealedSegmentRef[];
  /** The summary being made (covering the first pending segments), or null. */
  inFlight: SummaryRequest | null;
  latestSummary: LatestSummary | null;
  /** All segments, the open one included. */
  totals: SegmentCounters;
  summaries: SummaryTotals;
}

export interface NewSessionInit {
  sessionId: string;
  life: string;
  config: SessionConfig;
  systemPrompt: string | null;
  systemPromptTokens: number;
  metadata: Record<string, unknown>;
  parentId: string | null;
  /** @defaultValue null */
  subjectId?: string | null;
  createdAt: string;
}

export const emptySummaryTotals = (): SummaryTotals => ({
  made: 0,
  llm: 0,
  extractive: 0,
  custom: 0,
  rejected: 0,
  promptTokens: 0,
  completionTokens: 0,
  costNano: 0,
});

/**
 * The one rule for system prompts: a blank one (absent, empty or only whitespace) means none.
 * Everything that takes a prompt (create, update, reopen) goes through here.
 */
export function promptOrNull(prompt: string | null | undefined): string | null {
  return prompt && prompt.trim() ? prompt : null;
}

export function newSessionState(init: NewSessionInit): SessionState {
  const prompt = promptOrNull(init.systemPrompt);
  return {
    schemaVersion: SESSION_SCHEMA_VERSION,
    sessionId: init.sessionId,
    life: init.life,
    config: init.config,
    systemPrompt: prompt,
    systemPromptTokens: prompt ? init.systemPromptTokens : 0,
    metadata: init.metadata,
    parentId: init.parentId,
    subjectId: init.subjectId ?? null,
    createdAt: init.createdAt,
    updatedAt: init.createdAt,
    open: {
      index: 0,
      id: segmentIdOf(init.sessionId, 0),
      parentId: null,
      fromSeq: 0,
      openedAt: init.createdAt,
      counters: emptyCounters(),
      lastEventType: null,
    },
    pending: [],
    inFlight: null,
    latestSummary: null,
    totals: emptyCounters(),
    summaries: emptySummaryTotals(),
  };
}

/**
 * Seq the next event gets: the number of events applied (every applied event is counted in
 * `totals.events` and given the next seq), so it is derived, not stored.
 */
export function nextSeqOf(state: Pick<SessionState, 'totals'>): number {
  return state.totals.events;
}
