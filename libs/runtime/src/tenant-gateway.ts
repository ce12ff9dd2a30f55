import {
  CreateSessionSchema,
  parseOrThrow,
  PatchSessionSchema,
  SessionExistsError,
  SessionNotFoundError,
  toId,
  WaitTimeoutError,
  type AcceptedEvent,
  type ContextOptions,
  type SessionPatchInput,
  type ConversationPageRequest,
  type SummaryPageRequest,
} from '@threadline/core';
import type { ConversationOptions, SessionEngine, SessionReader } from '@threadline/engine';
import type { SessionKey, SessionStore } from '@threadline/store';
import { exportSessionLines } from './export-session.ts';
import { watchSession, type WatchOptions } from './session-watch.ts';
import type { NewSession, SessionGateway, SubmitOptions, WaitOptions } from './session-gateway.ts';

/**
 * What a runtime provides to its gateways: where sessions are stored and read, the engine that
 * creates them, and how events reach the engine. Everything else is shared (TenantGateway).
 */
export interface SessionHost {
  readonly store: SessionStore;
  readonly reader: SessionReader;
  readonly engine: SessionEngine;
  /**
   * Applies (in process) or enqueues (to the session workers) events of one session, in order.
   * `life`, when the caller knows it, is the life of the session they are sent to: if it has
   * ended by the time they are applied, they are dropped.
   */
  deliver(key: SessionKey, events: readonly AcceptedEvent[], life?: string): Promise<void>;
  /**
   * Removes what waits or was kept in queues for these sessions of a tenant (their jobs carry
   * the conversation's content), once the sessions are deleted. Nothing to do where events are
   * applied in process.
   */
  eraseQueued(tenant: string, sessionIds: readonly string[]): Promise<void>;
  /** Resolves once what this process delivered for the session has been applied (or at once). */
  settled(key: SessionKey): Promise<void>;
  /** The longest pause between two checks of `waitFor`, in ms. */
  readonly waitPollMaxMs: number;
  /**
   * True when `settled` means applied: events are applied in this process, so a session still
   * missing once they are is missing for good. False when events wait in a queue for other
   * processes: the first event of an implicitly created session may be queued behind others.
   */
  readonly appliesInProcess: boolean;
  now(): string;
  newEventId(): string;
}

/** `waitFor` without a timeout of its own waits this long. */
export const DEFAULT_WAIT_TIMEOUT_MS = 5000;

/** The pause between two checks of `waitFor` starts here and grows by this factor. */
const WAIT_POLL = { firstMs: 1, factor: 1.5 };

/** The one implementation of {@link SessionGateway}, over a runtime's {@link SessionHost}. */
export class TenantGateway implements SessionGateway {
  constructor(
    private readonly host: SessionHost,
    readonly tenant: string,
  ) {}

  /** The session's key; a session id that breaks core's id rule is a ValidationError naming it. */
  private key(sessionId: string): SessionKey {
    return { tenant: this.tenant, sessionId: toId(sessionId, 'sessionId') };
  }

  now(): string {
    return this.host.now();
  }

  newEventId(): string {
    return this.host.newEventId();
  }

  create(create: NewSession) {
    const key = this.key(create.sessionId);
    return this.host.engine.createSession(
      key,
      parseOrThrow(CreateSessionSchema, create),
      this.host.now(),
    );
  }

  async open(create: NewSession) {
    const key = this.key(create.sessionId);
    const stored = await this.host.store.load(key);
    if (stored) return { created: false, session: stored.session };
    try {
      const made = await this.create(create);
      return { created: true, session: made.session };
    } catch (error) {
      // Another writer created it meanwhile: it is there, which is what was asked.
      if (!(error instanceof SessionExistsError)) throw error;
      return { created: false, session: (await this.session(create.sessionId)).session };
    }
  }

  session(sessionId: string) {
    return this.host.reader.session(this.key(sessionId));
  }

  update(sessionId: string, patch: SessionPatchInput) {
    return this.host.engine.updateSession(
      this.key(sessionId),
      parseOrThrow(PatchSessionSchema, patch),
      this.host.now(),
    );
  }

