import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { eventQueueName, partitionOf } from '@threadline/queue';
import { sessionKeys } from '@threadline/store';
import { dumpKeys, globEscape } from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';
import {
  json,
  keys,
  problemOf,
  startTestApi,
  TENANT_A,
  TENANT_B,
  type TestApi,
} from './api-harness.ts';

/**
 * Retention and PATCH through HTTP, on real Redis with a session worker: the retention a new
 * session gets (its create, else the tenant's default, else the server's), the expiry Redis
 * holds for it, and what changing a session does and refuses.
 */
const url = testRedisUrl();
let api: TestApi;
let redis: Redis;

beforeAll(async () => {
  api = await startTestApi(url, {
    label: 'lifecycle',
    retention: { defaultSeconds: 3600, byTenant: { [TENANT_B]: null } },
  });
  redis = new Redis(url);
});
afterAll(async () => {
  await redis?.quit();
  await api?.close();
});

const as = (key: string) => ({
  post: (path: string, payload: unknown) =>
    api.as(key, { method: 'POST', url: path, payload: payload as object }),
  patch: (path: string, payload?: unknown) =>
    api.as(key, {
      method: 'PATCH',
      url: path,
      ...(payload === undefined ? {} : { payload: payload as object }),
    }),
  get: (path: string) => api.as(key, { method: 'GET', url: path }),
});
const a = as(keys.tenantA);
const b = as(keys.tenantB);

interface Info {
  config: { retentionSeconds: number | null };
  metadata: Record<string, unknown>;
  updatedAt: string;
}

/** The expiry Redis holds for the session's state key, in seconds (-1: none). */
const ttlOf = (tenant: string, sessionId: string) =>
  redis.ttl(sessionKeys(api.fleet.topology.prefix, { tenant, sessionId }).state);

