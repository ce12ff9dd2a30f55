import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { toId, type AcceptedEvent } from '@threadline/core';
import { createLogger } from '@threadline/observability';
import { eventJobId, eventQueueName, EventProducer, partitionOf } from '@threadline/queue';
import { RedisSessionStore, sessionKeys } from '@threadline/store';
import { deleteKeysWithPrefix, uniquePrefix } from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';
import { startSessionWorker, type SessionWorkerHandle } from '../src/session-worker.ts';

/**
 * A transient failure of a session's event is retried in place: the job keeps its lock and its
 * partition, so a later event of the same session, queued behind it, cannot overtake it. (Retried
 * through BullMQ instead, with attempts and backoff, the job would wait in `delayed` while the
 * next one is applied.)
 *
 * The failure is a real one: a second writer bumps the session's version in Redis as fast as it
 * can, so that every commit of the worker loses its race (CommitContentionError, after the
 * engine's own tries) until the writer stops, which it does once the first event has failed.
 */
const url = testRedisUrl();
const prefix = uniquePrefix('transient-order');
const topology = { prefix, partitions: 2 };
const tenant = 'acme';
const sessionId = 'contended';
let redis: Redis;
let store: RedisSessionStore;
let producer: EventProducer;
let worker: SessionWorkerHandle | undefined;
const logLines: Array<{ msg: string; jobId?: string }> = [];
const applied: string[] = [];

const event = (i: number): AcceptedEvent => ({
  type: i % 2 ? 'assistant_message' : 'user_message',
  sessionId: toId(sessionId),
  eventId: toId(`e${i}`),
  occurredAt: '2026-05-01T10:00:00.000Z',
  content: `message ${i}`,
});

beforeAll(async () => {
  redis = new Redis(url);
  store = new RedisSessionStore({ redis, prefix });
  producer = new EventProducer(redis, topology);
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
      done();
    },
  });
  worker = await startSessionWorker({
    redis: { url },
    topology,
    logger: createLogger({ name: 'transient-order', level: 'warn', destination }),
    retry: { baseMs: 20, maxMs: 100, unknownErrorAttempts: 5 },
    onApplied: ({ outcome }) => applied.push(...outcome.applied),
  });
});

afterAll(async () => {
  await worker?.close();
  await producer?.close();
  if (redis) {
    await deleteKeysWithPrefix(redis, prefix);
    await redis.quit();
  }
});

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('a transient failure', () => {
  it('is retried in place, so that a later event of the same session cannot overtake it', async () => {
    await producer.enqueue(tenant, [event(0)]);
    await until('e0 is applied', () => applied.includes('e0'));

    const state = sessionKeys(prefix, { tenant, sessionId }).state;
    // Two writers, each always with a batch of increments in flight: Redis has one queued
    // whenever the worker's commit arrives, whatever this process is busy with.
    const writers = [new Redis(url), new Redis(url)];
    await Promise.all(writers.map((w) => w.ping()));
    let contending = true;
    const batch = Array.from({ length: 500 }, () => ['hincrby', state, 'version', '1']);
    const contention = Promise.all(
      writers.map(async (writer) => {
        while (contending) await writer.pipeline(batch).exec();
      }),
    );
    const version = Number(await redis.hget(state, 'version'));
    await until(
      'the other writers are at work',
      async () => Number(await redis.hget(state, 'version')) > version + 1000,
    );
    const queue = producer.queue(
      eventQueueName(partitionOf(tenant, sessionId, topology.partitions)),
    );
    const e1 = eventJobId(tenant, sessionId, ['e1']);
    try {
      // Two jobs of one session, one behind the other on its partition.
      await producer.enqueue(tenant, [event(1)]);
      await producer.enqueue(tenant, [event(2)]);
      // Until e1 has failed once: retried in place (logged), or handed back to BullMQ.
      await until('e1 has failed once', async () => {
        if (logLines.some((l) => l.jobId === e1 && /retrying in place/.test(l.msg))) return true;
        const job = await queue.getJob(e1);
        return Boolean(job?.failedReason) || (await job?.getState()) === 'delayed';
      });
    } finally {
      contending = false;
      await contention;
      await Promise.all(writers.map((w) => w.quit()));
    }

    await until('e1 and e2 are applied', () => applied.includes('e2') && applied.includes('e1'));
    expect(applied).toEqual(['e0', 'e1', 'e2']);
    const records = await store.readEvents({ tenant, sessionId }, 0, 10);
    expect(records.map((r) => r.eventId)).toEqual(['e0', 'e1', 'e2']);
    expect(logLines.filter((l) => /retrying in place/.test(l.msg)).length).toBeGreaterThan(0);
  });
});
