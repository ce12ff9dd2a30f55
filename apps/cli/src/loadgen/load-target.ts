import type { PlannedEvent } from './load-plan.ts';

/**
 * Where a load run sends its events, and how it sees them applied: the HTTP API
 * (`HttpLoadTarget`) or the partition queues directly (`QueueLoadTarget`).
 */
export interface LoadTarget {
  /** For the report: what is driven, where. */
  readonly description: string;
  /** Creates the session (infinite context, so that segments are sealed and summarized under load). */
  createSession(sessionId: string): Promise<void>;
  /** Sends events of one session, in order; resolves once they are accepted (HTTP 202, jobs added). */
  send(sessionId: string, events: PlannedEvent[]): Promise<void>;
  /**
   * Resolves with `performance.now()` at the moment the event was seen applied; rejects once
   * `deadline` (a `performance.now()` value) has passed.
   */
  applied(sessionId: string, eventId: string, deadline: number): Promise<number>;
  close(): Promise<void>;
}

/** The target refused or failed a request; `kind` groups errors in the report (`HTTP 429`, `ECONNREFUSED`). */
export class LoadTargetError extends Error {
  override readonly name = 'LoadTargetError';
  constructor(
    readonly kind: string,
    message: string,
  ) {
    super(message);
  }
}
