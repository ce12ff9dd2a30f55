import { randomUUID } from 'node:crypto';
import {
  createExtractiveSummarizer,
  defaultTokenCounter,
  IdSchema,
  parseOrThrow,
  PriceTable,
  withFallback,
  type AcceptedEvent,
  type Meter,
  type Summarizer,
  type SummaryRequest,
} from '@threadline/core';
import {
  produceSummaryEvent,
  SessionEngine,
  SessionReader,
  type ApplyOutcome,
} from '@threadline/engine';
import { MemorySessionStore, keyString, type SessionKey } from '@threadline/store';
import { RuntimeBase } from './runtime-base.ts';
import type { SummaryHooks, SummaryListener } from './session-gateway.ts';
import type { SessionHost } from './tenant-gateway.ts';

export interface EmbeddedRuntimeOptions {
  /** The default tenant (an id: letters, digits, `.`, `_`, `-`). @defaultValue 'default' */
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

/** The longest pause between two checks of `waitFor` in this process, in ms. */
const EMBEDDED_WAIT_POLL_MAX_MS = 5;

/**
 * Everything in this process: a memory store, the engine, and summaries made in the
 * background (a conversation never waits for one). Events of one session are applied one
 * batch at a time, in the order they were submitted.
 */
export class EmbeddedRuntime extends RuntimeBase {
  readonly kind = 'embedded' as const;
  readonly store: MemorySessionStore;
  readonly engine: SessionEngine;
  readonly reader: SessionReader;
  readonly summaryHooks: SummaryHooks;
  readonly #summaries: EmbeddedSummaries;
  readonly #tails: Map<string, Promise<unknown>>;

  constructor(options: EmbeddedRuntimeOptions = {}) {
    const tenant = parseOrThrow(IdSchema, options.tenant ?? 'default', 'tenant');
    const store = new MemorySessionStore();
    const meter: Meter = {
      tokens: defaultTokenCounter,
      prices: options.prices ?? new PriceTable(),
    };
    const engine = new SessionEngine({ store, meter });
    const reader = new SessionReader(store);
    const clock = options.clock ?? (() => new Date());
    const makeEventId = options.newEventId ?? (() => randomUUID());
    const tails = new Map<string, Promise<unknown>>();
    const extractive = options.extractive ?? createExtractiveSummarizer(meter.tokens);
    const now = () => clock().toISOString();
    // Filled in below: the summaries feed their answers back through `deliver`.
    let summaries: EmbeddedSummaries | null = null;
    const host: SessionHost = {
      store,
      reader,
      engine,
      waitPollMaxMs: EMBEDDED_WAIT_POLL_MAX_MS,
      appliesInProcess: true,
      now,
      newEventId: makeEventId,
      // Events are applied in this process: no queue holds them.
      eraseQueued: async () => {},
      settled: async (key) => {
        await tails.get(keyString(key));
      },
      deliver: (key, events, life) =>
        serial(tails, key, async () => {
          const outcome = await engine.applyBatch(
            key,
            [...events],
            life === undefined ? {} : { life },
          );
          summaries!.applied(key, outcome);
        }),
    };
    super(host, tenant);
    this.store = store;
    this.engine = engine;
    this.reader = reader;
    this.#tails = tails;
    summaries = new EmbeddedSummaries(
      store,
      options.summarizer ? withFallback(options.summarizer, extractive) : extractive,
      extractive,
      now,
      (key, event, life) => host.deliver(key, [event], life),
    );
    this.#summaries = summaries;
    this.summaryHooks = summaries;
  }

  async idle(): Promise<void> {
    while (this.#summaries.busy() || this.#tails.size > 0) {
      await Promise.allSettled([...this.#summaries.tasks(), ...this.#tails.values()]);
    }
    this.#summaries.throwFailures();
  }

  async close(): Promise<void> {
    await this.idle();
  }
}

/** Runs `work` after everything queued before it for the same session. */
function serial<T>(
  tails: Map<string, Promise<unknown>>,
  key: SessionKey,
  work: () => Promise<T>,
): Promise<T> {
  const k = keyString(key);
  const run = (tails.get(k) ?? Promise.resolve()).then(work, work);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  tails.set(k, tail);
  void tail.then(() => {
    if (tails.get(k) === tail) tails.delete(k);
  });
  return run;
}

/** Summaries made in the background, per session, and fed back in order. */
class EmbeddedSummaries implements SummaryHooks {
  readonly #inFlight = new Map<string, Promise<void>>();
  readonly #overrides = new Map<string, Summarizer>();
  readonly #listeners = new Set<SummaryListener>();
  readonly #failures: unknown[] = [];

  constructor(
    private readonly store: MemorySessionStore,
    private readonly summarizer: Summarizer,
    private readonly extractive: Summarizer,
    private readonly now: () => string,
    private readonly feedBack: (
      key: SessionKey,
      event: AcceptedEvent,
      life: string,
    ) => Promise<void>,
  ) {}

  setSessionSummarizer(tenant: string, sessionId: string, summarizer: Summarizer | null): void {
    const k = keyString({ tenant, sessionId });
    if (summarizer) this.#overrides.set(k, withFallback(summarizer, this.extractive));
    else this.#overrides.delete(k);
  }

  onSummary(listener: SummaryListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** After a batch: tells the listeners of attached summaries, starts the one asked for. */
  applied(key: SessionKey, outcome: ApplyOutcome): void {
    for (const effect of outcome.effects)
      if (effect.type === 'attachSummary')
        for (const listener of this.#listeners) listener(key.sessionId, effect.params.summary);
    if (outcome.inFlight) this.start(key, outcome.inFlight);
  }

  busy(): boolean {
    return this.#inFlight.size > 0;
  }

  tasks(): Promise<void>[] {
    return [...this.#inFlight.values()];
  }

  throwFailures(): void {
    if (this.#failures.length)
      throw new AggregateError(this.#failures.splice(0), 'background summaries failed');
  }

  /** Makes the summary in the background and feeds the answer back in order; once per segment. */
  private start(key: SessionKey, request: SummaryRequest): void {
    const id = `${keyString(key)}#${request.life}#${request.segmentIndex}`;
    if (this.#inFlight.has(id)) return;
    const summarizer = this.#overrides.get(keyString(key)) ?? this.summarizer;
    const task = (async () => {
      const event = await produceSummaryEvent(this.store, key, request, summarizer, this.now);
      await this.feedBack(key, event, request.life);
    })()
      .catch((error: unknown) => {
        this.#failures.push(error);
      })
      .finally(() => this.#inFlight.delete(id));
    this.#inFlight.set(id, task);
  }
}
