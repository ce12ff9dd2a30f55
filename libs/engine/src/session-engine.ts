import {
  DEFAULT_SESSION_CONFIG,
  modelsToMeasure,
  patchSession,
  planBatch,
  SessionNotFoundError,
  sessionFromCreate,
  summaryInFlight,
  type AcceptedEvent,
  type CreateSession,
  type Meter,
  type PersistedSession,
  type SessionEffect,
  type SessionPatch,
  type SummaryRequest,
} from '@threadline/core';
import { randomBytes } from 'node:crypto';
import type { SessionKey, SessionStore, StoredSession } from '@threadline/store';
import { CommitContentionError, SessionExistsError } from './engine-errors.ts';

export interface SessionEngineOptions {
  store: SessionStore;
  meter: Meter;
  /**
   * Commits lost to a concurrent writer before giving up. Only a stale writer (whose job
   * lock expired) or an embedded misuse races; each retry reloads and skips what is applied.
   *
   * @defaultValue 5
   */
  maxCommitAttempts?: number;
}

export interface ApplyOutcome {
  /** EventIds applied by this call, in order. */
  applied: string[];
  /** EventIds skipped because the session had already consumed them. */
  skipped: string[];
  /**
   * EventIds dropped, the whole batch, nothing applied or recorded: because the session was
   * deleted or expired (its tombstone is there), or because the batch was sent to a life of the
   * session that has ended (`ApplyOptions.life`). Deliberate: a deleted session's late events
   * (still queued when it was deleted, or a summary in flight) must not bring it back, nor land
   * in the session created again under its id. `[]` otherwise.
   */
  dropped: string[];
  /** What the host must do now (summary requests, rejections), in order. */
  effects: SessionEffect[];
  /** The session after this call; for a dropped batch, the defaults it would have started from. */
  session: PersistedSession;
  /** The stored version after this call; 0 for a dropped batch (no session). */
  version: number;
  /** The summary being made now, derived from the stored state: ask for it (idempotently). */
  inFlight: SummaryRequest | null;
}

export interface ApplyOptions {
  /**
   * The life of the session the events were sent to (core's `SessionState.life`), when the
   * sender knew it: if the session now has another life, or none, the batch is dropped.
   */
  life?: string;
}

/**
 * A fresh life token for a session being created: 48 random bits, as 12 hex digits (an id, so
 * it can go into job ids and eventIds).
 */
export function newLife(): string {
  return randomBytes(6).toString('hex');
}

/**
 * Applies events to one session: load → plan (core's pure `planBatch`: dedupe, measure, the
 * machine's `transition`, the commit plan) → one atomic commit → effects back to the host.
 * Exactly-once in effect: consumed eventIds are skipped, and the commit only lands if nobody
 * wrote since the load.
 */
export class SessionEngine {
  readonly store: SessionStore;
  readonly meter: Meter;
  private readonly maxCommitAttempts: number;

  constructor(options: SessionEngineOptions) {
    this.store = options.store;
    this.meter = options.meter;
    this.maxCommitAttempts = options.maxCommitAttempts ?? 5;
  }

  /**
   * Loads the tokenizer of the default model ahead of the first batch. Every batch loads what it
   * counts with anyway; a process that takes jobs calls this before consuming, so that its first
   * jobs do not wait for the load (about a second) with the events queued behind them.
   */
  warmUp(): Promise<void> {
    return this.meter.tokens.prepare([DEFAULT_SESSION_CONFIG.defaultModel]);
  }

  /**
   * Creates a session, or throws SessionExistsError. `at` is the creation time. An explicit
   * create: it also brings back a session that was deleted (clears its tombstone).
   */
  async createSession(key: SessionKey, create: CreateSession, at: string): Promise<StoredSession> {
    const session = await this.initialSession(key, create, at);
    const result = await this.store.commit(key, {
      expectedVersion: 0,
      create: 'explicit',
      session,
      appendEvents: [],
      eventIds: [],
      sealedSegments: [],
      summaries: [],
    });
    if (!result.ok) throw new SessionExistsError(key);
    return { session, version: result.version };
  }

