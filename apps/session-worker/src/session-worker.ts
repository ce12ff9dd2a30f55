import { hostname } from 'node:os';
import { Queue, UnrecoverableError, type Job, type Worker, type WorkerOptions } from 'bullmq';
import {
  defaultTokenCounter,
  PriceTable,
  ValidationError,
  issuesFromZod,
  type AcceptedEvent,
} from '@threadline/core';
import { SessionEngine, type ApplyOutcome } from '@threadline/engine';
import { silentLogger, type Logger, type ThreadlineMetrics } from '@threadline/observability';
import {
  createRedisConnection,
  EVENT_JOB_RETENTION,
  eventQueueName,
  EventJobSchema,
  EventProducer,
  UnparseableDataTolerantWorker,
  UnparseableJobData,
  type QueueTopology,
  type RedisConnection,
  type RedisConnectionConfig,
} from '@threadline/queue';
import { RedisSessionStore } from '@threadline/store';
import { DEFAULT_RETRY_POLICY, retryInPlace, type RetryPolicy } from './transient-retry.ts';

export interface SessionWorkerOptions {
  redis: RedisConnectionConfig;
  topology: QueueTopology;
  /** Key prefix of the session store. @defaultValue the topology's prefix */
  storePrefix?: string;
  /** Partitions this process serves. @defaultValue all of them */
  partitions?: number[];
  /**
   * How long a job's lock lasts without renewal: after a SIGKILL, the partition waits at most
   * this plus `stalledIntervalMs` before another worker takes the job. @defaultValue 4000
   */
  lockDurationMs?: number;
  /** How often workers look for stalled jobs. @defaultValue 2000 */
  stalledIntervalMs?: number;
  /**
   * How long finished event jobs (and the content they carry) stay, at most, whatever their
   * producer set. @defaultValue EVENT_JOB_RETENTION (completed: 10 min or 20,000; failed: a
   * week or 100,000)
   */
  retention?: Pick<WorkerOptions, 'removeOnComplete' | 'removeOnFail'>;
  /**
   * Stored by BullMQ on every job this process takes (the job hash's `pb` field, "processed by"
   * in Bull Board), so that who applied a job can be told afterwards. @defaultValue `host:pid`
   */
  workerName?: string;
  prices?: PriceTable;
  retry?: RetryPolicy;
  logger?: Logger;
  /** Counts applied events (with their accept → applied latency) and summary requests. */
  metrics?: ThreadlineMetrics;
  /** Called after each applied job (tests). */
  onApplied?: (info: {
    partition: number;
    tenant: string;
    sessionId: string;
    outcome: ApplyOutcome;
    job: Job;
  }) => void;
}

export interface SessionWorkerHandle {
  readonly workers: Worker[];
  /** Lets in-flight jobs finish, then closes every connection. */
  close(): Promise<void>;
}

/** Times a stalled job is put back before BullMQ fails it; our apply is idempotent, so be generous. */
const MAX_STALLED_COUNT = 1000;

/**
 * Serves the event partitions: one BullMQ Worker per partition, each partition with global
 * concurrency 1 (one job at a time across the fleet, FIFO), so a session's events are applied
 * in the order they were enqueued, whatever the number of processes.
 */
