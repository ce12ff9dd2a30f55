import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { eventQueueName } from '@threadline/queue';
import { deleteKeysWithPrefix, uniquePrefix } from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';
import { startSessionWorker, type SessionWorkerHandle } from '../src/session-worker.ts';

/**
 * Per-session order across a fleet rests on each partition queue running one job at a time
 * across every process: BullMQ's global concurrency of the queue, set to 1 in Redis by each
 * worker at start. A worker's own `concurrency: 1` is not enough (two processes would each run
 * one job of a partition at once), so the queue's setting is read back from Redis.
 */
const url = testRedisUrl();
const prefix = uniquePrefix('partition-concurrency');
const topology = { prefix, partitions: 4 };
let redis: Redis;
let worker: SessionWorkerHandle | undefined;

beforeAll(async () => {
  redis = new Redis(url);
});
afterAll(async () => {
  await worker?.close();
  await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
});

describe('the partition queues', () => {
  it('have a global concurrency of 1 in Redis once a worker serves them, and only those it serves', async () => {
    const queues = [0, 1, 2, 3].map(
      (p) => new Queue(eventQueueName(p), { connection: redis, prefix }),
    );
    try {
      for (const queue of queues) expect(await queue.getGlobalConcurrency()).toBeNull();
      worker = await startSessionWorker({ redis: { url }, topology, partitions: [1, 3] });
      expect(await Promise.all(queues.map((q) => q.getGlobalConcurrency()))).toEqual([
        null,
        1,
        null,
        1,
      ]);
    } finally {
      await Promise.all(queues.map((q) => q.close()));
    }
  });
});
