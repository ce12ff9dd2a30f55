import { toId } from '@threadline/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { EventProducer } from '@threadline/queue';
import { RedisSessionStore } from '@threadline/store';
import { deleteKeysWithPrefix, findFreePort, uniquePrefix } from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';
import { infiniteSession } from './session-init.ts';
import { spawnSessionWorker, type WorkerProcess } from './worker-processes.ts';

const url = testRedisUrl();
const prefix = uniquePrefix('metrics');
let worker: WorkerProcess;
let redis: Redis;
let port: number;

beforeAll(async () => {
  redis = new Redis(url);
  port = await findFreePort();
  worker = await spawnSessionWorker({
    REDIS_URL: url,
    THREADLINE_PREFIX: prefix,
    THREADLINE_PARTITIONS: '2',
    THREADLINE_METRICS_PORT: String(port),
  });
});

afterAll(async () => {
  worker?.child.kill('SIGTERM');
  await worker?.exited;
  await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
});

describe("a session worker process's own /metrics", () => {
  it('counts the events it applied, with their accept → applied latency, and the summaries it asked for', async () => {
    const producer = new EventProducer(redis, { prefix, partitions: 2 });
    const store = new RedisSessionStore({ redis, prefix });
    const key = { tenant: 'acme', sessionId: 'm1' };
    await store.commit(key, {
      expectedVersion: 0,
      session: infiniteSession('m1', 2),
      appendEvents: [],
      eventIds: [],
      sealedSegments: [],
      summaries: [],
    });
    const now = new Date().toISOString();
    const events = ['a', 'b', 'c'].map((content, i) => ({
      type: 'user_message' as const,
      sessionId: toId('m1'),
      eventId: toId(`m1-${i}`),
      occurredAt: now,
      content,
    }));
    await producer.enqueue('acme', events);
    await producer.enqueue('acme', [events[0]!]); // a duplicate: not counted as applied
    const deadline = Date.now() + 15_000;
    let text = '';
    while (Date.now() < deadline) {
      text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      if (/threadline_events_applied_total 3\b/.test(text)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(text).toMatch(/threadline_events_applied_total 3\b/);
    expect(text).toMatch(/threadline_apply_latency_seconds_count 3\b/);
    // Three turns with two per segment: the third sealed segment 0 and asked for its summary.
    expect(text).toMatch(/threadline_summaries_requested_total 1\b/);
    expect(text).toMatch(/process_resident_memory_bytes/);
    await producer.close();
  });
});