export async function startSessionWorker(
  options: SessionWorkerOptions,
): Promise<SessionWorkerHandle> {
  const logger = options.logger ?? silentLogger;
  const topology = options.topology;
  const connection: RedisConnection = createRedisConnection(options.redis);
  const storeConnection: RedisConnection = createRedisConnection(options.redis, {
    maxRetriesPerRequest: 3,
  });
  const store = new RedisSessionStore({
    redis: storeConnection,
    prefix: options.storePrefix ?? topology.prefix,
  });
  const engine = new SessionEngine({
    store,
    meter: { tokens: defaultTokenCounter, prices: options.prices ?? new PriceTable() },
  });
  // Before consuming: without it the first jobs waited for the tokenizer to load, and the events
  // behind them too (accept → applied p99 36 → 834 ms in bench scenario 2, quick mode).
  await engine.warmUp();
  const producer = new EventProducer(storeConnection, topology);
  const partitions = options.partitions ?? Array.from({ length: topology.partitions }, (_, p) => p);
  const lockDuration = options.lockDurationMs ?? 4000;
  const stalledInterval = options.stalledIntervalMs ?? 2000;
  const workerName = options.workerName ?? `${hostname()}:${process.pid}`;
  const policy = options.retry ?? DEFAULT_RETRY_POLICY;

  const workers: Worker[] = [];
  for (const partition of partitions) {
    const name = eventQueueName(partition);
    const queue = new Queue(name, { connection, prefix: topology.prefix });
    await queue.setGlobalConcurrency(1);
    await queue.close();
    const log = logger.child({ partition });
    // Tolerant of data that is not JSON: a plain Worker would drop such a job in its fetch loop
    // and take it back at every stalled check, blocking the partition behind it for an hour.
    const worker = new UnparseableDataTolerantWorker(
      name,
      async (job: Job) => {
        if (job.data instanceof UnparseableJobData) {
          const reason = job.data.describe();
          log.warn({ jobId: job.id, reason }, 'poison event job refused');
          throw new UnrecoverableError(`invalid event job: ${reason}`);
        }
        const parsed = EventJobSchema.safeParse(job.data);
        if (!parsed.success) {
          const reason = new ValidationError(issuesFromZod(parsed.error, 'data')).message;
          log.warn({ jobId: job.id, reason }, 'poison event job refused');
          throw new UnrecoverableError(`invalid event job: ${reason}`);
        }
        const { tenant, sessionId, life, events } = parsed.data;
        const enqueuedAt = new Date(job.timestamp).toISOString();
        const accepted = events.map(
          (e) => ({ ...e, occurredAt: e.occurredAt ?? enqueuedAt }) as AcceptedEvent,
        );
        const key = { tenant, sessionId };
        const outcome = await retryInPlace(
          () => engine.applyBatch(key, accepted, life === undefined ? {} : { life }),
          {
            policy,
            onRetry: (error, attempt, waitMs) =>
              log.warn(
                { jobId: job.id, attempt, waitMs, err: (error as Error).message },
                'transient failure, retrying in place',
              ),
          },
        );
        // Effects after the commit, idempotent. A redelivered job (everything skipped) asks again
        // for the summary in flight, repairing a crash between commit and effect.
        const asked = outcome.effects.some((e) => e.type === 'requestSummary');
        if (options.metrics) {
          const applied = new Set(outcome.applied);
          options.metrics.recordApplied(accepted.filter((e) => applied.has(e.eventId)));
          if (asked) options.metrics.summariesRequested.inc();
        }
        if (outcome.inFlight && (asked || outcome.skipped.length > 0)) {
          const request = outcome.inFlight;
          await retryInPlace(() => producer.requestSummary(tenant, request), { policy });
        }
        if (outcome.dropped.length > 0) {
          log.warn(
            { jobId: job.id, sessionId, dropped: outcome.dropped.length },
            'events of a deleted or ended session dropped',
          );
          // The session is gone: its content does not stay behind in this finished job either.
          job.opts.removeOnComplete = true;
        }
        for (const effect of outcome.effects)
          if (effect.type === 'summaryRejected')
            log.info({ sessionId, ...effect.params }, 'summary refused');
        options.onApplied?.({ partition, tenant, sessionId, outcome, job });
        return {
          applied: outcome.applied.length,
          skipped: outcome.skipped.length,
          dropped: outcome.dropped.length,
        };
      },
      {
        connection,
        prefix: topology.prefix,
        concurrency: 1,
        ...(options.retention ?? EVENT_JOB_RETENTION),
        lockDuration,
        stalledInterval,
        maxStalledCount: MAX_STALLED_COUNT,
        drainDelay: 1,
        name: workerName,
        autorun: true,
      },
    );
    worker.on('failed', (job, error) =>
      log.error({ jobId: job?.id, err: error.message }, 'event job failed'),
    );
    worker.on('error', (error) => log.error({ err: error.message }, 'worker error'));
    workers.push(worker);
  }
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  logger.info(
    { partitions: partitions.length, lockDuration, stalledInterval },
    'session worker serving partitions',
  );

  return {
    workers,
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await producer.close();
      await store.close();
      await Promise.allSettled([connection.quit(), storeConnection.quit()]);
    },
  };
}
