import {
  createExtractiveSummarizer,
  defaultTokenCounter,
  type PriceTable,
  type Summarizer,
} from '@threadline/core';
import type { Logger, ThreadlineMetrics } from '@threadline/observability';
import type { QueueTopology, RedisConnectionConfig } from '@threadline/queue';
import { RedisRuntime } from '@threadline/runtime';
import { startSessionWorker, type SessionWorkerHandle } from '@threadline/session-worker';
import { startSummarizerWorker, type SummarizerWorkerHandle } from '@threadline/summarizer';

export interface LocalFleet {
  runtime: RedisRuntime;
  /** The summarizer pool of this process (its `rateLimit(ms)` pauses it for a provider's Retry-After). */
  summarizers: SummarizerWorkerHandle;
  /** Closes the runtime client, then lets the workers finish their in-flight jobs. */
  close(): Promise<void>;
}

/**
 * A whole Threadline on one machine: a session worker and a summarizer in this process, and a
 * Redis runtime client, all on the given Redis (what `threadline start` and the distributed
 * demo run).
 */
export async function startLocalFleet(options: {
  redis: RedisConnectionConfig;
  topology: QueueTopology;
  tenant: string;
  logger: Logger;
  /** @defaultValue the extractive summarizer */
  summarizer?: Summarizer;
  /** Summaries made at once. @defaultValue 8 */
  summarizerConcurrency?: number;
  /** At most `max` summaries started per `durationMs` (the provider's rate limit). */
  summarizerLimiter?: { max: number; durationMs: number };
  /** Where the workers count what they do (the server's /metrics, in one process). */
  metrics?: ThreadlineMetrics;
  /** Prices of the session worker and the runtime. @defaultValue the built-in table */
  prices?: PriceTable;
}): Promise<LocalFleet> {
  const summarizer = options.summarizer ?? createExtractiveSummarizer(defaultTokenCounter);
  const worker: SessionWorkerHandle = await startSessionWorker({
    redis: options.redis,
    topology: options.topology,
    logger: options.logger.child({ component: 'session-worker' }),
    metrics: options.metrics,
    prices: options.prices,
  });
  let summarizers: SummarizerWorkerHandle;
  try {
    summarizers = await startSummarizerWorker({
      redis: options.redis,
      topology: options.topology,
      summarizer,
      concurrency: options.summarizerConcurrency,
      limiter: options.summarizerLimiter,
      logger: options.logger.child({ component: 'summarizer' }),
      metrics: options.metrics,
    });
  } catch (error) {
    await worker.close();
    throw error;
  }
  const runtime = new RedisRuntime({
    ...options.redis,
    topology: options.topology,
    tenant: options.tenant,
    prices: options.prices,
  });
  return {
    runtime,
    summarizers,
    async close() {
      await runtime.close();
      await Promise.all([worker.close(), summarizers.close()]);
    },
  };
}
