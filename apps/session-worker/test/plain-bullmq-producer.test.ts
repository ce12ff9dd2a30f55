import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { SessionManager } from '@threadline/sdk';
import { deleteKeysWithPrefix, uniquePrefix } from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';
import { startInProcessFleet, type InProcessFleet } from './fleet.ts';

const url = testRedisUrl();
const prefix = uniquePrefix('plain');
let fleet: InProcessFleet;
let redis: Redis;

/** The partition hash exactly as the queue README documents it, written independently here. */
function documentedPartition(tenant: string, sessionId: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(`${tenant}/${sessionId}`, 'utf8')) {
    h ^= b;
    h = Number((BigInt(h) * 0x01000193n) & 0xffffffffn);
  }
  return h % partitions;
}

beforeAll(async () => {
  fleet = await startInProcessFleet({ url, prefix, partitions: 4, tenant: 'partner' });
  redis = new Redis(url, { maxRetriesPerRequest: null });
});

afterAll(async () => {
  await fleet?.close();
  await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
});

describe('enqueueing with a plain BullMQ client', () => {
  it('applies events added with Queue.add using only the documented schema, queue name, hash and job id', async () => {
    const tenant = 'partner';
    const sessionId = 'from-python-42';
    const queue = new Queue(`{events-${documentedPartition(tenant, sessionId, 4)}}`, {
      connection: redis,
      prefix,
    });
    const events = [
      { type: 'user_message', sessionId, eventId: 'py-1', content: 'Hola, ¿qué tal?' },
      {
        type: 'assistant_message',
        sessionId,
        eventId: 'py-2',
        content: 'Muy bien.',
        model: 'gpt-4o-mini',
        occurredAt: '2026-02-01T10:00:00Z',
      },
    ];
    for (const e of events)
      await queue.add(
        'events',
        { v: 1, tenant, sessionId, events: [e] },
        { jobId: `e~${tenant}~${sessionId}~${e.eventId}` },
      );
    await queue.close();
    const sm = new SessionManager({ runtime: fleet.runtime, sessionId });
    await sm.getStats({ waitFor: 'py-2' });
    expect((await sm.getConversation()).map((e) => [e.role, e.content])).toEqual([
      ['user', 'Hola, ¿qué tal?'],
      ['assistant', 'Muy bien.'],
    ]);
  });

  it('fails a job that breaks the schema with a clear reason and keeps the partition going', async () => {
    const tenant = 'partner';
    const sessionId = 'poisoned';
    const queue = new Queue(`{events-${documentedPartition(tenant, sessionId, 4)}}`, {
      connection: redis,
      prefix,
    });
    const bad = await queue.add('events', {
      v: 1,
      tenant,
      sessionId,
      events: [{ type: 'user_message', sessionId, content: 42 }],
    });
    await queue.add(
      'events',
      {
        v: 1,
        tenant,
        sessionId,
        events: [{ type: 'user_message', sessionId, eventId: 'ok-1', content: 'still here' }],
      },
      { jobId: `e~${tenant}~${sessionId}~ok-1` },
    );
    const sm = new SessionManager({ runtime: fleet.runtime, sessionId });
    await sm.getStats({ waitFor: 'ok-1' });
    const failed = await queue.getJob(bad.id!);
    expect(await failed!.getState()).toBe('failed');
    expect(failed!.failedReason).toMatch(/invalid event job: data\.events\[0\]\.(content|eventId)/);
    expect((await sm.getConversation()).map((e) => e.content)).toEqual(['still here']);
    await queue.close();
  });
});
