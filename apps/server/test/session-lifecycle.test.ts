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
});
