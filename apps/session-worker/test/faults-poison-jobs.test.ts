import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { LIMITS } from '@threadline/core';
import {
  eventQueueName,
  MAX_EVENTS_PER_JOB,
  partitionOf,
  SUMMARIZE_QUEUE,
  SUMMARIZE_JOB_OPTIONS,
} from '@threadline/queue';
import { SessionManager } from '@threadline/sdk';
import { deleteKeysWithPrefix, uniquePrefix } from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';
import { startInProcessFleet, type InProcessFleet } from './fleet.ts';
import { dumpSessionKeys } from './faults-support.ts';

/**
 * Garbage pushed straight into every BullMQ queue of the topology, as a broken producer in any
 * language could: each job ends `failed` with a reason naming the field and the rule, after ONE
 * attempt (UnrecoverableError, whatever retries the producer asked for), no session key is
 * touched, and the queue goes on with the next job.
 */

const url = testRedisUrl();
const prefix = uniquePrefix('faults-poison');
const TENANT = 'acme';
const PARTITIONS = 4;
let fleet: InProcessFleet;
let redis: Redis;
const queues = new Map<string, Queue>();

function queue(name: string): Queue {
  let q = queues.get(name);
  if (!q) queues.set(name, (q = new Queue(name, { connection: redis, prefix })));
  return q;
}

/** The first id `<label>-<n>` whose partition is `p`. */
function sessionOnPartition(p: number, label: string): string {
  for (let n = 0; ; n++) {
    const id = `${label}-${n}`;
    if (partitionOf(TENANT, id, PARTITIONS) === p) return id;
  }
}

const partitions = Array.from({ length: PARTITIONS }, (_, p) => p);

