import type {
  CommitPlan,
  EventRecord,
  PersistedSession,
  SegmentRecord,
  SummaryRecord,
} from '@threadline/core';

/** A session is addressed by its tenant and its id; the tenant is part of every key. */
export interface SessionKey {
  tenant: string;
  sessionId: string;
}

export interface StoredSession {
  session: PersistedSession;
  /** Incremented by every commit; 0 means "does not exist". */
  version: number;
}

/** One atomic write: everything a batch of events changed, applied only if nobody else wrote. */
export interface CommitRequest extends CommitPlan {
  /** The version the writer read; 0 to create the session. */
  expectedVersion: number;
  /**
   * How a create (`expectedVersion` 0) treats the tombstone of a deleted session; ignored
   * otherwise.
   * - `'implicit'`: the first event of a session nobody created (the engine's `applyBatch`). A
   *   tombstoned session is refused with `reason: 'deleted'` and nothing is written, so that
   *   events still queued when the session was deleted do not bring it back.
   * - `'explicit'`: a deliberate create (`POST /v1/sessions`, `SessionManager`). It clears the
   *   tombstone and creates the session.
   *
   * @defaultValue 'implicit'
   */
  create?: 'explicit' | 'implicit';
}

export type CommitResult =
  | { ok: true; version: number }
  /** Someone committed since the read (a stale writer): nothing was written. */
  | { ok: false; reason: 'version_conflict'; currentVersion: number }
  /** An eventId of the batch is already recorded: nothing was written. */
  | { ok: false; reason: 'duplicate_event'; currentVersion: number; eventId: string }
  /**
   * An implicit create of a session that was deleted (its tombstone is there): nothing was
   * written. Only an explicit create brings a deleted session back.
   */
  | { ok: false; reason: 'deleted'; currentVersion: 0 };

/**
 * Where sessions live. Implementations: memory (embedded runtime, tests) and Redis
 * (production). They must behave identically; a shared contract test holds them to it.
 */
export interface SessionStore {
  load(key: SessionKey): Promise<StoredSession | null>;
  /** Which of these eventIds the session has already consumed. */
  consumedEventIds(key: SessionKey, eventIds: readonly string[]): Promise<Set<string>>;
  commit(key: SessionKey, request: CommitRequest): Promise<CommitResult>;
  /** Events with `fromSeq <= seq < toSeq`, oldest first. */
  readEvents(key: SessionKey, fromSeq: number, toSeq: number): Promise<EventRecord[]>;
  /** Sealed segments, oldest first, each with its summary once it has one. */
  readSealedSegments(key: SessionKey): Promise<SegmentRecord[]>;
  readSummary(key: SessionKey, segmentIndex: number): Promise<SummaryRecord | null>;
  /**
   * The summaries attached to segments `fromIndex <= index < toIndex`, oldest first (a segment
   * covered by a later catch-up summary has none of its own). O(toIndex - fromIndex).
   */
  readSummaries(key: SessionKey, fromIndex: number, toIndex: number): Promise<SummaryRecord[]>;
  /**
   * Erases every data key of the session and, in the same atomic step, leaves its tombstone
   * (whether or not the session existed: its first events may still be queued), so that a later
   * implicit create is refused with `reason: 'deleted'`. Returns whether the session existed.
   */
  deleteSession(key: SessionKey): Promise<boolean>;
  /**
   * The ids of the tenant's sessions created for a subject (core's `SessionState.subjectId`),
   * deleted and expired ones possibly among them: the index entry is written before the session
   * is created, so a session is never missing from it. Kept as long as the longest-lived of its
   * sessions (renewed by their commits); a delete takes its session out.
   */
  sessionsOfSubject(tenant: string, subjectId: string): Promise<string[]>;
  /** Takes these session ids out of the subject's index (an erasure's last step). */
  forgetSubjectSessions(
    tenant: string,
    subjectId: string,
    sessionIds: readonly string[],
  ): Promise<void>;
  close(): Promise<void>;
}

/** Stable text form of a key, for maps and logs. */
export function keyString(key: SessionKey): string {
  return `${key.tenant}:${key.sessionId}`;
}
