import { Redis } from 'ioredis';
import { createExtractiveSummarizer, defaultTokenCounter, type Summarizer } from '@threadline/core';
import { eventQueueNames, SUMMARIZE_QUEUE, type QueueTopology } from '@threadline/queue';
import { RedisRuntime } from '@threadline/runtime';
import { startSessionWorker, type SessionWorkerHandle } from '@threadline/session-worker';
import { startSummarizerWorker, type SummarizerWorkerHandle } from '@threadline/summarizer';
import { deleteKeysWithPrefix } from '@threadline/testing';

/** A Redis runtime client, and (unless `workers: false`) a session worker and a summarizer, in this process. */
export interface TestFleet {
  runtime: RedisRuntime;
  topology: QueueTopology;
  workers: SessionWorkerHandle[];
  summarizers: SummarizerWorkerHandle[];
  /** Jobs in every queue of the topology, whatever their state (completed and failed included). */
  countJobs(): Promise<number>;
  /** Closes the runtime and the workers, then deletes every key under the prefix. */
  close(): Promise<void>;
}

const ALL_STATES = [
  'waiting',
  'active',
  'completed',
  'failed',
  'delayed',
  'prioritized',
  'waiting-children',
] as const;

export const extractive = (): Summarizer => createExtractiveSummarizer(defaultTokenCounter);

/** The approach of apps/session-worker/test/fleet.ts: everything on the test Redis, under its own prefix. */
export async function startTestFleet(options: {
  url: string;
  prefix: string;
  partitions?: number;
  /** @defaultValue true */
  workers?: boolean;
}): Promise<TestFleet> {
  await defaultTokenCounter.prepare(['gpt-4o-mini']);
  const topology = { prefix: options.prefix, partitions: options.partitions ?? 4 };
  const redis = { url: options.url };
  const withWorkers = options.workers ?? true;
  const workers = withWorkers
    ? [await startSessionWorker({ redis, topology, lockDurationMs: 3000, stalledIntervalMs: 1000 })]
    : [];
  const summarizers = withWorkers
    ? [await startSummarizerWorker({ redis, topology, summarizer: extractive() })]
    : [];
  // The runtime's own tenant is never used by the server: set it to one no key maps to.
  const runtime = new RedisRuntime({ ...redis, topology, tenant: 'runtime-tenant-unused' });
  const names = [...eventQueueNames(topology), SUMMARIZE_QUEUE];
  return {
    runtime,
    topology,
    workers,
    summarizers,
    async countJobs() {
      const counts = await Promise.all(
        names.map((n) => runtime.producer.queue(n).getJobCountByTypes(...ALL_STATES)),
      );
      return counts.reduce((a, b) => a + b, 0);
    },
    async close() {
      await runtime.close();
      await Promise.all([...workers, ...summarizers].map((h) => h.close()));
      const client = new Redis(options.url);
      await deleteKeysWithPrefix(client, options.prefix);
      await client.quit();
    },
  };
}
