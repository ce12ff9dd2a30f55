import {
  decide,
  DEFAULT_SESSION_CONFIG,
  modelsToMeasure,
  newSessionState,
  startSession,
  summaryInFlight,
  toMachineEvent,
  type AcceptedEvent,
  type CreateSession,
  type Meter,
  type PersistedSession,
  type SessionEffect,
  type SummaryRequest,
} from '@threadline/core';
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
   * EventIds dropped because the session was deleted (its tombstone is there): the whole batch,
   * nothing applied or recorded. Deliberate: a deleted session's late events (still queued when
   * it was deleted, or a summary in flight) must not bring it back. `[]` otherwise.
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

/**
 * Applies events to one session: load → machine (pure `transition`) → one atomic commit →
 * effects back to the host. Exactly-once in effect: consumed eventIds are skipped, and the
 * commit only lands if nobody wrote since the load.
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
   * Applies a batch of one session's events, in order. A session that does not exist yet is
   * created with defaults (an implicit create), unless it was deleted: then the whole batch is
   * dropped (`dropped`), nothing is written, and the caller moves on.
   */
  async applyBatch(key: SessionKey, events: readonly AcceptedEvent[]): Promise<ApplyOutcome> {
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
      const fresh: AcceptedEvent[] = [];
      const skipped: string[] = [];
      for (const event of events) {
        if (consumed.has(event.eventId)) skipped.push(event.eventId);
        else {
          consumed.add(event.eventId);
          fresh.push(event);
        }
      }
      if (fresh.length === 0)
        return {
          applied: [],
          skipped,
          dropped: [],
          effects: [],
          session: current,
          version,
          inFlight: summaryInFlight(current),
        };

      const config = current.context.config;
      await this.meter.tokens.prepare(modelsToMeasure(fresh, config));
      const decision = decide(
        current,
        fresh.map((e) => toMachineEvent(e, config, this.meter)),
      );
      const persisted: SessionEffect[] = [];
      const after: SessionEffect[] = [];
      for (const effect of decision.effects)
        (effect.type === 'appendEvent' ||
        effect.type === 'sealSegment' ||
        effect.type === 'attachSummary'
          ? persisted
          : after
        ).push(effect);

      const result = await this.store.commit(key, {
        expectedVersion: version,
        create: 'implicit',
        session: decision.next,
        appendEvents: persisted.flatMap((e) => (e.type === 'appendEvent' ? [e.params.record] : [])),
        eventIds: fresh.map((e) => e.eventId),
        sealedSegments: persisted.flatMap((e) =>
          e.type === 'sealSegment' ? [e.params.segment] : [],
        ),
        summaries: persisted.flatMap((e) => (e.type === 'attachSummary' ? [e.params.summary] : [])),
      });
      if (result.ok)
        return {
          applied: fresh.map((e) => e.eventId),
          skipped,
          dropped: [],
          effects: decision.effects,
          session: decision.next,
          version: result.version,
          inFlight: summaryInFlight(decision.next),
        };
      // Refused at the commit itself (no check-then-act race with a delete): the session was
      // deleted and this batch would have created it again. Drop the whole batch, deliberately.
      if (result.reason === 'deleted')
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
    throw new CommitContentionError(key, this.maxCommitAttempts);
  }

  private async initialSession(
    key: SessionKey,
    create: CreateSession,
    at: string,
  ): Promise<PersistedSession> {
    const config = { ...DEFAULT_SESSION_CONFIG };
    if (create.infiniteContext !== undefined) config.infiniteContext = create.infiniteContext;
    if (create.tokenThreshold !== undefined) config.tokenThreshold = create.tokenThreshold;
    if (create.maxTurnsPerSegment !== undefined)
      config.maxTurnsPerSegment = create.maxTurnsPerSegment;
    if (create.defaultModel !== undefined) config.defaultModel = create.defaultModel;
    if (create.summaryMaxTokens !== undefined) config.summaryMaxTokens = create.summaryMaxTokens;
    const metadata = create.metadata ?? {};
    // The explicit prompt beats one kept in metadata (the predecessor's `system_prompt` property).
    const fromMetadata =
      typeof metadata['system_prompt'] === 'string' ? (metadata['system_prompt'] as string) : null;
    const systemPrompt = create.systemPrompt ?? fromMetadata;
    const blank = !systemPrompt || !systemPrompt.trim();
    if (!blank) await this.meter.tokens.prepare([config.defaultModel]);
    return startSession(
      newSessionState({
        sessionId: key.sessionId,
        config,
        systemPrompt: blank ? null : systemPrompt,
        systemPromptTokens: blank
          ? 0
          : this.meter.tokens.countMessage(
              { role: 'system', content: systemPrompt },
              config.defaultModel,
            ),
        metadata,
        parentId: create.parentId ?? null,
        createdAt: at,
      }),
    );
  }
}
