import { randomUUID } from 'node:crypto';
import {
  defaultTokenCounter,
  IdSchema,
  parseOrThrow,
  PriceTable,
  type AcceptedEvent,
  type CreateSession,
  type Summarizer,
} from '@threadline/core';
import { SessionEngine, SessionExistsError, SessionReader } from '@threadline/engine';
import {
  createRedisConnection,
  DEFAULT_TOPOLOGY,
  eventQueueNames,
  EventProducer,
  SUMMARIZE_QUEUE,
  type QueueTopology,
  type RedisConnection,
} from '@threadline/queue';
import { RedisSessionStore } from '@threadline/store';
import { WaitTimeoutError, type Runtime, type SummaryListener } from './runtime.ts';

export interface RedisRuntimeOptions {
  /** `redis://…` of the Redis the workers use. */
  url?: string;
  /** Or the startup nodes of a Redis Cluster, `host:port,host:port`. */
  clusterNodes?: string;
  /** Use this connection instead (not closed by `close()`). */
  connection?: RedisConnection;
  /**
   * The tenant every session of this runtime belongs to: an id (letters, digits, `.`, `_`, `-`,
   * at most 128), since it goes into Redis keys and job ids; anything else is a ValidationError.
   *
   * @defaultValue 'default'
   */
  tenant?: string;
  /** Must match the workers'. @defaultValue prefix 'tl', 16 partitions */
  topology?: Partial<QueueTopology>;
  /** Events of one session per job when several are submitted at once. @defaultValue 8 */
  eventsPerJob?: number;
  /**
   * The longest pause between two checks of `waitFor`, in ms; the pauses start at 1 ms and grow
   * by 1 ms up to it. @defaultValue 10
   */
  waitPollMs?: number;
  clock?: () => Date;
  newEventId?: () => string;
}

/**
 * A client of the distributed runtime: writes become jobs on the session's partition queue,
 * reads come from the Redis store, and session workers and summarizers (other processes, or
 * `threadline start`) do the applying. Creating a session is one atomic write to the store.
 */
export class RedisRuntime implements Runtime {
  readonly kind = 'redis' as const;
  readonly tenant: string;
  readonly topology: QueueTopology;
  readonly store: RedisSessionStore;
  readonly reader: SessionReader;
  readonly producer: EventProducer;
  private readonly engine: SessionEngine;
  private readonly connection: RedisConnection;
  private readonly ownsConnection: boolean;
  private readonly eventsPerJob: number;
  private readonly waitPollMs: number;
  private readonly clock: () => Date;
  private readonly makeEventId: () => string;

  constructor(options: RedisRuntimeOptions) {
    // Checked before anything is written: the store would take a tenant with spaces, and the
    // workers would then refuse its jobs.
    this.tenant = parseOrThrow(IdSchema, options.tenant ?? 'default', 'tenant');
    this.topology = { ...DEFAULT_TOPOLOGY, ...options.topology };
    this.ownsConnection = !options.connection;
    this.connection =
      options.connection ??
      createRedisConnection(
        { url: options.url, clusterNodes: options.clusterNodes },
        { maxRetriesPerRequest: 3 },
      );
    this.store = new RedisSessionStore({ redis: this.connection, prefix: this.topology.prefix });
    this.reader = new SessionReader(this.store);
    this.producer = new EventProducer(this.connection, this.topology);
    this.engine = new SessionEngine({
      store: this.store,
      meter: { tokens: defaultTokenCounter, prices: new PriceTable() },
    });
    this.eventsPerJob = options.eventsPerJob ?? 8;
    this.waitPollMs = options.waitPollMs ?? 10;
    this.clock = options.clock ?? (() => new Date());
    this.makeEventId = options.newEventId ?? (() => randomUUID());
  }

  now(): string {
    return this.clock().toISOString();
  }

  newEventId(): string {
    return this.makeEventId();
  }

  async openSession(create: CreateSession & { sessionId: string }) {
    const key = { tenant: this.tenant, sessionId: create.sessionId };
    const stored = await this.store.load(key);
    if (stored) return { created: false, session: stored.session };
    try {
      const made = await this.engine.createSession(key, create, this.now());
      return { created: true, session: made.session };
    } catch (error) {
      if (!(error instanceof SessionExistsError)) throw error;
      return { created: false, session: (await this.reader.session(key)).session };
    }
  }

  async submit(_sessionId: string, events: AcceptedEvent[]): Promise<string[]> {
    await this.producer.enqueue(this.tenant, events, this.eventsPerJob);
    return events.map((e) => e.eventId);
  }

  async waitFor(sessionId: string, eventId: string, timeoutMs = 5000): Promise<void> {
    const key = { tenant: this.tenant, sessionId };
    const deadline = Date.now() + timeoutMs;
    // The pause between checks grows by 1 ms from 1 ms up to waitPollMs: an event applied a few
    // milliseconds after it was sent (the usual case) is seen within a millisecond or two of
    // it, and a long wait still costs one check per waitPollMs.
    for (let pause = 1; ; pause = Math.min(pause + 1, this.waitPollMs)) {
      if ((await this.store.consumedEventIds(key, [eventId])).has(eventId)) return;
      if (Date.now() >= deadline) throw new WaitTimeoutError(sessionId, eventId, timeoutMs);
      await new Promise((r) => setTimeout(r, pause));
    }
  }

  setSessionSummarizer(_sessionId: string, _summarizer: Summarizer | null): void {
    throw new Error(
      'setSummaryCallback: with the Redis runtime, summaries are made by the summarizer workers; configure their LLM (THREADLINE_LLM_*) instead',
    );
  }

  onSummary(_listener: SummaryListener): () => void {
    throw new Error(
      'onSummary: not available with the Redis runtime; read the chain (getChain) instead',
    );
  }

  /** Resolves once every event and summary queue is empty (nothing waiting, delayed or active). */
  async idle(timeoutMs = 60_000): Promise<void> {
    const names = [...eventQueueNames(this.topology), SUMMARIZE_QUEUE];
    const deadline = Date.now() + timeoutMs;
    let quietRounds = 0;
    while (quietRounds < 2) {
      const counts = await Promise.all(
        names.map((n) =>
          this.producer
            .queue(n)
            .getJobCountByTypes('waiting', 'active', 'delayed', 'prioritized', 'waiting-children'),
        ),
      );
      quietRounds = counts.every((c) => c === 0) ? quietRounds + 1 : 0;
      if (Date.now() > deadline) throw new Error(`queues still busy after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async close(): Promise<void> {
    await this.producer.close();
    if (this.ownsConnection) await this.connection.quit().catch(() => undefined);
  }
}

export function redisRuntime(options: RedisRuntimeOptions): RedisRuntime {
  return new RedisRuntime(options);
}
