import { afterAll, beforeAll } from 'vitest';
import { Redis } from 'ioredis';
import { createExtractiveSummarizer, defaultTokenCounter } from '@threadline/core';
import { RedisRuntime } from '@threadline/runtime';
import { startSummarizerWorker, type SummarizerWorkerHandle } from '@threadline/summarizer';
import { gatewayContract } from '@threadline/runtime/contract';
import { deleteKeysWithPrefix, uniquePrefix } from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';
import { startSessionWorker, type SessionWorkerHandle } from '../src/index.ts';

/**
 * libs/runtime's gateway contract on the queue-backed runtime, with a session worker and a
 * summarizer (extractive) in this process applying the events and making the summaries (libs/runtime may not depend on the worker, so this half of the
 * contract runs here). The embedded half runs in libs/runtime/test.
 */
const url = testRedisUrl();
const topology = { prefix: uniquePrefix('gateway'), partitions: 4 };
let worker: SessionWorkerHandle;
let summarizer: SummarizerWorkerHandle;
const runtimes: RedisRuntime[] = [];

beforeAll(async () => {
  worker = await startSessionWorker({ redis: { url }, topology });
  summarizer = await startSummarizerWorker({
    redis: { url },
    topology,
    summarizer: createExtractiveSummarizer(defaultTokenCounter),
  });
});
afterAll(async () => {
  await Promise.all(runtimes.map((r) => r.close()));
  await worker?.close();
  await summarizer?.close();
  const redis = new Redis(url);
  await deleteKeysWithPrefix(redis, topology.prefix);
  await redis.quit();
});

gatewayContract('RedisRuntime with a session worker', () => {
  const runtime = new RedisRuntime({ url, topology, tenant: 'contract' });
  runtimes.push(runtime);
  return runtime;
});
