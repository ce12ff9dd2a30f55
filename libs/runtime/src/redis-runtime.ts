import { randomUUID } from 'node:crypto';
import { defaultTokenCounter, IdSchema, parseOrThrow, PriceTable } from '@threadline/core';
import { SessionEngine, SessionReader } from '@threadline/engine';
import {
  createRedisConnection,
  DEFAULT_TOPOLOGY,
  eventQueueName,
  eventQueueNames,
  EventProducer,
  partitionOf,
  removeSessionJobs,
  SUMMARIZE_QUEUE,
  type QueueTopology,
  type RedisConnection,
} from '@threadline/queue';
import { RedisSessionStore } from '@threadline/store';
import { RuntimeBase } from './runtime-base.ts';
import type { SessionHost } from './tenant-gateway.ts';

export interface RedisRuntimeOptions {
  /** `redis://…` of the Redis the workers use. */
  url?: string;
  /** Or the startup nodes of a Redis Cluster, `host:port,host:port`. */
  clusterNodes?: string;
  /** Use this connection instead (not closed by `close()`). */
  connection?: RedisConnection;
  /**
   * The default tenant: an id (letters, digits, `.`, `_`, `-`, at most 128), since it goes into
   * Redis keys and job ids; anything else is a ValidationError. `forTenant` gives the others.
   *
   * @defaultValue 'default'
   */
  tenant?: string;
  /** Must match the workers'. @defaultValue prefix 'tl', 16 partitions */
  topology?: Partial<QueueTopology>;
  /** Events of one session per job when several are submitted at once. @defaultValue 8 */
  eventsPerJob?: number;
  /**
   * The longest pause between two checks of `waitFor`, in ms (the pauses start at 1 ms and
   * grow 1.5× each time). @defaultValue 10
   */
  waitPollMs?: number;
  /**
   * Prices of what this client's engine measures itself (a session's creation); the session
   * workers price events with their own table, so give them the same one.
   * @defaultValue the built-in table
   */
  prices?: PriceTable;
  clock?: () => Date;
  newEventId?: () => string;
}

/**
 * A client of the distributed runtime: writes become jobs on the session's partition queue,
 * reads come from the Redis store, and session workers and summarizers (other processes, or
 * `threadline start`) do the applying. Creating a session is one atomic write to the store.
 * Summaries are made by the summarizer workers: there are no summary hooks here.
 */
export class RedisRuntime extends RuntimeBase {
  readonly kind = 'redis' as const;
  readonly summaryHooks = null;
  readonly topology: QueueTopology;
  readonly store: RedisSessionStore;
  readonly reader: SessionReader;
  readonly producer: EventProducer;
  readonly eventsPerJob: number;
  readonly #connection: RedisConnection;
  readonly #ownsConnection: boolean;

  constructor(options: RedisRuntimeOptions) {
    // Checked before anything is written: the store would take a tenant with spaces, and the
    // workers would then refuse its jobs.
    const tenant = parseOrThrow(IdSchema, options.tenant ?? 'default', 'tenant');
    const topology = { ...DEFAULT_TOPOLOGY, ...options.topology };
    const connection =
      options.connection ??
      createRedisConnection(
        { url: options.url, clusterNodes: options.clusterNodes },
        { maxRetriesPerRequest: 3 },
      );
    const store = new RedisSessionStore({ redis: connection, prefix: topology.prefix });
    const reader = new SessionReader(store);
    const producer = new EventProducer(connection, topology);
    const engine = new SessionEngine({
      store,
      meter: { tokens: defaultTokenCounter, prices: options.prices ?? new PriceTable() },
    });
    const eventsPerJob = options.eventsPerJob ?? 8;
    const clock = options.clock ?? (() => new Date());
    const host: SessionHost = {
      store,
      reader,
      engine,
      waitPollMaxMs: options.waitPollMs ?? 10,
      appliesInProcess: false,
      now: () => clock().toISOString(),
      newEventId: options.newEventId ?? (() => randomUUID()),
      settled: () => Promise.resolve(),
      eraseQueued: async (tenant, sessionIds) => {
        await eraseSessionJobs(producer, topology, tenant, sessionIds);
      },
      deliver: async (key, events, life) => {
        await producer.enqueue(key.tenant, [...events], eventsPerJob, life);
      },
    };
    super(host, tenant);
    this.topology = topology;
    this.store = store;
    this.reader = reader;
    this.producer = producer;
    this.eventsPerJob = eventsPerJob;
    this.#connection = connection;
    this.#ownsConnection = !options.connection;
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
    if (this.#ownsConnection) await this.#connection.quit().catch(() => undefined);
  }
}

/**
 * Removes the jobs of some sessions of a tenant from their partition queues and the summarize
 * queue (libs/queue `removeSessionJobs`): one pass per partition they fall in.
 */
async function eraseSessionJobs(
  producer: EventProducer,
  topology: QueueTopology,
  tenant: string,
  sessionIds: readonly string[],
): Promise<void> {
  const byPartition = new Map<number, Set<string>>();
  for (const sessionId of sessionIds) {
    const partition = partitionOf(tenant, sessionId, topology.partitions);
    byPartition.set(partition, (byPartition.get(partition) ?? new Set()).add(sessionId));
  }
  await Promise.all([
    ...[...byPartition].map(([partition, ids]) =>
      removeSessionJobs(producer.queue(eventQueueName(partition)), tenant, ids),
    ),
    removeSessionJobs(producer.queue(SUMMARIZE_QUEUE), tenant, new Set(sessionIds)),
  ]);
}

export function redisRuntime(options: RedisRuntimeOptions): RedisRuntime {
  return new RedisRuntime(options);
}
