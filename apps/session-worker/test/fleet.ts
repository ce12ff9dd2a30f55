import { createExtractiveSummarizer, defaultTokenCounter, type Summarizer } from '@threadline/core';
import { RedisRuntime } from '@threadline/sdk';
import { startSummarizerWorker, type SummarizerWorkerHandle } from '@threadline/summarizer';
import { startSessionWorker, type SessionWorkerHandle } from '../src/session-worker.ts';
import type { QueueTopology } from '@threadline/queue';

export interface InProcessFleet {
  runtime: RedisRuntime;
  topology: QueueTopology;
  workers: SessionWorkerHandle[];
  summarizers: SummarizerWorkerHandle[];
  close(): Promise<void>;
}

export const extractive = (): Summarizer => createExtractiveSummarizer(defaultTokenCounter);

/** Session workers and summarizers in this process, on the test Redis, under their own prefix. */
export async function startInProcessFleet(options: {
  url?: string;
  /** A Redis Cluster instead: `host:port,host:port`. */
  clusterNodes?: string;
  prefix: string;
  partitions?: number;
  sessionWorkers?: number;
  summarizer?: Summarizer;
  tenant?: string;
}): Promise<InProcessFleet> {
  await defaultTokenCounter.prepare(['gpt-4o-mini']);
  const topology = { prefix: options.prefix, partitions: options.partitions ?? 4 };
  const redis = options.clusterNodes
    ? { clusterNodes: options.clusterNodes }
    : { url: options.url };
  const workers = await Promise.all(
    Array.from({ length: options.sessionWorkers ?? 1 }, () =>
      startSessionWorker({ redis, topology, lockDurationMs: 3000, stalledIntervalMs: 1000 }),
    ),
  );
  const summarizers = [
    await startSummarizerWorker({
      redis,
      topology,
      summarizer: options.summarizer ?? extractive(),
    }),
  ];
  const runtime = new RedisRuntime({ ...redis, topology, tenant: options.tenant ?? 'acme' });
  return {
    runtime,
    topology,
    workers,
    summarizers,
    async close() {
      await runtime.close();
      await Promise.all([...workers, ...summarizers].map((h) => h.close()));
    },
  };
}
