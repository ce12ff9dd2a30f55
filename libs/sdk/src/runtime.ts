import type {
  AcceptedEvent,
  CreateSession,
  PersistedSession,
  Summarizer,
  SummaryRecord,
} from '@threadline/core';
import type { SessionReader } from '@threadline/engine';

/** Called when a summary has been attached to a sealed segment of a session. */
export type SummaryListener = (sessionId: string, summary: SummaryRecord) => void;

/**
 * Where a SessionManager's sessions live and how their events are applied. Embedded: in this
 * process, memory store. Redis: BullMQ partitions and session workers (issue 3). Both give the
 * same result for the same events.
 */
export interface Runtime {
  readonly kind: 'embedded' | 'redis';
  readonly tenant: string;
  readonly reader: SessionReader;
  /** Creates the session unless it exists; the session as stored, and whether it was made now. */
  openSession(
    create: CreateSession & { sessionId: string },
  ): Promise<{ created: boolean; session: PersistedSession }>;
  /** Accepts events of one session, in order; resolves with their eventIds once accepted. */
  submit(sessionId: string, events: AcceptedEvent[]): Promise<string[]>;
  /** Resolves once the event has been applied; rejects with a clear error after `timeoutMs`. */
  waitFor(sessionId: string, eventId: string, timeoutMs?: number): Promise<void>;
  /** A summarizer for this session's segments instead of the runtime's (null restores it). */
  setSessionSummarizer(sessionId: string, summarizer: Summarizer | null): void;
  onSummary(listener: SummaryListener): () => void;
  /** Resolves when nothing is in flight (summaries included). */
  idle(): Promise<void>;
  /** The time now, as events are stamped with it. */
  now(): string;
  newEventId(): string;
  close(): Promise<void>;
}

/** `waitFor` gave up: the event was not applied in time. */
export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
  constructor(
    readonly sessionId: string,
    readonly eventId: string,
    readonly timeoutMs: number,
  ) {
    super(`event "${eventId}" of session "${sessionId}" was not applied within ${timeoutMs} ms`);
  }
}
