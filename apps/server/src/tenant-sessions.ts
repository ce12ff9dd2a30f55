import type {
  AcceptedEvent,
  ContextOptions,
  ContextWindow,
  ConversationEntry,
  CreateSession,
  SegmentRecord,
  SessionStats,
} from '@threadline/core';
import {
  openSegmentRecord,
  SessionNotFoundError,
  type ConversationOptions,
  type SessionEngine,
  type SessionReader,
} from '@threadline/engine';
import type { EventProducer } from '@threadline/queue';
import type { SessionKey, SessionStore, StoredSession } from '@threadline/store';
import { ProblemError } from './problem.ts';

/**
 * What the server needs of the distributed runtime. `RedisRuntime` has all of it except the
 * engine (see `sessionBackendOf`); its fixed tenant is not used: the tenant comes from the key.
 */
export interface SessionBackend {
  store: SessionStore;
  reader: SessionReader;
  producer: EventProducer;
  /** Creates sessions (one atomic write to the store). */
  engine: SessionEngine;
  /** Events of one session per job in a batch. */
  eventsPerJob: number;
  now(): string;
  newEventId(): string;
}

/** How `waitFor` polls: starts fast, backs off to `maxMs` so that many waiters stay cheap. */
const WAIT_POLL = { firstMs: 5, maxMs: 50, factor: 1.5 };
/** Events read per round trip by the export. */
const EXPORT_PAGE = 500;

/**
 * One tenant's sessions, and nothing else. A route gets this view from the authenticated key and
 * can only name a session id: every store, reader and queue call below builds its
 * `{ tenant, sessionId }` key from the tenant fixed at construction. The store puts the tenant
 * into every Redis key (`{tenant:sessionId}`), so two tenants' sessions with the same id never
 * share one; the queue jobs carry the tenant, and the worker applies them under it.
 */
export class TenantSessions {
  constructor(
    private readonly backend: SessionBackend,
    readonly tenant: string,
  ) {}

  private key(sessionId: string): SessionKey {
    return { tenant: this.tenant, sessionId };
  }

  /** Creates the session (SessionExistsError when this tenant has one by that id). */
  async create(create: CreateSession & { sessionId: string }): Promise<StoredSession> {
    return this.backend.engine.createSession(
      this.key(create.sessionId),
      create,
      this.backend.now(),
    );
  }

  /** The session as stored, or SessionNotFoundError. */
  async session(sessionId: string): Promise<StoredSession> {
    return this.backend.reader.session(this.key(sessionId));
  }

  /**
   * Enqueues accepted events of one session (all of them `sessionId`'s), in order, after checking
   * that the session exists. One partition queue, one atomic `addBulk`: all or nothing.
   */
  async submit(sessionId: string, events: readonly AcceptedEvent[]): Promise<string[]> {
    for (const [i, event] of events.entries())
      if (event.sessionId !== sessionId)
        throw new Error(`events[${i}] is for session "${event.sessionId}", not "${sessionId}"`);
    await this.session(sessionId);
    await this.backend.producer.enqueue(this.tenant, events, this.backend.eventsPerJob);
    return events.map((e) => e.eventId);
  }

  /**
   * Resolves once the session has applied `eventId` (read-your-writes). Throws a 504 problem
   * after `timeoutMs`, SessionNotFoundError if the session is not there (at the start, or when
   * the time is up), and gives up quietly when `signal` aborts (the client went away). Polls one
   * SMISMEMBER at a time, backing off from 5 to 50 ms.
   */
  async waitFor(
    sessionId: string,
    eventId: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<void> {
    const key = this.key(sessionId);
    const { store } = this.backend;
    const deadline = Date.now() + timeoutMs;
    // Whether the session is there is asked at the start and at the end, not on every poll.
    if (!(await store.load(key))) throw new SessionNotFoundError(key);
    let pause = WAIT_POLL.firstMs;
    for (;;) {
      if ((await store.consumedEventIds(key, [eventId])).has(eventId)) return;
      if (signal?.aborted) return;
      const left = deadline - Date.now();
      if (left <= 0) {
        if (!(await store.load(key))) throw new SessionNotFoundError(key);
        throw new ProblemError(
          'wait-timeout',
          `event "${eventId}" of session "${sessionId}" was not applied within ${timeoutMs} ms: ask again (the event stays queued), raise waitTimeoutMs, or check that session workers run (GET /readyz)`,
          [{ path: 'query.waitFor', rule: `expected an event applied within ${timeoutMs} ms` }],
        );
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
      pause = Math.min(WAIT_POLL.maxMs, pause * WAIT_POLL.factor);
    }
  }

  async messages(sessionId: string, options: ContextOptions): Promise<ContextWindow> {
    return this.backend.reader.messagesForLlm(this.key(sessionId), options);
  }

  async conversation(
    sessionId: string,
    options: ConversationOptions,
  ): Promise<ConversationEntry[]> {
    return this.backend.reader.conversation(this.key(sessionId), options);
  }

  async chain(sessionId: string): Promise<SegmentRecord[]> {
    return this.backend.reader.chain(this.key(sessionId));
  }

  async stats(sessionId: string, options: { allSegments?: boolean }): Promise<SessionStats> {
    return this.backend.reader.stats(this.key(sessionId), options);
  }

  /** Erases every key of the session (state, events, eventIds, segments, summaries). */
  async delete(sessionId: string): Promise<boolean> {
    return this.backend.store.deleteSession(this.key(sessionId));
  }

  /**
   * The whole session as JSON lines: a `session` line (the stored state), one `event` line per
   * event in order, then one `segment` line per segment of the chain, each with its summary.
   * Loads the session first, so a missing one throws before anything is sent; then pages through
   * the events (memory stays flat whatever the length of the history).
   */
  async export(sessionId: string): Promise<AsyncIterable<string>> {
    const stored = await this.session(sessionId);
    const key = this.key(sessionId);
    const { store } = this.backend;
    const exportedAt = this.backend.now();
    const tenant = this.tenant;
    async function* lines(): AsyncGenerator<string> {
      yield `${JSON.stringify({ kind: 'session', tenant, sessionId, exportedAt, version: stored.version, session: stored.session })}\n`;
      const end = stored.session.context.nextSeq;
      for (let from = 0; from < end; from += EXPORT_PAGE) {
        const page = await store.readEvents(key, from, Math.min(end, from + EXPORT_PAGE));
        yield page.map((event) => `${JSON.stringify({ kind: 'event', ...event })}\n`).join('');
      }
      // The chain as of the exported state: segments sealed after it are left out, and the open
      // segment is the one of that state (the reader's chain would show the newest).
      const open = stored.session.context.open;
      const sealed = (await store.readSealedSegments(key)).filter((s) => s.index < open.index);
      const chain = [...sealed, openSegmentRecord(open)];
      for (const segment of chain) yield `${JSON.stringify({ kind: 'segment', ...segment })}\n`;
    }
    return lines();
  }
}