/** Waits until none of the jobs is waiting, delayed or active any more. */
async function settled(q: Queue, jobs: Job[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const states = await Promise.all(jobs.map((j) => q.getJobState(j.id!)));
    if (states.every((s) => s === 'completed' || s === 'failed')) return;
    if (Date.now() > deadline) throw new Error(`jobs still pending: ${states.join(', ')}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Session keys but those of the sessions named, which the test wrote on purpose. */
async function untouchedDump(exclude: string[]): Promise<Record<string, unknown>> {
  const dump = await dumpSessionKeys(redis, prefix);
  return Object.fromEntries(
    Object.entries(dump).filter(([key]) => !exclude.some((id) => key.includes(`:${id}}:`))),
  );
}

beforeAll(async () => {
  fleet = await startInProcessFleet({ url, prefix, partitions: PARTITIONS, tenant: TENANT });
  redis = new Redis(url, { maxRetriesPerRequest: null });
  // A session on every partition, with a summarized segment, a pending-free chain and a tool call.
  for (const p of partitions) {
    const sm = new SessionManager({
      runtime: fleet.runtime,
      sessionId: sessionOnPartition(p, 'seed'),
      infiniteContext: true,
      maxTurnsPerSegment: 2,
    });
    await sm.userSays(`Partition ${p}: book a table for 4.`);
    await sm.toolUsed('tables', { people: 4 }, { free: ['19:00'] });
    await sm.aiResponds('19:00 is free.');
    await sm.userSays('Take it.');
    await sm.getStats();
  }
  await fleet.runtime.idle();
});

afterAll(async () => {
  await Promise.all([...queues.values()].map((q) => q.close()));
  await fleet?.close();
  await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
});

interface Poison {
  label: string;
  data: unknown;
  /** What the failed reason must say (after `invalid … job: `). */
  reason: RegExp;
}

/** Wrong shapes, fields nobody knows, values JSON cannot carry, and huge payloads. */
function eventPoisons(sessionId: string): Poison[] {
  const ok = { type: 'user_message', sessionId, eventId: 'never-applied', content: 'hi' };
  const job = (patch: Record<string, unknown>) => ({
    v: 1,
    tenant: TENANT,
    sessionId,
    events: [ok],
    ...patch,
  });
  return [
    { label: 'null', data: null, reason: /^data: expected object, received null$/ },
    { label: 'a string', data: 'user said hi', reason: /^data: expected object, received string/ },
    { label: 'a number', data: 42, reason: /^data: expected object, received number/ },
    { label: 'an array of events', data: [ok], reason: /^data: expected object, received array/ },
    { label: 'an empty object', data: {}, reason: /data\.v: .*data\.tenant: .*data\.events: / },
    { label: 'payload version 2', data: job({ v: 2 }), reason: /^data\.v: expected one of 1$/ },
    {
      label: 'the tenant under another name',
      data: { v: 1, tenantId: TENANT, sessionId, events: [ok] },
      reason: /data\.tenant: expected 1 to 128 characters.*unknown field "tenantId"/,
    },
    {
      label: 'an unknown top-level field',
      data: job({ priority: 'high' }),
      reason: /unknown field "priority"/,
    },
    {
      label: 'a tenant that would break the key layout',
      data: job({ tenant: 'acme:other' }),
      reason: /^data\.tenant: expected 1 to 128 characters of letters/,
    },
    {
      label: 'a session id with hash-tag braces',
      data: job({ sessionId: '{evil}' }),
      reason: /^data\.sessionId: expected 1 to 128 characters of letters/,
    },
    {
      label: 'events that are not an array',
      data: job({ events: { 0: ok } }),
      reason: /^data\.events: expected array, received object$/,
    },
    { label: 'no events', data: job({ events: [] }), reason: /^data\.events: / },
    {
      label: 'more events than a job may carry',
      data: job({
        events: Array.from({ length: MAX_EVENTS_PER_JOB + 1 }, (_, i) => ({
          ...ok,
          eventId: `e${i}`,
        })),
      }),
      reason: new RegExp(`^data\\.events: .*${MAX_EVENTS_PER_JOB}`),
    },
    {
      label: 'an unknown event type',
      data: job({ events: [{ ...ok, type: 'user_said' }] }),
      reason: /^data\.events\[0\]\.type: /,
    },
    {
      label: 'an unknown event field',
      data: job({ events: [{ ...ok, role: 'user' }] }),
      // Named, though not in the words of the top level ("unknown field").
      reason: /^data\.events\[0\]: Unrecognized key: "role"$/,
    },
    {
      label: "an event of another session than the job's",
      data: job({ events: [{ ...ok, sessionId: 'someone-else' }] }),
      reason: /^data\.events\[0\]\.sessionId: expected the job's sessionId/,
    },
    {
      label: 'an event without its eventId',
      data: job({ events: [{ type: 'user_message', sessionId, content: 'hi' }] }),
      reason: /^data\.events\[0\]\.eventId: expected an eventId/,
    },
    {
      label: 'content that is an object',
      data: job({ events: [{ ...ok, content: { text: 'hi' } }] }),
      reason: /^data\.events\[0\]\.content: .*expected string, received object/,
    },
    {
      // JSON drops a function: the content is simply missing.
      label: 'content JSON cannot carry (a function)',
      data: job({ events: [{ ...ok, content: () => 'hi' }] }),
      reason: /^data\.events\[0\]\.content: .*expected string, received undefined/,
    },
    {
      // JSON turns NaN into null.
      label: 'usage JSON cannot carry (NaN tokens)',
      data: job({
        events: [
          {
            type: 'assistant_message',
            sessionId,
            eventId: 'nan',
            content: 'ok',
            usage: { promptTokens: NaN, completionTokens: Infinity },
          },
        ],
      }),
      reason:
        /^data\.events\[0\]\.usage\.promptTokens: .*data\.events\[0\]\.usage\.completionTokens: /,
    },
    {
      label: 'content over the size limit',
      data: job({ events: [{ ...ok, content: 'x'.repeat(LIMITS.contentMaxChars + 1) }] }),
      reason: new RegExp(`^data\\.events\\[0\\]\\.content: .*${LIMITS.contentMaxChars}`),
    },
    {
      label: 'a 2 MB field nobody asked for',
      data: job({ attachment: 'A'.repeat(2 * 1024 * 1024) }),
      reason: /unknown field "attachment"/,
    },
  ];
}

function summarizePoisons(sessionId: string): Poison[] {
  const request = {
    sessionId,
    segmentIndex: 0,
    segmentId: `${sessionId}.s0`,
    fromSeq: 0,
    toSeq: 2,
    previousSummarySegmentIndex: null,
    model: 'gpt-4o-mini',
    maxTokens: 400,
    sealedAt: '2026-01-01T00:00:00.000Z',
  };
  const job = (patch: Record<string, unknown>) => ({ v: 1, tenant: TENANT, request, ...patch });
  const withRequest = (patch: Record<string, unknown>) =>
    job({ request: { ...request, ...patch } });
  return [
    { label: 'null', data: null, reason: /^data: expected object, received null$/ },
    { label: 'a string', data: 'summarize it', reason: /^data: expected object, received string/ },
    { label: 'an array', data: [request], reason: /^data: expected object, received array/ },
    { label: 'an empty object', data: {}, reason: /data\.v: .*data\.request: / },
    { label: 'payload version 2', data: job({ v: 2 }), reason: /^data\.v: expected one of 1$/ },
    {
      label: 'an event job on the wrong queue',
      data: { v: 1, tenant: TENANT, sessionId, events: [] },
      reason: /data\.request: expected object.*unknown fields "sessionId", "events"/,
    },
    {
      label: 'the request fields at the top level',
      data: { v: 1, tenant: TENANT, ...request },
      reason: /data\.request: expected object, received undefined/,
    },
    {
      label: 'a tenant that would break the key layout',
      data: job({ tenant: 'acme}{x' }),
      reason: /^data\.tenant: expected 1 to 128 characters of letters/,
    },
    {
      label: 'a segment index as a string',
      data: withRequest({ segmentIndex: '0' }),
      reason: /^data\.request\.segmentIndex: .*expected number, received string/,
    },
    {
      label: 'a negative segment index',
      data: withRequest({ segmentIndex: -1 }),
      reason: /^data\.request\.segmentIndex: /,
    },
    {
      label: 'seqs JSON cannot carry (NaN, Infinity)',
      data: withRequest({ fromSeq: NaN, toSeq: Infinity }),
      reason: /^data\.request\.fromSeq: .*data\.request\.toSeq: /,
    },
    {
      label: 'an unknown request field',
      data: withRequest({ priority: 1 }),
      reason: /^data\.request: unknown field "priority"/,
    },
    {
      label: 'a 1 MB segment id',
      data: withRequest({ segmentId: 'S'.repeat(1024 * 1024) }),
      reason: /^data\.request\.segmentId: /,
    },
    {
      label: 'a 2 MB field nobody asked for',
      data: job({ transcript: 'T'.repeat(2 * 1024 * 1024) }),
      reason: /unknown field "transcript"/,
    },
  ];
}

/** Each job failed once, for the reason expected, and the reason stays short. */
async function expectRefused(q: Queue, added: Array<{ poison: Poison; job: Job }>, kind: string) {
  for (const { poison, job } of added) {
    const stored = await q.getJob(job.id!);
    const what = `${q.name}: ${poison.label}`;
    expect(await stored!.getState(), what).toBe('failed');
    expect(stored!.attemptsMade, what).toBe(1);
    expect(stored!.failedReason, what).toMatch(new RegExp(`^invalid ${kind} job: `));
    expect(stored!.failedReason.replace(`invalid ${kind} job: `, ''), what).toMatch(poison.reason);
    // The reason names the rule; it never echoes a huge payload back into Redis and the logs.
    expect(stored!.failedReason.length, what).toBeLessThan(1000);
  }
}

describe('poison jobs pushed straight into the queues', () => {
  it('fails every kind of garbage on every event partition after one attempt, touches no session, and each partition goes on', async () => {
    const before = await dumpSessionKeys(redis, prefix);
    const after = partitions.map((p) => sessionOnPartition(p, 'after-poison'));
    const added = new Map<number, Array<{ poison: Poison; job: Job }>>();
    for (const p of partitions) {
      const q = queue(eventQueueName(p));
      const target = sessionOnPartition(p, 'seed');
      const jobs: Array<{ poison: Poison; job: Job }> = [];
      for (const poison of eventPoisons(target)) {
        // The producer even asks for retries: a job that can never succeed must not get them.
        const job = await q.add('events', poison.data as object, {
          attempts: 5,
          backoff: { type: 'fixed', delay: 10 },
        });
        jobs.push({ poison, job });
      }
      added.set(p, jobs);
      // A valid job behind the garbage, FIFO on the same partition.
      await q.add('events', {
        v: 1,
        tenant: TENANT,
        sessionId: after[p]!,
        events: [
          { type: 'user_message', sessionId: after[p]!, eventId: 'valid-1', content: 'still here' },
        ],
      });
    }
    for (const p of partitions)
      await fleet.runtime.waitFor(after[p]!, 'valid-1', { timeoutMs: 30_000 });

    for (const p of partitions)
      await expectRefused(queue(eventQueueName(p)), added.get(p)!, 'event');
    expect(await untouchedDump(after)).toEqual(before);
    for (const p of partitions) {
      const sm = new SessionManager({ runtime: fleet.runtime, sessionId: after[p]! });
      expect((await sm.getConversation()).map((e) => e.content)).toEqual(['still here']);
    }
  });

  it('fails an event job whose data is not JSON at all (NaN from a foreign encoder) at once, and the partition goes on', async () => {
    const before = await dumpSessionKeys(redis, prefix);
    const q = queue(eventQueueName(2));
    const next = sessionOnPartition(2, 'after-unparseable');
    await q.pause();
    const job = await q.add('events', { placeholder: true });
    // A producer in another language wrote the job hash with an encoder that emits NaN.
    await redis.hset(
      `${prefix}:${eventQueueName(2)}:${job.id}`,
      'data',
      `{"v":1,"tenant":"${TENANT}","sessionId":"${next}","events":[{"type":"user_message","content":NaN}]}`,
    );
    await q.add('events', {
      v: 1,
      tenant: TENANT,
      sessionId: next,
      events: [
        { type: 'user_message', sessionId: next, eventId: 'behind-1', content: 'behind it' },
      ],
    });
    await q.resume();
    // The valid job behind it is applied: the partition is not blocked.
    await fleet.runtime.waitFor(next, 'behind-1', { timeoutMs: 30_000 });
    expect(await q.getJobState(job.id!)).toBe('failed');
    const [failedReason, attemptsMade] = await redis.hmget(
      `${prefix}:${eventQueueName(2)}:${job.id}`,
      'failedReason',
      'atm',
    );
    expect(failedReason).toMatch(/^invalid event job: data is not valid JSON/);
    expect(Number(attemptsMade)).toBe(1);
    expect(await untouchedDump([next])).toEqual(before);
  });

  it('fails every kind of garbage on the summarize queue after one attempt, touches no session, and summaries go on', async () => {
    const before = await dumpSessionKeys(redis, prefix);
    const q = queue(SUMMARIZE_QUEUE);
    const added: Array<{ poison: Poison; job: Job }> = [];
    for (const poison of summarizePoisons(sessionOnPartition(0, 'seed'))) {
      // With the options the session worker itself uses: 8 attempts with backoff.
      const job = await q.add('summarize', poison.data as object, SUMMARIZE_JOB_OPTIONS);
      added.push({ poison, job });
    }
    await settled(
      q,
      added.map((a) => a.job),
    );
    await expectRefused(q, added, 'summarize');

    // The pool still summarizes.
    const sm = new SessionManager({
      runtime: fleet.runtime,
      sessionId: 'summarized-after-poison',
      infiniteContext: true,
      maxTurnsPerSegment: 1,
    });
    await sm.userSays('The deposit is 300 EUR.');
    await sm.userSays('Fine.');
    await sm.getStats();
    await fleet.runtime.idle();
    const [sealed] = await sm.getChain();
    expect(sealed!.summary!.text).toMatch(/300 EUR/);
    expect(await untouchedDump(['summarized-after-poison'])).toEqual(before);
  });

  it('completes well-formed summarize jobs nobody waits for without writing: an unknown session, a segment already summarized', async () => {
    const before = await dumpSessionKeys(redis, prefix);
    const q = queue(SUMMARIZE_QUEUE);
    const known = sessionOnPartition(1, 'seed');
    const request = (sessionId: string) => ({
      sessionId,
      segmentIndex: 0,
      segmentId: `${sessionId}.s0`,
      fromSeq: 0,
      toSeq: 3,
      previousSummarySegmentIndex: null,
      model: 'gpt-4o-mini',
      maxTokens: 400,
      sealedAt: '2026-01-01T00:00:00.000Z',
    });
    const jobs = [
      await q.add('summarize', { v: 1, tenant: TENANT, request: request('nobody-here') }),
      await q.add('summarize', { v: 1, tenant: 'unknown-tenant', request: request(known) }),
      await q.add('summarize', { v: 1, tenant: TENANT, request: request(known) }),
    ];
    await settled(q, jobs);
    for (const job of jobs) {
      const stored = await q.getJob(job.id!);
      expect(await stored!.getState()).toBe('completed');
      expect(stored!.returnvalue).toEqual({ skipped: true });
    }
    expect(await dumpSessionKeys(redis, prefix)).toEqual(before);
  });

  it('fails a summarize job whose data is not JSON at all (NaN from a foreign encoder) instead of taking it back forever', async () => {
    const before = await dumpSessionKeys(redis, prefix);
    const q = queue(SUMMARIZE_QUEUE);
    // A producer in another language wrote the job hash with an encoder that emits NaN.
    await q.pause();
    const job = await q.add('summarize', { placeholder: true }, SUMMARIZE_JOB_OPTIONS);
    await redis.hset(
      `${prefix}:${SUMMARIZE_QUEUE}:${job.id}`,
      'data',
      '{"v":1,"tenant":"acme","request":{"segmentIndex":NaN}}',
    );
    await q.resume();
    await settled(q, [job]);
    expect(await q.getJobState(job.id!)).toBe('failed');
    const [failedReason, attemptsMade] = await redis.hmget(
      `${prefix}:${SUMMARIZE_QUEUE}:${job.id}`,
      'failedReason',
      'atm',
    );
    expect(failedReason).toMatch(/^invalid summarize job: data is not valid JSON/);
    expect(Number(attemptsMade)).toBe(1);
    expect(await dumpSessionKeys(redis, prefix)).toEqual(before);
  });
});
