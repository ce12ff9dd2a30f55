import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { deleteKeysWithPrefix, uniquePrefix } from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';
import { boundedRetention } from '../src/consumer-retention.ts';
import { UnparseableDataTolerantWorker } from '../src/unparseable-job-data.ts';

describe('the retention a worker applies to the jobs it finishes', () => {
  const bound = { age: 600, count: 100 };

  it.each([
    ['no option (BullMQ would keep it forever)', undefined, bound],
    ['keep forever', false, bound],
    ['remove at once (tighter: kept)', true, true],
    ['a looser count', 5000, { age: 600, count: 100 }],
    ['a tighter count', 10, { age: 600, count: 10 }],
    ['a looser age', { age: 86_400 }, { age: 600, count: 100 }],
    ['a tighter age and count', { age: 60, count: 5 }, { age: 60, count: 5 }],
    ['-1 (unbounded count)', { age: 60, count: -1 }, { age: 60, count: 100 }],
  ] as const)('%s', (_, producer, expected) => {
    expect(boundedRetention(producer, bound)).toEqual(expected);
  });

  it('keeps the producer’s retention when the worker has no bound', () => {
    expect(boundedRetention(false, undefined)).toBe(false);
    expect(boundedRetention({ count: 3 }, undefined)).toEqual({ count: 3 });
  });

  describe('on real Redis', () => {
    const prefix = uniquePrefix('retention');
    let redis: Redis;
    beforeAll(() => {
      redis = new Redis(testRedisUrl());
    });
    afterAll(async () => {
      await deleteKeysWithPrefix(redis, prefix);
      await redis.quit();
    });

    it('trims finished jobs to the worker’s bound even when the producer asked to keep them all', async () => {
      const connection = { url: testRedisUrl() };
      const queue = new Queue('retention', { connection, prefix });
      const worker = new UnparseableDataTolerantWorker(
        'retention',
        async (job) => {
          if ((job.data as { fail?: boolean }).fail) throw new Error('planned failure');
          return 'ok';
        },
        {
          connection,
          prefix,
          concurrency: 1,
          removeOnComplete: { count: 2 },
          removeOnFail: { count: 1 },
          autorun: true,
        },
      );
      try {
        // A producer that keeps every job forever (and one that sets nothing).
        for (let i = 0; i < 6; i++)
          await queue.add('j', { i }, i % 2 ? { removeOnComplete: false } : {});
        for (let i = 0; i < 3; i++)
          await queue.add('f', { fail: true }, { removeOnFail: false, attempts: 1 });
        const deadline = Date.now() + 15_000;
        for (;;) {
          const counts = await queue.getJobCounts('waiting', 'active', 'completed', 'failed');
          if (counts.waiting === 0 && counts.active === 0 && (counts.failed ?? 0) >= 1) break;
          if (Date.now() > deadline)
            throw new Error(`jobs not finished: ${JSON.stringify(counts)}`);
          await new Promise((r) => setTimeout(r, 50));
        }
        const counts = await queue.getJobCounts('completed', 'failed');
        expect(counts.completed).toBe(2);
        expect(counts.failed).toBe(1);
        // The trimmed jobs are gone with their data, not only from the sets.
        const jobKeys = await redis.keys(`${prefix}:retention:[0-9]*`);
        expect(jobKeys.filter((k) => /:\d+$/.test(k))).toHaveLength(3);
      } finally {
        await worker.close();
        await queue.close();
      }
    });
  });
});
