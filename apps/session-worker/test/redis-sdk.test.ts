import { afterAll, beforeAll } from 'vitest';
import { Redis } from 'ioredis';
import { createExtractiveSummarizer, defaultTokenCounter } from '@threadline/core';
import { RedisRuntime } from '@threadline/runtime';
import { sdkContract } from '@threadline/sdk/contract';
import { deleteKeysWithPrefix, uniquePrefix } from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';
import { startSummarizerWorker, type SummarizerWorkerHandle } from '@threadline/summarizer';
import { startSessionWorker, type SessionWorkerHandle } from '../src/index.ts';

/** libs/sdk's contract on the Redis runtime, with a session worker and a summarizer in this process. */
const url = testRedisUrl();
const topology = { prefix: uniquePrefix('sdk-contract'), partitions: 4 };
let worker: SessionWorkerHandle;
let summarizer: SummarizerWorkerHandle;
let runtime: RedisRuntime;

beforeAll(async () => {
  await defaultTokenCounter.prepare(['gpt-4o-mini']);
  worker = await startSessionWorker({ redis: { url }, topology });
  summarizer = await startSummarizerWorker({
    redis: { url },
    topology,
    summarizer: createExtractiveSummarizer(defaultTokenCounter),
  });
  runtime = new RedisRuntime({ url, topology, tenant: 'sdk-contract' });
});
afterAll(async () => {
  await runtime?.close();
  await worker?.close();
  await summarizer?.close();
  const redis = new Redis(url);
  await deleteKeysWithPrefix(redis, topology.prefix);
  await redis.quit();
});

sdkContract('RedisRuntime with a session worker', () => runtime);