  /**
   * Changes a session's metadata or retention (core's `patchSession`) in one commit that appends
   * no event, renewing its expiry like any commit; SessionNotFoundError if it does not exist. A
   * commit that loses to a concurrent writer reloads and applies the patch again.
   */
  async updateSession(key: SessionKey, patch: SessionPatch, at: string): Promise<StoredSession> {
    for (let attempt = 1; attempt <= this.maxCommitAttempts; attempt++) {
      const stored = await this.store.load(key);
      if (!stored) throw new SessionNotFoundError(key);
      const session = patchSession(stored.session, patch, at);
      const result = await this.store.commit(key, {
        expectedVersion: stored.version,
        create: 'implicit',
        session,
        appendEvents: [],
        eventIds: [],
        sealedSegments: [],
        summaries: [],
      });
      if (result.ok) return { session, version: result.version };
    }
    throw new CommitContentionError(key, this.maxCommitAttempts);
  }

  /**
   * Applies a batch of one session's events, in order. A session that does not exist yet is
   * created with defaults (an implicit create), unless it was deleted: then the whole batch is
   * dropped (`dropped`), nothing is written, and the caller moves on.
   */
  async applyBatch(
    key: SessionKey,
    events: readonly AcceptedEvent[],
    options: ApplyOptions = {},
  ): Promise<ApplyOutcome> {
    for (let attempt = 1; attempt <= this.maxCommitAttempts; attempt++) {
      // Both reads sent at once (one round trip on a pipelining connection, ioredis writes the
      // second before the first answers). The ids are read after the state, on the same
      // connection: an id committed in between shows as consumed (rightly), and the commit's
      // version check refuses a batch decided on the older state.
      const [stored, consumed] = await Promise.all([
        this.store.load(key),
        this.store.consumedEventIds(
          key,
          events.map((e) => e.eventId),
        ),
      ]);
      const current =
        stored?.session ??
        (await this.initialSession(key, {}, events[0]?.occurredAt ?? new Date(0).toISOString()));
      const version = stored?.version ?? 0;
      // Sent to a life that has ended (the session was deleted or expired, and maybe created
      // again): nothing of it may land in what is there now.
      if (options.life !== undefined && options.life !== stored?.session.context.life)
        return dropAll(events, current);
      await this.meter.tokens.prepare(modelsToMeasure(events, current.context.config));
      const plan = planBatch(current, events, consumed, this.meter);
      if (!plan.commit)
        return {
          applied: [],
          skipped: plan.skipped,
          dropped: [],
          effects: [],
          session: current,
          version,
          inFlight: summaryInFlight(current),
        };
      const result = await this.store.commit(key, {
        expectedVersion: version,
        create: 'implicit',
        ...plan.commit,
      });
      if (result.ok)
        return {
          applied: plan.fresh.map((e) => e.eventId),
          skipped: plan.skipped,
          dropped: [],
          effects: plan.effects,
          session: plan.next,
          version: result.version,
          inFlight: summaryInFlight(plan.next),
        };
      // Refused at the commit itself (no check-then-act race with a delete): the session was
      // deleted and this batch would have created it again. Drop the whole batch, deliberately.
      if (result.reason === 'deleted') return dropAll(events, current);
    }
    throw new CommitContentionError(key, this.maxCommitAttempts);
  }

  private async initialSession(
    key: SessionKey,
    create: CreateSession,
    at: string,
  ): Promise<PersistedSession> {
    await this.meter.tokens.prepare([create.defaultModel ?? DEFAULT_SESSION_CONFIG.defaultModel]);
    return sessionFromCreate(key.sessionId, create, at, this.meter, newLife());
  }
}

/** The outcome of a batch dropped whole: nothing applied, recorded or asked for. */
function dropAll(events: readonly AcceptedEvent[], current: PersistedSession): ApplyOutcome {
  return {
    applied: [],
    skipped: [],
    dropped: events.map((e) => e.eventId),
    effects: [],
    session: current,
    version: 0,
    inFlight: null,
  };
}
