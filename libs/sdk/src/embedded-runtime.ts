import { randomUUID } from 'node:crypto';
import {
  createExtractiveSummarizer,
  defaultTokenCounter,
  PriceTable,
  type AcceptedEvent,
  type CreateSession,
  type Meter,
  type Summarizer,
  type SummaryRequest,
  withFallback,
} from '@threadline/core';
import {
  produceSummaryEvent,
  SessionEngine,
  SessionExistsError,
  SessionReader,
} from '@threadline/engine';
import { MemorySessionStore, keyString, type SessionKey } from '@threadline/store';
import { WaitTimeoutError, type Runtime, type SummaryListener } from './runtime.ts';

export interface EmbeddedRuntimeOptions {
  /** @defaultValue 'default' */
  tenant?: string;
  /** Makes the summaries; @defaultValue `extractive` */
  summarizer?: Summarizer;
  /**
   * The extractive summarizer: the default summarizer, and the fallback of `summarizer` and of
   * each session's callback. Pass an `IsolatedSummarizer` (`@threadline/llm`) to make these
   * summaries in worker threads with a hard timeout, off this event loop; you close it.
   *
   * @defaultValue core's extractive summarizer, on this thread
   */
  extractive?: Summarizer;
  /** Prices; @defaultValue the built-in table */
  prices?: PriceTable;
  /** The clock events are stamped with; @defaultValue the system clock */
  clock?: () => Date;
  newEventId?: () => string;
}

/**
 * Everything in this process: a memory store, the engine, and summaries made in the
 * background (a conversation never waits for one). Events of one session are applied one
 * batch at a time, in the order they were submitted.
 */
export class EmbeddedRuntime implements Runtime {
  readonly kind = 'embedded' as const;
  readonly tenant: string;
  readonly store = new MemorySessionStore();
  readonly engine: SessionEngine;
  readonly reader: SessionReader;
  private readonly meter: Meter;
  private readonly summarizer: Summarizer;
  private readonly extractive: Summarizer;
  private readonly clock: () => Date;
  private readonly makeEventId: () => string;
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly overrides = new Map<string, Summarizer>();
  private readonly listeners = new Set<SummaryListener>();
  private readonly failures: unknown[] = [];

  constructor(options: EmbeddedRuntimeOptions = {}) {
    this.tenant = options.tenant ?? 'default';
    this.meter = { tokens: defaultTokenCounter, prices: options.prices ?? new PriceTable() };
    this.engine = new SessionEngine({ store: this.store, meter: this.meter });
    this.reader = new SessionReader(this.store);
    this.clock = options.clock ?? (() => new Date());
    this.makeEventId = options.newEventId ?? (() => randomUUID());
    this.extractive =
      options.extractive ?? createExtractiveSummarizer((t, m) => this.meter.tokens.countText(t, m));
    this.summarizer = options.summarizer
      ? withFallback(options.summarizer, this.extractive)
      : this.extractive;
  }

  now(): string {
    return this.clock().toISOString();
  }

  newEventId(): string {
    return this.makeEventId();
  }

  async openSession(create: CreateSession & { sessionId: string }) {
    const key = this.key(create.sessionId);
    return this.serial(key, async () => {
      const stored = await this.store.load(key);
      if (stored) return { created: false, session: stored.session };
      try {
        const made = await this.engine.createSession(key, create, this.now());
        return { created: true, session: made.session };
      } catch (error) {
        if (!(error instanceof SessionExistsError)) throw error;
        return { created: false, session: (await this.reader.session(key)).session };
      }
    });
  }

  async submit(sessionId: string, events: AcceptedEvent[]): Promise<string[]> {
    const key = this.key(sessionId);
    return this.serial(key, async () => {
      const outcome = await this.engine.applyBatch(key, events);
      for (const effect of outcome.effects) {
        if (effect.type === 'attachSummary')
          for (const listener of this.listeners) listener(sessionId, effect.params.summary);
      }
      if (outcome.inFlight) this.startSummary(key, outcome.inFlight);
      return events.map((e) => e.eventId);
    });
  }

  async waitFor(sessionId: string, eventId: string, timeoutMs = 5000): Promise<void> {
    const key = this.key(sessionId);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await (this.tails.get(keyString(key)) ?? Promise.resolve());
      if ((await this.store.consumedEventIds(key, [eventId])).has(eventId)) return;
      if (Date.now() >= deadline) throw new WaitTimeoutError(sessionId, eventId, timeoutMs);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  setSessionSummarizer(sessionId: string, summarizer: Summarizer | null): void {
    const k = keyString(this.key(sessionId));
    if (summarizer) this.overrides.set(k, withFallback(summarizer, this.extractive));
    else this.overrides.delete(k);
  }

  onSummary(listener: SummaryListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async idle(): Promise<void> {
    while (this.inFlight.size > 0 || this.tails.size > 0) {
      await Promise.allSettled([...this.inFlight.values(), ...this.tails.values()]);
    }
    if (this.failures.length)
      throw new AggregateError(this.failures.splice(0), 'background summaries failed');
  }

  async close(): Promise<void> {
    await this.idle();
  }

  private key(sessionId: string): SessionKey {
    return { tenant: this.tenant, sessionId };
  }

  /** Runs `work` after everything submitted before it for the same session. */
  private serial<T>(key: SessionKey, work: () => Promise<T>): Promise<T> {
    const k = keyString(key);
    const run = (this.tails.get(k) ?? Promise.resolve()).then(work, work);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(k, tail);
    void tail.then(() => {
      if (this.tails.get(k) === tail) this.tails.delete(k);
    });
    return run;
  }

  /** Makes the summary in the background and feeds the answer back in order; once per segment. */
  private startSummary(key: SessionKey, request: SummaryRequest): void {
    const id = `${keyString(key)}#${request.segmentIndex}`;
    if (this.inFlight.has(id)) return;
    const summarizer = this.overrides.get(keyString(key)) ?? this.summarizer;
    const task = (async () => {
      const event = await produceSummaryEvent(this.store, key, request, summarizer, () =>
        this.now(),
      );
      await this.submit(key.sessionId, [event]);
    })()
      .catch((error: unknown) => {
        this.failures.push(error);
      })
      .finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, task);
  }
}
