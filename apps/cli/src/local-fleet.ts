import { createExtractiveSummarizer, defaultTokenCounter, type Summarizer } from '@threadline/core';
import type { Logger } from '@threadline/observability';
import type { QueueTopology, RedisConnectionConfig } from '@threadline/queue';
import { RedisRuntime } from '@threadline/sdk';
import { startSessionWorker, type SessionWorkerHandle } from '@threadline/session-worker';
import { startSummarizerWorker, type SummarizerWorkerHandle } from '@threadline/summarizer';

export interface LocalFleet {
  runtime: RedisRuntime;
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
  summarizer?: Summarizer;
}): Promise<LocalFleet> {
  await defaultTokenCounter.prepare(['gpt-4o-mini']);
  const summarizer = options.summarizer ?? createExtractiveSummarizer((t, m) => defaultTokenCounter.countText(t, m));
  const worker: SessionWorkerHandle = await startSessionWorker({
    redis: options.redis,
    topology: options.topology,
    logger: options.logger.child({ component: 'session-worker' }),
  });
  const summarizers: SummarizerWorkerHandle = await startSummarizerWorker({
    redis: options.redis,
    topology: options.topology,
    summarizer,
    logger: options.logger.child({ component: 'summarizer' }),
  });
  const runtime = new RedisRuntime({ ...options.redis, topology: options.topology, tenant: options.tenant });
  return {
    runtime,
    async close() {
      await runtime.close();
      await Promise.all([worker.close(), summarizers.close()]);
    },
  };
}
