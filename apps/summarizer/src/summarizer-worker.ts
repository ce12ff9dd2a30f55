import { UnrecoverableError, type Job, type Worker } from 'bullmq';
import { ValidationError, issuesFromZod, type Summarizer } from '@threadline/core';
import { produceSummaryEvent } from '@threadline/engine';
import { timeoutFallback, type TimeoutFallback } from '@threadline/llm';
import { silentLogger, type Logger, type ThreadlineMetrics } from '@threadline/observability';
import {
  createRedisConnection,
  EventProducer,
  SUMMARIZE_JOB_RETENTION,
  SUMMARIZE_QUEUE,
  SummarizeJobSchema,
  UnparseableDataTolerantWorker,
  UnparseableJobData,
  type QueueTopology,
  type RedisConnection,
  type RedisConnectionConfig,
} from '@threadline/queue';
import { RedisSessionStore } from '@threadline/store';
import {
  answerFailedSummaryJob,
  isFinalFailure,
  isTheRequestStored,
} from './failed-summary-answer.ts';

export interface SummarizerWorkerOptions {
  redis: RedisConnectionConfig;
  topology: QueueTopology;
  /** @defaultValue the topology's prefix */
  storePrefix?: string;
  /** Makes the summaries: the LLM with the extractive fallback, or the extractive one alone. */
  summarizer: Summarizer;
  /** Summaries made at once by this process (they mostly wait on the LLM). @defaultValue 8 */
  concurrency?: number;
  /** Provider rate limit: at most `max` LLM calls per `durationMs` across the pool (BullMQ limiter). */
  limiter?: { max: number; durationMs: number };
  /** @defaultValue 10000 (LLM calls are long; the lock is renewed while they run) */
  lockDurationMs?: number;
  /** @defaultValue 2000 */
  stalledIntervalMs?: number;
  /**
   * Times a summarize job may be found stalled (the process that held it died, or its event
   * loop was blocked past the lock) and handed to another process; the next time it is failed
   * without being run. Low, so that a job that kills or wedges whoever takes it (a poison
   * segment) takes down at most `maxStalledCount + 1` processes instead of the whole pool; one
   * redelivery is left for the ordinary case of a process killed while it held the job. A job
   * failed this way, like any job failed for good, is answered with {@link failedJobFallback}.
   *
   * @defaultValue 1
   */
  maxStalledCount?: number;
  /**
   * The summary sent when a summarize job fails for good (stalled out, or its last attempt
   * threw), so that the session leaves `summarizing`: cheap and pure, never the code that
   * failed.
   *
   * @defaultValue `timeoutFallback` of `@threadline/llm` (the previous summary, and a line
   *   naming the events missing from it)
   */
  failedJobFallback?: TimeoutFallback;
  logger?: Logger;
  /** Counts summaries by kind and fallback, the seal → answer lag, and the LLM's tokens and cost. */
  metrics?: ThreadlineMetrics;
  onSummarized?: (info: {
    tenant: string;
    sessionId: string;
    segmentIndex: number;
    kind: string;
    ms: number;
  }) => void;
}

