import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { toId, type AcceptedEvent, nextSeqOf } from '@threadline/core';
import { eventQueueNames, EventProducer } from '@threadline/queue';
import { RedisSessionStore } from '@threadline/store';
import { deleteKeysWithPrefix, uniquePrefix } from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';
import { spawnSessionWorker, type WorkerProcess } from './worker-processes.ts';

const url = testRedisUrl();
const prefix = uniquePrefix('order');
const topology = { prefix, partitions: 8 };
const tenant = 'acme';
let redis: Redis;
let store: RedisSessionStore;
let producer: EventProducer;
let workers: WorkerProcess[] = [];

const env = {
  REDIS_URL: url,
  THREADLINE_PREFIX: prefix,
  THREADLINE_PARTITIONS: String(topology.partitions),
};
const at = new Date('2026-05-01T10:00:00Z').toISOString();
const event = (sessionId: string, i: number): AcceptedEvent => ({
  type: i % 2 ? 'assistant_message' : 'user_message',
  sessionId: toId(sessionId),
  eventId: toId(`${sessionId}-e${i}`),
  occurredAt: at,
  content: `message ${i} of ${sessionId}`,
});

async function waitUntilApplied(
  sessionIds: string[],
  perSession: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const loaded = await Promise.all(
      sessionIds.map((sessionId) => store.load({ tenant, sessionId })),
    );
    if (loaded.every((s) => (s ? nextSeqOf(s.session.context) : -1) === perSession)) return;
    if (Date.now() > deadline) {
      const done = loaded.filter(
        (s) => (s ? nextSeqOf(s.session.context) : -1) === perSession,
      ).length;
      throw new Error(
        `only ${done}/${sessionIds.length} sessions fully applied after ${timeoutMs} ms`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function expectExactOrder(sessionIds: string[], perSession: number): Promise<void> {
  for (const sessionId of sessionIds) {
    const records = await store.readEvents({ tenant, sessionId }, 0, perSession + 10);
    expect(records.map((r) => r.eventId)).toEqual(
      Array.from({ length: perSession }, (_, i) => `${sessionId}-e${i}`),
    );
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: perSession }, (_, i) => i));
  }
}

beforeAll(async () => {
  redis = new Redis(url);
  store = new RedisSessionStore({ redis, prefix });
  producer = new EventProducer(redis, topology);
});

afterAll(async () => {
  for (const w of workers) w.child.kill('SIGKILL');
  await producer.close();
  await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
});

describe('ordering and delivery across worker processes', () => {
  it('applies 200 interleaved sessions in per-session order with 4 session-worker processes', async () => {
    workers = await Promise.all([0, 1, 2, 3].map(() => spawnSessionWorker(env)));
    const sessions = Array.from({ length: 200 }, (_, s) => `order-${s}`);
    const perSession = 10;
    const started = Date.now();
    // Interleave: event i of every session before event i+1 of any.
    for (let i = 0; i < perSession; i++)
      await producer.enqueue(
        tenant,
        sessions.map((s) => event(s, i)),
      );
    await waitUntilApplied(sessions, perSession, 120_000);
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `ordering: ${sessions.length * perSession} events applied by 4 processes in ${seconds.toFixed(2)} s (${Math.round((sessions.length * perSession) / seconds)} events/s)`,
    );
    await expectExactOrder(sessions, perSession);
  });

  it('applies an event sent twice, and a redelivered job, exactly once', async () => {
    const sessionId = 'dup-1';
    const e0 = event(sessionId, 0);
    await producer.enqueue(tenant, [e0]);
    await producer.enqueue(tenant, [e0]); // same job id: collapses at enqueue
    await producer.enqueue(tenant, [e0, event(sessionId, 1)], 8); // a batch job with an applied eventId
    await waitUntilApplied([sessionId], 2, 20_000);
    // Redeliver a completed job: the eventIds are already consumed, so nothing changes.
    const queue = new Queue(producer.queue(eventQueueNames(topology)[0]!).name, {
      connection: redis,
      prefix,
    });
    await queue.close();
    const jobs = await Promise.all(
      eventQueueNames(topology).map((n) => producer.queue(n).getJobs(['completed'])),
    );
    const job = jobs.flat().find((j) => j.id === `e~${tenant}~${sessionId}~${sessionId}-e0`);
    expect(job).toBeDefined();
    await job!.retry('completed');
    await new Promise((r) => setTimeout(r, 1500));
    const state = await store.load({ tenant, sessionId });
    expect(nextSeqOf(state!.session.context)).toBe(2);
    await expectExactOrder([sessionId], 2);
  });

  it('stops gracefully on SIGTERM, then loses nothing and doubles nothing when the last worker is SIGKILLed mid-stream', async () => {
    // Leave one worker: it holds every partition, so the kill lands on jobs in flight.
    const [victim, ...rest] = workers;
    for (const w of rest) w.child.kill('SIGTERM');
    const codes = await Promise.all(rest.map((w) => w.exited));
    expect(codes).toEqual([0, 0, 0]);
    const sessions = Array.from({ length: 40 }, (_, s) => `kill-${s}`);
    const perSession = 25;
    const feeding = (async () => {
      for (let i = 0; i < perSession; i++) {
        await producer.enqueue(
          tenant,
          sessions.map((s) => event(s, i)),
        );
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const queues = eventQueueNames(topology).map((n) => producer.queue(n));
    while ((await Promise.all(queues.map((q) => q.getActiveCount()))).every((n) => n === 0))
      await new Promise((r) => setTimeout(r, 5));
    const killedAt = Date.now();
    victim!.child.kill('SIGKILL');
    await victim!.exited;
    workers = await Promise.all([0, 1].map(() => spawnSessionWorker(env)));
    await feeding;
    await waitUntilApplied(sessions, perSession, 60_000);
    await expectExactOrder(sessions, perSession);
    const redelivered = (await Promise.all(queues.map((q) => q.getJobs(['completed'], 0, 5000))))
      .flat()
      .filter((j) => j.attemptsStarted > 1 || (j.stalledCounter ?? 0) > 0);
    const failover = redelivered.map((j) => (j.finishedOn ?? killedAt) - killedAt);
    console.log(
      `sigkill: ${redelivered.length} job(s) in flight at the kill were redelivered; the last finished ${Math.max(0, ...failover)} ms after the kill (new workers took ~${workers.length ? 'their start-up time' : ''} of it)`,
    );
    expect(redelivered.length).toBeGreaterThan(0);
    for (const ms of failover) expect(ms).toBeLessThan(15_000);
  });
});
