import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { eventQueueNames } from '@threadline/queue';
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

const url = testRedisUrl();
let api: TestApi;

beforeAll(async () => {
  api = await startTestApi(url, { label: 'tenants' });
});
afterAll(async () => {
  await api?.close();
});

const as = (key: string) => ({
  post: (path: string, payload: unknown) =>
    api.as(key, { method: 'POST', url: path, payload: payload as object }),
  put: (path: string, payload: unknown) =>
    api.as(key, { method: 'PUT', url: path, payload: payload as object }),
  get: (path: string) => api.as(key, { method: 'GET', url: path }),
  delete: (path: string) => api.as(key, { method: 'DELETE', url: path }),
});
const a = as(keys.tenantA);
const b = as(keys.tenantB);

/** Records a conversation for one tenant and waits until it is applied; returns its export. */
async function converse(
  who: ReturnType<typeof as>,
  sessionId: string,
  words: string[],
): Promise<string> {
  expect(
    (await who.post('/v1/sessions', { sessionId, systemPrompt: `prompt of ${words[0]}` }))
      .statusCode,
  ).toBe(201);
  const posted = await who.post(`/v1/sessions/${sessionId}/events`, {
    events: words.map((content) => ({ type: 'user_message', content })),
  });
  const accepted = json<{ accepted: string[] }>(posted).accepted;
  return (await who.get(`/v1/sessions/${sessionId}/export?waitFor=${accepted.at(-1)}`)).body;
}

/** The export of a session without the export's own time stamp. */
const stable = (ndjson: string) => ndjson.replace(/"exportedAt":"[^"]+",/, '');

describe('tenant isolation', () => {
  it("keeps two tenants' sessions with the same id apart, in the API and in every Redis key", async () => {
    const exportA = await converse(a, 'same-id', ['alpha', 'apple']);
    const exportB = await converse(b, 'same-id', ['bravo', 'banana', 'berry']);
    const conversationA = json<{ entries: Array<{ content: string }> }>(
      await a.get('/v1/sessions/same-id/conversation'),
    );
    const conversationB = json<{ entries: Array<{ content: string }> }>(
      await b.get('/v1/sessions/same-id/conversation'),
    );
    expect(conversationA.entries.map((e) => e.content)).toEqual(['alpha', 'apple']);
    expect(conversationB.entries.map((e) => e.content)).toEqual(['bravo', 'banana', 'berry']);
    expect(exportA).toContain(`"tenant":"${TENANT_A}"`);
    expect(exportA).not.toContain('bravo');
    expect(exportB).not.toContain('alpha');

    const redis = new Redis(url);
    try {
      const prefix = api.fleet.topology.prefix;
      expect((await redis.keys(`${prefix}:{${TENANT_A}:same-id}:*`)).length).toBe(3);
      expect((await redis.keys(`${prefix}:{${TENANT_B}:same-id}:*`)).length).toBe(3);
      // The runtime's own tenant is never used: every key carries the tenant of the API key.
      expect(await redis.keys(`${prefix}:{runtime-tenant-unused:*`)).toEqual([]);
    } finally {
      await redis.quit();
    }
  });

  for (const [name, owner, intruder] of [
    ['A', a, b],
    ['B', b, a],
  ] as const) {
    it(`lets no other tenant read, write, export or delete ${name}'s session, and leaves it unchanged`, async () => {
      const id = `only-${name.toLowerCase()}`;
      const before = stable(await converse(owner, id, ['private', 'notes']));
      const jobsBefore = await api.fleet.countJobs();

      for (const path of ['messages', 'conversation', 'stats', 'chain', 'export'])
        expect(problemOf(await intruder.get(`/v1/sessions/${id}/${path}`), 404).detail).toBe(
          `session "${id}" does not exist: create it with POST /v1/sessions`,
        );
      problemOf(
        await intruder.post(`/v1/sessions/${id}/events`, {
          type: 'user_message',
          content: 'intrusion',
        }),
        404,
      );
      problemOf(
        await intruder.put(`/v1/sessions/${id}/system-prompt`, { systemPrompt: 'intrusion' }),
        404,
      );
      problemOf(await intruder.delete(`/v1/sessions/${id}`), 404);
      // Naming the owner's session in the event does not reach it either: the path's session is the intruder's.
      problemOf(
        await intruder.post(`/v1/sessions/${id}/events`, {
          type: 'user_message',
          content: 'x',
          sessionId: id,
        }),
        404,
      );
      expect(await api.fleet.countJobs()).toBe(jobsBefore);

      // The intruder may create its own session by that id: a different session.
      expect((await intruder.post('/v1/sessions', { sessionId: id })).statusCode).toBe(201);
      const posted = await intruder.post(`/v1/sessions/${id}/events`, {
        type: 'user_message',
        content: 'mine',
      });
      const [eventId] = json<{ accepted: string[] }>(posted).accepted;
      await intruder.get(`/v1/sessions/${id}/stats?waitFor=${eventId}`);
      expect((await intruder.delete(`/v1/sessions/${id}`)).statusCode).toBe(204);

      expect(stable((await owner.get(`/v1/sessions/${id}/export`)).body)).toBe(before);
    });
  }

  it('puts the tenant of the key, not one from the body, on the queued job', async () => {
    const idle = await startTestApi(url, { label: 'tenants-jobs', workers: false });
    try {
      await idle.as(keys.tenantB, {
        method: 'POST',
        url: '/v1/sessions',
        payload: { sessionId: 'job-check' },
      });
      const refused = await idle.as(keys.tenantB, {
        method: 'POST',
        url: '/v1/sessions/job-check/events',
        payload: { type: 'user_message', content: 'hi', tenant: TENANT_A },
      });
      expect(problemOf(refused, 400).errors).toEqual([
        { path: 'tenant', rule: expect.stringMatching(/^unknown field/) },
      ]);
      await idle.as(keys.tenantB, {
        method: 'POST',
        url: '/v1/sessions/job-check/events',
        payload: { type: 'user_message', content: 'hi' },
      });
      const jobs = (
        await Promise.all(
          eventQueueNames(idle.fleet.topology).map((n) =>
            idle.fleet.runtime.producer.queue(n).getWaiting(),
          ),
        )
      ).flat();
      expect(jobs.map((j) => [j.data.tenant, j.data.sessionId])).toEqual([[TENANT_B, 'job-check']]);
    } finally {
      await idle.close();
    }
  });
});