export interface SummarizerWorkerHandle {
  readonly worker: Worker;
  /** Pauses the whole pool's fetching for `ms` (a provider's 429 Retry-After). */
  rateLimit(ms: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Consumes the summarize queue: reads the sealed segment and the summary before it from Redis,
 * calls the summarizer, and answers with a `summary_ready` event on the session's own partition
 * queue (ordered with the rest; the machine refuses an answer for a segment not waiting).
 *
 * A job only says which session and segment index to look at: the summary is made for the
 * session's pending segment as stored, so a stale request with other seqs cannot produce a
 * summary of other events than the segment's. A job that can never succeed (data not JSON, or
 * not the schema) fails with `UnrecoverableError` at its first attempt.
 *
 * A job found stalled more than `maxStalledCount` (1) times is failed without being run again,
 * so a poison segment takes down at most two processes; a job that fails for good (that way,
 * or its last attempt threw) is still answered, with the cheap `failedJobFallback`, so that its
 * session leaves `summarizing` (see `failed-summary-answer.ts`).
 */
export async function startSummarizerWorker(
  options: SummarizerWorkerOptions,
): Promise<SummarizerWorkerHandle> {
  const logger = options.logger ?? silentLogger;
  const connection: RedisConnection = createRedisConnection(options.redis);
  const storeConnection: RedisConnection = createRedisConnection(options.redis, {
    maxRetriesPerRequest: 3,
  });
  const store = new RedisSessionStore({
    redis: storeConnection,
    prefix: options.storePrefix ?? options.topology.prefix,
  });
  const producer = new EventProducer(storeConnection, options.topology);

  const maxStalledCount = options.maxStalledCount ?? 1;
  const worker = new UnparseableDataTolerantWorker(
    SUMMARIZE_QUEUE,
    async (job: Job) => {
      if (job.data instanceof UnparseableJobData) {
        const reason = job.data.describe();
        logger.warn({ jobId: job.id, reason }, 'poison summarize job refused');
        throw new UnrecoverableError(`invalid summarize job: ${reason}`);
      }
      const parsed = SummarizeJobSchema.safeParse(job.data);
      if (!parsed.success) {
        const reason = new ValidationError(issuesFromZod(parsed.error, 'data')).message;
        logger.warn({ jobId: job.id, reason }, 'poison summarize job refused');
        throw new UnrecoverableError(`invalid summarize job: ${reason}`);
      }
      const { tenant } = parsed.data;
      const asked = parsed.data.request;
      const key = { tenant, sessionId: asked.sessionId };
      // Skip work nobody waits for: the session is gone, or this summary is no longer asked for.
      // The request stored with the session is the truth, not the job: a job left over from an
      // earlier life of the session (deleted, created again under the same id) would cover other
      // events than the ones asked for now.
      const stored = await store.load(key);
      const request = stored?.session.context.inFlight;
      if (!stored || !request || !isTheRequestStored(asked, request)) {
        logger.info(
          { tenant, sessionId: asked.sessionId, segmentIndex: asked.segmentIndex },
          'summary no longer awaited',
        );
        return { skipped: true };
      }
      const started = Date.now();
      const event = await produceSummaryEvent(store, key, request, options.summarizer, () =>
        new Date().toISOString(),
      );
      // Sent to this life only: if the session is deleted meanwhile (and created again), the
      // answer is dropped instead of landing in the next life.
      await producer.enqueue(tenant, [event], 1, request.life);
      const kind = event.type === 'summary_ready' ? event.summary.kind : 'unknown';
      if (options.metrics && event.type === 'summary_ready') {
        const summary = event.summary;
        options.metrics.recordSummaryLanded({
          kind: summary.kind,
          sealedAt: request.sealedAt,
          fellBack: summary.fallbackReason !== null,
        });
        if (summary.model)
          options.metrics.recordLlmUsage({
            model: summary.model,
            promptTokens: summary.promptTokens,
            completionTokens: summary.completionTokens,
            costNano: summary.costNano,
          });
      }
      options.onSummarized?.({
        tenant,
        sessionId: request.sessionId,
        segmentIndex: request.segmentIndex,
        kind,
        ms: Date.now() - started,
      });
      return { kind };
    },
    {
      connection,
      prefix: options.topology.prefix,
      concurrency: options.concurrency ?? 8,
      ...SUMMARIZE_JOB_RETENTION,
      lockDuration: options.lockDurationMs ?? 10_000,
      stalledInterval: options.stalledIntervalMs ?? 2000,
      maxStalledCount,
      drainDelay: 1,
      ...(options.limiter
        ? { limiter: { max: options.limiter.max, duration: options.limiter.durationMs } }
        : {}),
    },
  );
  // A job failed for good still gets an answer (from the cheap fallback), so that its session
  // leaves `summarizing`; close() waits for answers under way.
  const answering = new Set<Promise<unknown>>();
  worker.on('failed', (job, error) => {
    logger.error({ jobId: job?.id, err: error.message }, 'summarize job failed');
    if (!job || !isFinalFailure(job, error)) return;
    const answer = answerFailedSummaryJob(job, error, {
      store,
      producer,
      fallback: options.failedJobFallback ?? timeoutFallback,
      maxStalledCount,
      logger,
      metrics: options.metrics,
    })
      .catch((e: Error) =>
        logger.error({ jobId: job.id, err: e.message }, 'no fallback summary for a failed job'),
      )
      .finally(() => answering.delete(answer));
    answering.add(answer);
  });
  worker.on('error', (error) => logger.error({ err: error.message }, 'summarizer worker error'));
  await worker.waitUntilReady();
  logger.info({ concurrency: options.concurrency ?? 8 }, 'summarizer consuming');

  return {
    worker,
    async rateLimit(ms: number) {
      await producer.queue(SUMMARIZE_QUEUE).rateLimit(ms);
    },
    async close() {
      await worker.close();
      await Promise.allSettled(answering);
      await producer.close();
      await Promise.allSettled([connection.quit(), storeConnection.quit()]);
    },
  };
}
