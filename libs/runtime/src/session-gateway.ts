import type {
  AcceptedEvent,
  ContextOptions,
  ContextWindow,
  ConversationEntry,
  ConversationPage,
  ConversationPageRequest,
  CreateSessionInput,
  PersistedSession,
  SegmentRecord,
  SessionPatchInput,
  SessionStats,
  Summarizer,
  SummaryPage,
  SummaryPageRequest,
  SummaryRecord,
} from '@threadline/core';
import type { ConversationOptions } from '@threadline/engine';

export type { ConversationOptions };
import type { StoredSession } from '@threadline/store';
import type { SessionChange, WatchOptions } from './session-watch.ts';

export type { SessionChange, WatchOptions };

/** Options of {@link SessionGateway.waitFor}. */
export interface WaitOptions {
  /** Give up after this long with a WaitTimeoutError. @defaultValue 5000 */
  timeoutMs?: number;
  /** Stop waiting, quietly, when this aborts (an HTTP client went away). */
  signal?: AbortSignal;
  /**
   * The session must exist already (it was not created by a queued event): SessionNotFoundError
   * at the first miss, not at the timeout. The HTTP API's waits are of this kind.
   * @defaultValue false (true in effect on a runtime that applies events in this process)
   */
  mustExist?: boolean;
}

/** Options of {@link SessionGateway.submit}. */
export interface SubmitOptions {
  /**
   * Refuse (SessionNotFoundError, nothing enqueued) when the session does not exist. Without it
   * an event of an unknown session creates it with the default config (implicit create).
   * @defaultValue false
   */
  mustExist?: boolean;
}

/**
 * One tenant's sessions: everything a front door (the SDK, the HTTP server, the CLI) does with
 * them, in one interface. Every call builds its `{ tenant, sessionId }` key from the tenant the
 * gateway was made for, so a caller holding one can only name a session id.
 *
 * Two implementations share every operation (tenant-gateway.ts) and differ only in how events
 * are applied: in this process (`EmbeddedRuntime`) or by session workers behind BullMQ
 * partition queues (`RedisRuntime`).
 */
/**
 * What creating a session takes: its id and options, as a caller holds them; the gateway checks
 * them (core's `CreateSessionSchema`: the id rule for `sessionId` and `parentId`).
 */
export type NewSession = CreateSessionInput & { sessionId: string };

export interface SessionGateway {
  readonly tenant: string;
  /** Creates the session; SessionExistsError when this tenant has one by that id. */
  create(create: NewSession): Promise<StoredSession>;
  /** Creates the session unless it exists; the session as stored, and whether it was made now. */
  open(create: NewSession): Promise<{ created: boolean; session: PersistedSession }>;
  /** The session as stored, or SessionNotFoundError. */
  session(sessionId: string): Promise<StoredSession>;
  /**
   * Changes the session's metadata (merged, `null` removes a key) or retention (core's
   * `PatchSessionSchema`, checked here: a ValidationError naming the field); the session as
   * stored after it, or SessionNotFoundError.
   */
  update(sessionId: string, patch: SessionPatchInput): Promise<StoredSession>;
  /** Accepts events of one session, in order; their eventIds once accepted (not yet applied). */
  submit(
    sessionId: string,
    events: readonly AcceptedEvent[],
    options?: SubmitOptions,
  ): Promise<string[]>;
  /**
   * Resolves once the session has applied `eventId` (read-your-writes); WaitTimeoutError after
   * the timeout, SessionNotFoundError when the session is not there.
   */
  waitFor(sessionId: string, eventId: string, options?: WaitOptions): Promise<void>;
  messages(sessionId: string, options: ContextOptions): Promise<ContextWindow>;
  conversation(sessionId: string, options: ConversationOptions): Promise<ConversationEntry[]>;
  /** A page of the conversation by seq cursor, either direction (bounded: core's conversation-page.ts). */
  conversationPage(
    sessionId: string,
    options: ConversationOptions & ConversationPageRequest,
  ): Promise<ConversationPage>;
  chain(sessionId: string): Promise<SegmentRecord[]>;
  /** A page of the landed summaries, oldest first, by segment-index cursor (at most 100). */
  summaries(sessionId: string, request: SummaryPageRequest): Promise<SummaryPage>;
  stats(sessionId: string, options: { allSegments?: boolean }): Promise<SessionStats>;
  /**
   * What happens to the session from now on (events applied, segments sealed, summaries landed
   * or fallen back), by polling its state (session-watch.ts), until the signal aborts or the
   * session is deleted. SessionNotFoundError at once when there is no session.
   */
  watch(sessionId: string, options: WatchOptions): Promise<AsyncIterable<SessionChange>>;
  /** The whole session as JSON lines (see export-session.ts); SessionNotFoundError first. */
  export(sessionId: string): Promise<AsyncIterable<string>>;
  /** Erases the session and its jobs in the queues; false when there was none. */
  delete(sessionId: string): Promise<boolean>;
  /**
   * Erases every session of a subject (core's `subjectId`) of this tenant, as `delete` does, and
   * the subject's index; the ids of the sessions that existed. A subject with none: `[]`.
   */
  eraseSubject(subjectId: string): Promise<string[]>;
  /** The time now, as events are stamped with it. */
  now(): string;
  newEventId(): string;
}

/** Called when a summary has been attached to a sealed segment of a session. */
export type SummaryListener = (sessionId: string, summary: SummaryRecord) => void;

/**
 * What only a runtime that makes summaries in this process can do. A runtime that cannot has
 * none (`summaryHooks` is null): nothing throws on its own interface.
 */
export interface SummaryHooks {
  /** A summarizer for this session's segments instead of the runtime's (null restores it). */
  setSessionSummarizer(tenant: string, sessionId: string, summarizer: Summarizer | null): void;
  onSummary(listener: SummaryListener): () => void;
}

/**
 * A runtime: where sessions live and how their events are applied, with a gateway per tenant.
 * It is itself the gateway of its default tenant.
 */
export interface Runtime extends SessionGateway {
  readonly kind: 'embedded' | 'redis';
  /** The gateway of another tenant, sharing this runtime's store and queues. */
  forTenant(tenant: string): SessionGateway;
  /** Present when summaries are made in this process (the embedded runtime). */
  readonly summaryHooks: SummaryHooks | null;
  /** Resolves when nothing is in flight (summaries included). */
  idle(): Promise<void>;
  close(): Promise<void>;
}
