import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { ID_RULE, ValidationError, type AcceptedEvent } from '@threadline/core';
import { deleteKeysWithPrefix, dumpKeys, globEscape, uniquePrefix } from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';
import { createRedisConnection, type RedisConnection } from '../src/redis-connection.ts';
import { EventProducer } from '../src/event-producer.ts';
import { eventJobId } from '../src/job-ids.ts';
import { partitionOf } from '../src/partition.ts';
import { eventQueueName, type QueueTopology } from '../src/topology.ts';

/**
 * The producer is a door too (the SDK's RedisRuntime and any Node producer call it directly):
 * ids that would break a job id, a queue's keys or the store's keys are refused before anything
 * is written; payloads of any content travel to the worker exactly as given.
 */
const url = testRedisUrl();
const topology: QueueTopology = { prefix: uniquePrefix('producer-input'), partitions: 4 };
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

const event = (fields: Record<string, unknown> = {}): AcceptedEvent =>
  ({
    type: 'user_message',
    sessionId: 's1',
    eventId: 'e1',
    occurredAt: '2026-01-01T00:00:00.000Z',
    content: 'hi',
    ...fields,
  }) as AcceptedEvent;

const BAD_IDS = [
  'a{b',
  'a}b',
  '{t:s}',
  'a:b',
  'a b',
  'café',
  '😀',
  'a\u0000b',
  'a~b',
  '..',
  '',
  'x'.repeat(10 * 1024),
];

/** The error `run` throws: a ValidationError, checked to name `path` with the id rule. */
async function refusal(run: () => Promise<unknown>, path: string): Promise<void> {
  const error = await run().then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, path).toBeInstanceOf(ValidationError);
  expect((error as ValidationError).issues).toContainEqual({ path, rule: ID_RULE });
  expect((error as ValidationError).message).toContain(`${path}: ${ID_RULE}`);
}

describe('EventProducer input', () => {
  it('refuses a tenant, sessionId or eventId that is not an id, naming it, and writes nothing to Redis', async () => {
    const everything = `${globEscape(topology.prefix)}*`;
    const before = await dumpKeys(redis, everything);
    for (const bad of BAD_IDS) {
      await refusal(() => producer.enqueue(bad, [event()]), 'tenant');
      await refusal(
        () => producer.enqueue('t', [event({ sessionId: bad })]),
        'events[0].sessionId',
      );
      await refusal(
        () => producer.enqueue('t', [event(), event({ eventId: bad })], 8),
        'events[1].eventId',
      );
      await refusal(
        () =>
          producer.requestSummary(bad, {
            sessionId: 's1',
          } as Parameters<EventProducer['requestSummary']>[1]),
        'tenant',
      );
    }
    // A good event in the same call does not go through on its own: all or nothing.
    await refusal(
      () => producer.enqueue('t', [event({ sessionId: 'fine' }), event({ sessionId: 'a b' })]),
      'events[1].sessionId',
    );
    expect(await dumpKeys(redis, everything)).toEqual(before);
  });

  it('carries payloads of any content to the queue exactly as given (braces, colons, NUL, unicode, Lua, deep and large JSON)', async () => {
    const nasty = [
      '{t:s}:state',
      'a:b',
      'nul\u0000inside',
      'café 会话 😀 \u202e',
      "redis.call('FLUSHALL') ]] --[[",
      '\r\n*1\r\n$8\r\nFLUSHALL\r\n',
      '\ud800',
      '..',
      'x'.repeat(10 * 1024),
    ];
    let deep: unknown = 'bottom';
    for (let i = 0; i < 1000; i++) deep = i % 2 ? [deep] : { [`k${i}`]: deep };
    const events = [
      ...nasty.map((text, i) =>
        event({
          type: 'tool_call',
          eventId: `tool-${i}`,
          content: undefined,
          tool: text.slice(0, 200),
          arguments: { [text]: text, list: [text, { text }] },
          result: text,
          error: text,
          metadata: { [text.slice(0, 40)]: text.slice(0, 100) },
        }),
      ),
      event({
        type: 'tool_call',
        eventId: 'deep',
        content: undefined,
        tool: 'deep',
        arguments: deep,
        result: { rows: Array.from({ length: 5000 }, (_, i) => ({ i, text: nasty[i % 9] })) },
      }),
    ];
    const jobs = await producer.enqueue('tenant-x', events, 1);
    expect(jobs).toHaveLength(events.length);
    const queue = producer.queue(
      eventQueueName(partitionOf('tenant-x', 's1', topology.partitions)),
    );
    for (const [i, sent] of events.entries()) {
      const job = await queue.getJob(eventJobId('tenant-x', 's1', [sent.eventId]));
      expect(job?.data.tenant).toBe('tenant-x');
      expect(JSON.stringify(job?.data.events[0]), sent.eventId).toBe(JSON.stringify(events[i]));
    }
  });
});