describe('session retention and PATCH', () => {
  it("gives a new session the retention its create names, else its tenant's default, else the server's", async () => {
    expect((await a.post('/v1/sessions', { sessionId: 'ret-server' })).statusCode).toBe(201);
    expect((await b.post('/v1/sessions', { sessionId: 'ret-tenant' })).statusCode).toBe(201);
    expect(
      (await a.post('/v1/sessions', { sessionId: 'ret-own', retentionSeconds: 120 })).statusCode,
    ).toBe(201);
    expect(
      (await b.post('/v1/sessions', { sessionId: 'ret-own-b', retentionSeconds: 90 })).statusCode,
    ).toBe(201);

    const retention = async (client: typeof a, id: string) =>
      json<Info>(await client.get(`/v1/sessions/${id}`)).config.retentionSeconds;
    expect(await retention(a, 'ret-server')).toBe(3600);
    expect(await retention(b, 'ret-tenant')).toBeNull();
    expect(await retention(a, 'ret-own')).toBe(120);
    expect(await retention(b, 'ret-own-b')).toBe(90);

    const serverTtl = await ttlOf(TENANT_A, 'ret-server');
    expect(serverTtl).toBeGreaterThan(3590);
    expect(serverTtl).toBeLessThanOrEqual(3600);
    expect(await ttlOf(TENANT_B, 'ret-tenant')).toBe(-1);
    expect(await ttlOf(TENANT_A, 'ret-own')).toBeLessThanOrEqual(120);

    const bad = problemOf(
      await a.post('/v1/sessions', { sessionId: 'ret-bad', retentionSeconds: 0 }),
      400,
    );
    expect(bad.errors).toEqual([
      { path: 'retentionSeconds', rule: expect.stringMatching(/>=\s*1|at least 1/) },
    ]);
    problemOf(await a.get('/v1/sessions/ret-bad'), 404);
  });

  it('merges metadata (null removes a key), changes the retention and the expiry Redis holds, and answers the session', async () => {
    await a.post('/v1/sessions', {
      sessionId: 'patched',
      metadata: { plan: 'free', channel: 'web', tags: ['beta'] },
    });
    const before = json<Info>(await a.get('/v1/sessions/patched'));
    const changed = await a.patch('/v1/sessions/patched', {
      metadata: { plan: 'pro', channel: null, region: 'eu' },
      retentionSeconds: 600,
    });
    expect(changed.statusCode).toBe(200);
    const info = json<Info>(changed);
    expect(info.metadata).toEqual({ plan: 'pro', tags: ['beta'], region: 'eu' });
    expect(info.config.retentionSeconds).toBe(600);
    expect(info.updatedAt >= before.updatedAt).toBe(true);
    expect(json<Info>(await a.get('/v1/sessions/patched'))).toEqual(info);
    const ttl = await ttlOf(TENANT_A, 'patched');
    expect(ttl).toBeGreaterThan(590);
    expect(ttl).toBeLessThanOrEqual(600);

    // Kept until deleted: every key loses its expiry.
    const kept = json<Info>(await a.patch('/v1/sessions/patched', { retentionSeconds: null }));
    expect(kept.config.retentionSeconds).toBeNull();
    expect(kept.metadata).toEqual(info.metadata);
    expect(await ttlOf(TENANT_A, 'patched')).toBe(-1);
  });

  it('refuses a bad patch with the field and the rule, and changes nothing', async () => {
    await a.post('/v1/sessions', { sessionId: 'unpatched', metadata: { plan: 'free' } });
    const before = json<Info>(await a.get('/v1/sessions/unpatched'));
    const cases: Array<[unknown, string]> = [
      [{}, 'body'],
      [{ retentionSeconds: -5 }, 'retentionSeconds'],
      [{ retentionSeconds: 'a week' }, 'retentionSeconds'],
      [{ metadata: 'plan=pro' }, 'metadata'],
      [{ metadata: { plan: 'pro' }, systemPrompt: 'no' }, 'systemPrompt'],
      [{ metadata: { big: 'x'.repeat(17_000) } }, 'metadata'],
    ];
    for (const [payload, path] of cases) {
      const problem = problemOf(await a.patch('/v1/sessions/unpatched', payload), 400);
      expect(
        problem.errors?.map((e) => e.path),
        JSON.stringify(payload),
      ).toContain(path);
    }
    problemOf(await a.patch('/v1/sessions/unpatched'), 400);
    expect(json<Info>(await a.get('/v1/sessions/unpatched'))).toEqual(before);
    problemOf(await a.patch('/v1/sessions/nobody', { metadata: { a: 1 } }), 404);
    problemOf(await b.patch('/v1/sessions/unpatched', { metadata: { a: 1 } }), 404);
  });

  it('expires a session idle past its retention: 404 for reads and events, and it can be created again', async () => {
    await a.post('/v1/sessions', { sessionId: 'short-lived', retentionSeconds: 1 });
    const sent = await a.post('/v1/sessions/short-lived/events', {
      type: 'user_message',
      content: 'remember the code 4417',
    });
    const [eventId] = json<{ accepted: string[] }>(sent).accepted;
    expect((await a.get(`/v1/sessions/short-lived/stats?waitFor=${eventId}`)).statusCode).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2200));
    problemOf(await a.get('/v1/sessions/short-lived'), 404);
    problemOf(
      await a.post('/v1/sessions/short-lived/events', { type: 'user_message', content: 'hello?' }),
      404,
    );
    const pattern = `${api.fleet.topology.prefix}:{${TENANT_A}:short-lived}:*`;
    expect(await redis.keys(pattern)).toEqual([
      sessionKeys(api.fleet.topology.prefix, { tenant: TENANT_A, sessionId: 'short-lived' }).life,
    ]);
    expect((await a.post('/v1/sessions', { sessionId: 'short-lived' })).statusCode).toBe(201);
    const conversation = json<{ entries: unknown[] }>(
      await a.get('/v1/sessions/short-lived/conversation?allSegments=true'),
    );
    expect(conversation.entries).toEqual([]);
  });

  it('erases a deleted session everywhere in Redis: its keys, and the queued, delayed, completed and failed jobs that carry its content', async () => {
    const marker = `ZEBRA-${randomBytes(6).toString('hex')}`;
    const kept = `OKAPI-${randomBytes(6).toString('hex')}`;
    const prefix = api.fleet.topology.prefix;
    const converse = async (sessionId: string, word: string) => {
      await a.post('/v1/sessions', { sessionId, infiniteContext: true, maxTurnsPerSegment: 2 });
      const sent = await a.post(`/v1/sessions/${sessionId}/events`, {
        events: [
          { type: 'user_message', content: `My locker code is ${word}.` },
          { type: 'assistant_message', content: `Noted: ${word}.` },
          { type: 'user_message', content: `Repeat ${word} tomorrow.` },
        ],
      });
      const ids = json<{ accepted: string[] }>(sent).accepted;
      await a.get(`/v1/sessions/${sessionId}/stats?waitFor=${ids.at(-1)}`);
    };
    await converse('erase-me', marker);
    await converse('keep-me', kept);
    await api.fleet.runtime.idle();
    // Jobs of the session in other states, with ids of a producer's own (found by their data).
    const queue = api.fleet.runtime.producer.queue(
      eventQueueName(partitionOf(TENANT_A, 'erase-me', api.fleet.topology.partitions)),
    );
    const job = (content: string, extra: Record<string, unknown> = {}) => ({
      v: 1,
      tenant: TENANT_A,
      sessionId: 'erase-me',
      events: [
        {
          type: 'user_message',
          content,
          eventId: `own-${randomBytes(4).toString('hex')}`,
          ...extra,
        },
      ],
    });
    await queue.add('events', job(`later ${marker}`), {
      jobId: 'platform-delayed-1',
      delay: 600_000,
    });
    const poisoned = await queue.add('events', job(`bad ${marker}`, { mood: 'no such field' }), {
      jobId: 'platform-failed-1',
    });
    const deadline = Date.now() + 10_000;
    while ((await poisoned.getState()) !== 'failed') {
      if (Date.now() > deadline) throw new Error('the poisoned job did not fail');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const everything = async () => JSON.stringify(await dumpKeys(redis, `${globEscape(prefix)}*`));
    const before = await everything();
    expect(before).toContain(marker);
    expect(before.split(marker).length).toBeGreaterThan(5);

    expect(
      (await api.as(keys.tenantA, { method: 'DELETE', url: '/v1/sessions/erase-me' })).statusCode,
    ).toBe(204);
    const after = await everything();
    expect(after).not.toContain(marker);
    // Nothing of the other session went with it.
    expect(after.split(kept).length).toBe(before.split(kept).length);
    expect(
      json<{ entries: unknown[] }>(
        await a.get('/v1/sessions/keep-me/conversation?allSegments=true'),
      ).entries,
    ).toHaveLength(3);
  });

  it('erases every session of a subject and nothing else; summaries waiting for it are removed, and a late answer lands nowhere', async () => {
    const marker = `IBIS-${randomBytes(6).toString('hex')}`;
    const other = `TAPIR-${randomBytes(6).toString('hex')}`;
    const prefix = api.fleet.topology.prefix;
    const tenantA = api.fleet.runtime.forTenant(TENANT_A);
    const summarizer = api.fleet.summarizers[0]!.worker;
    await summarizer.pause();
    try {
      const converse = async (sessionId: string, subjectId: string, word: string) => {
        await a.post('/v1/sessions', {
          sessionId,
          subjectId,
          infiniteContext: true,
          maxTurnsPerSegment: 2,
        });
        const sent = await a.post(`/v1/sessions/${sessionId}/events`, {
          events: [
            { type: 'user_message', content: `I am ${word}.` },
            { type: 'assistant_message', content: `Hello ${word}.` },
            { type: 'user_message', content: `Bye from ${word}.` },
          ],
        });
        const ids = json<{ accepted: string[] }>(sent).accepted;
        await a.get(`/v1/sessions/${sessionId}/stats?waitFor=${ids.at(-1)}`);
      };
      await converse('subj-1', 'user-7', marker);
      await converse('subj-2', 'user-7', marker);
      await converse('subj-3', 'user-8', other);
      expect(json<{ subjectId: string }>(await a.get('/v1/sessions/subj-1')).subjectId).toBe(
        'user-7',
      );
      expect(await api.fleet.runtime.store.sessionsOfSubject(TENANT_A, 'user-7')).toEqual([
        'subj-1',
        'subj-2',
      ]);
      const { life } = (await tenantA.session('subj-1')).session.context;
      expect((await tenantA.session('subj-1')).session.value).toBe('summarizing');

      const erased = await api.as(keys.tenantA, { method: 'DELETE', url: '/v1/subjects/user-7' });
      expect(erased.statusCode).toBe(200);
      expect(json(erased)).toEqual({ subjectId: 'user-7', erasedSessions: ['subj-1', 'subj-2'] });
      problemOf(await a.get('/v1/sessions/subj-1'), 404);
      problemOf(await a.get('/v1/sessions/subj-2'), 404);
      expect(await api.fleet.runtime.store.sessionsOfSubject(TENANT_A, 'user-7')).toEqual([]);

      // The answer of a summary that was being made when the subject was erased.
      const [job] = await api.fleet.runtime.producer.enqueue(
        TENANT_A,
        [
          {
            type: 'summary_ready',
            eventId: `summary-${life}-0`,
            sessionId: 'subj-1',
            occurredAt: new Date().toISOString(),
            segmentIndex: 0,
            segmentId: 'subj-1.s0',
            summary: {
              text: `Late: ${marker}.`,
              items: [],
              kind: 'llm',
              model: 'gpt-4o-mini',
              promptTokens: 1,
              completionTokens: 1,
              costNano: 0,
              attempts: 1,
              fallbackReason: null,
            },
          } as never,
        ],
        1,
        life,
      );
      const queue = api.fleet.runtime.producer.queue(job!.queue);
      const deadline = Date.now() + 10_000;
      while (await queue.getJob(job!.jobId)) {
        if (Date.now() > deadline) throw new Error('the late answer is still in its queue');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      summarizer.resume();
    }
    await api.fleet.runtime.idle();
    problemOf(await a.get('/v1/sessions/subj-1'), 404);
    const everything = JSON.stringify(await dumpKeys(redis, `${globEscape(prefix)}*`));
    expect(everything).not.toContain(marker);
    expect(everything).toContain(other);
    expect((await a.get('/v1/sessions/subj-3')).statusCode).toBe(200);
    // Erasing again is a no-op that says so.
    expect(
      json(await api.as(keys.tenantA, { method: 'DELETE', url: '/v1/subjects/user-7' })),
    ).toEqual({
      subjectId: 'user-7',
      erasedSessions: [],
    });
    problemOf(
      await api.as(keys.tenantA, { method: 'DELETE', url: '/v1/subjects/not%20an%20id' }),
      400,
    );
  });
});
