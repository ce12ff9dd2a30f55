import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import type { AcceptedEvent } from '@threadline/core';
import { deleteKeysWithPrefix, uniquePrefix } from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';
import { Redis } from 'ioredis';
import { createRedisConnection, type RedisConnection } from '../src/redis-connection.ts';
import { EventProducer } from '../src/event-producer.ts';
import { eventJobId } from '../src/job-ids.ts';
import { partitionOf } from '../src/partition.ts';
import { eventQueueName, eventQueueNames, type QueueTopology } from '../src/topology.ts';

/**
 * The partition is a published contract (a producer in another language computes it): FNV-1a 32
 * over the UTF-8 bytes of `<tenant>/<sessionId>`, modulo the number of partitions. Here it is
 * computed the way partition.ts documents it for Python, in BigInt arithmetic, apart from
 * partitionOf, and the producer is checked against it on enough sessions that a different key
 * (`<sessionId>/<tenant>`, say) cannot pass by chance.
 */
function documentedPartition(tenant: string, sessionId: string, partitions: number): number {
  let h = 0x811c9dc5n;
  for (const b of Buffer.from(`${tenant}/${sessionId}`, 'utf8')) {
    h ^= BigInt(b);
    h = (h * 0x01000193n) & 0xffffffffn;
  }
  return Number(h % BigInt(partitions));
}

const url = testRedisUrl();
const topology: QueueTopology = { prefix: uniquePrefix('producer-partition'), partitions: 16 };
let connection: RedisConnection;
let producer: EventProducer;
let redis: Redis;

beforeAll(() => {
  connection = createRedisConnection({ url }, {});
  producer = new EventProducer(connection, topology);
  redis = new Redis(url);
});
afterAll(async () => {
  await producer?.close();
  connection?.disconnect();
  if (redis) {
    await deleteKeysWithPrefix(redis, topology.prefix);
    await redis.quit();
  }
});

describe('the partition of a session', () => {
  it('is the documented one, by reference values of the Python snippet in partition.ts', () => {
    // Printed by the snippet of partition.ts's doc comment, run by python3.
    expect(partitionOf('acme', 'session-1', 16)).toBe(6);
    expect(partitionOf('tenant-x', 's1', 16)).toBe(1);
    expect(partitionOf('globex', 'chat-42', 16)).toBe(10);
    expect(partitionOf('acme', 'session-1', 1024)).toBe(454);
    expect(partitionOf('tenant-x', 's1', 1024)).toBe(769);
    expect(partitionOf('globex', 'chat-42', 1024)).toBe(810);
    expect(documentedPartition('acme', 'session-1', 1024)).toBe(454);
  });

  it("is where the producer puts every job of a session: FNV-1a of '<tenant>/<sessionId>'", async () => {
    const tenants = ['acme', 'globex', 'initech'];
    const sessions = Array.from({ length: 12 }, (_, i) => `chat-${i}`);
    const expected = new Map<string, string>();
    for (const tenant of tenants) {
      const events = sessions.flatMap((sessionId) =>
        [1, 2].map(
          (n) =>
            ({
              type: 'user_message',
              sessionId,
              eventId: `${sessionId}-e${n}`,
              occurredAt: '2026-01-01T00:00:00.000Z',
              content: `message ${n}`,
            }) as AcceptedEvent,
        ),
      );
      const jobs = await producer.enqueue(tenant, events, 1);
      expect(jobs).toHaveLength(events.length);
      for (const e of events)
        expect(
          jobs.find((j) => j.eventIds[0] === e.eventId)?.queue,
          `${tenant}/${e.sessionId}`,
        ).toBe(eventQueueName(documentedPartition(tenant, e.sessionId, topology.partitions)));
      for (const e of events)
        expected.set(
          eventJobId(tenant, e.sessionId, [e.eventId]),
          eventQueueName(documentedPartition(tenant, e.sessionId, topology.partitions)),
        );
    }
    // What Redis holds, queue by queue: each job on the documented partition, and nowhere else.
    const found = new Map<string, string>();
    for (const name of eventQueueNames(topology)) {
      const queue = new Queue(name, { connection, prefix: topology.prefix });
      for (const job of await queue.getJobs(['waiting', 'delayed', 'prioritized']))
        found.set(job.id!, name);
      await queue.close();
    }
    expect(Object.fromEntries(found)).toEqual(Object.fromEntries(expected));
    // The sessions spread over the partitions (the test is not one partition's worth).
    expect(new Set(expected.values()).size).toBeGreaterThan(8);
  });
});