  async submit(
    sessionId: string,
    events: readonly AcceptedEvent[],
    options: SubmitOptions = {},
  ): Promise<string[]> {
    const key = this.key(sessionId);
    for (const [i, event] of events.entries()) {
      if (event.sessionId !== sessionId)
        throw new Error(`events[${i}] is for session "${event.sessionId}", not "${sessionId}"`);
      toId(event.eventId, `events[${i}].eventId`);
    }
    // A session that must exist is sent to its current life (known from the check, for free).
    const life = options.mustExist
      ? (await this.session(sessionId)).session.context.life
      : undefined;
    await this.host.deliver(key, events, life);
    return events.map((e) => e.eventId);
  }

  /**
   * Polls the session's consumed ids (one SMISMEMBER a check), pausing 1 ms, then 1.5× longer
   * each time up to the runtime's `waitPollMaxMs`: an event applied a few milliseconds after it
   * was sent (the usual case) is seen within a millisecond or two, and a long wait stays cheap.
   *
   * A session that does not exist is SessionNotFoundError: at once (after the first miss) when
   * the caller says it must exist or where events are applied in this process, else at the
   * timeout (in a queue, a session created by its first event does not exist until a worker
   * applies that event).
   */
  async waitFor(sessionId: string, eventId: string, options: WaitOptions = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
    const key = this.key(sessionId);
    const { store } = this.host;
    const deadline = Date.now() + timeoutMs;
    const failFast = options.mustExist === true || this.host.appliesInProcess;
    let missed = false;
    for (let pause = WAIT_POLL.firstMs; ;) {
      await this.host.settled(key);
      if ((await store.consumedEventIds(key, [eventId])).has(eventId)) return;
      if (options.signal?.aborted) return;
      const left = deadline - Date.now();
      if ((left <= 0 || (!missed && failFast)) && !(await store.load(key)))
        throw new SessionNotFoundError(key);
      missed = true;
      if (left <= 0) throw new WaitTimeoutError(sessionId, eventId, timeoutMs);
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
      pause = Math.min(this.host.waitPollMaxMs, pause * WAIT_POLL.factor);
    }
  }

  messages(sessionId: string, options: ContextOptions) {
    return this.host.reader.messagesForLlm(this.key(sessionId), options);
  }

  conversation(sessionId: string, options: ConversationOptions) {
    return this.host.reader.conversation(this.key(sessionId), options);
  }

  conversationPage(sessionId: string, options: ConversationOptions & ConversationPageRequest) {
    return this.host.reader.conversationPage(this.key(sessionId), options);
  }

  chain(sessionId: string) {
    return this.host.reader.chain(this.key(sessionId));
  }

  summaries(sessionId: string, request: SummaryPageRequest) {
    return this.host.reader.summaries(this.key(sessionId), request);
  }

  stats(sessionId: string, options: { allSegments?: boolean }) {
    return this.host.reader.stats(this.key(sessionId), options);
  }

  async watch(sessionId: string, options: WatchOptions) {
    const from = await this.session(sessionId);
    return watchSession(this.host.store, this.key(sessionId), from, options);
  }

  async export(sessionId: string): Promise<AsyncIterable<string>> {
    const stored = await this.session(sessionId);
    return exportSessionLines(this.host.store, this.key(sessionId), stored, this.host.now());
  }

  /**
   * Erases the session (its tombstone then refuses its late events), then removes its jobs from
   * the queues: nothing of its content stays in Redis.
   */
  async delete(sessionId: string): Promise<boolean> {
    const key = this.key(sessionId);
    const existed = await this.host.store.deleteSession(key);
    await this.host.eraseQueued(key.tenant, [key.sessionId]);
    return existed;
  }

  /**
   * Reads the subject's index and deletes its sessions (each leaves its tombstone and leaves
   * the index), then removes their jobs from the queues in one pass; again while the index still
   * names sessions (one created meanwhile), at most 5 rounds.
   */
  async eraseSubject(subjectId: string): Promise<string[]> {
    const subject = toId(subjectId, 'subjectId');
    const erased: string[] = [];
    for (let round = 0; round < 5; round++) {
      const sessionIds = await this.host.store.sessionsOfSubject(this.tenant, subject);
      if (sessionIds.length === 0) break;
      for (const sessionId of sessionIds)
        if (await this.host.store.deleteSession({ tenant: this.tenant, sessionId }))
          erased.push(sessionId);
      await this.host.eraseQueued(this.tenant, sessionIds);
      // Index entries of sessions that no longer existed (expired, or a create that failed).
      await this.host.store.forgetSubjectSessions(this.tenant, subject, sessionIds);
    }
    return erased.sort();
  }
}
