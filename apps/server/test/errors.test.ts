import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import {
  dumpKeys,
  globEscape,
  startRedisServer,
  type RedisServerHandle,
} from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';
import { json, keys, problemOf, startTestApi, TENANT_A, type TestApi } from './api-harness.ts';

const url = testRedisUrl();
/** A server with workers, and one without (events stay queued: waitFor times out, /readyz says why). */
let api: TestApi;
let idle: TestApi;

beforeAll(async () => {
  [api, idle] = await Promise.all([
    startTestApi(url, { label: 'errors', bodyLimitBytes: 64 * 1024 }),
    startTestApi(url, { label: 'errors-idle', workers: false }),
  ]);
  for (const target of [api, idle]) {
    const created = await target.as(keys.tenantA, {
      method: 'POST',
      url: '/v1/sessions',
      payload: { sessionId: 'known' },
    });
    expect(created.statusCode).toBe(201);
  }
});
afterAll(async () => {
  await Promise.all([api?.close(), idle?.close()]);
});

const postEvents = (
  payload: unknown,
  headers: Record<string, string> = {},
  key: string | null = keys.tenantA,
) =>
  api.as(key, {
    method: 'POST',
    url: '/v1/sessions/known/events',
    payload: payload as string,
    headers: { 'content-type': 'application/json', ...headers },
  });

/** Runs `refused` and checks that no job was added to any queue of the server. */
async function nothingEnqueued(target: TestApi, refused: () => Promise<void>): Promise<void> {
  const before = await target.fleet.countJobs();
  await refused();
  expect(await target.fleet.countJobs()).toBe(before);
}

describe('400: the request names each field and rule', () => {
  it('refuses a body that is not JSON, saying where it broke', async () => {
    await nothingEnqueued(api, async () => {
      const problem = problemOf(await postEvents('{"type": "user_message", "content": '), 400);
      expect(problem.errors).toEqual([
        { path: 'body', rule: expect.stringMatching(/^expected JSON: /) },
      ]);
      expect(problem.type).toMatch(/invalid-request$/);
    });
  });

  it('refuses invalid fields with their path and rule, and a batch all or nothing', async () => {
    await nothingEnqueued(api, async () => {
      const problem = problemOf(
        await postEvents(
          JSON.stringify({
            events: [
              { type: 'user_message', content: 'fine' },
              { type: 'user_message', content: 'x'.repeat(10), metadata: [] },
              { type: 'assistant_message', content: 'ok', usage: { promptTokens: -1 } },
              { type: 'telepathy', content: 'hm' },
              { type: 'user_message', content: 'hi', colour: 'blue' },
            ],
          }),
        ),
        400,
      );
      expect(problem.errors).toEqual([
        { path: 'events[1].metadata', rule: 'expected a JSON object' },
        { path: 'events[2].usage.promptTokens', rule: 'expected a value >= 0' },
        {
          path: 'events[3].type',
          rule: expect.stringMatching(/^expected "type" to be one of "user_message"/),
        },
        { path: 'events[4].colour', rule: expect.stringMatching(/^unknown field/) },
      ]);
      expect(problem.detail).toMatch(/^events\[1\]\.metadata: expected a JSON object; /);
    });
  });

  it("names the rule of a content over the limit, and of a sessionId that is not the path's", async () => {
    await nothingEnqueued(api, async () => {
      const tooLong = problemOf(
        await postEvents(JSON.stringify({ type: 'user_message', content: 'é'.repeat(262_145) })),
        413,
      );
      expect(tooLong.errors[0]!.path).toBe('body'); // 64 KiB limit on this server: the size rule comes first
      const other = problemOf(
        await postEvents(
          JSON.stringify({ type: 'user_message', content: 'hi', sessionId: 'other' }),
        ),
        400,
      );
      expect(other.errors).toEqual([
        { path: 'sessionId', rule: 'expected the session of the path, "known" (or leave it out)' },
      ]);
      const empty = problemOf(await postEvents(JSON.stringify({ events: [] })), 400);
      expect(empty.errors).toEqual([{ path: 'events', rule: 'expected at least 1 item' }]);
      const notObject = problemOf(await postEvents('[1, 2]'), 400);
      expect(notObject.errors[0]).toEqual({
        path: 'body',
        rule: expect.stringMatching(/expected a JSON object/),
      });
    });
  });

  it('refuses bad query and path parameters, naming them', async () => {
    const bad = problemOf(
      await api.as(keys.tenantA, {
        method: 'GET',
        url: '/v1/sessions/known/messages?budget=lots&includeSystem=maybe&budjet=1',
      }),
      400,
    );
    expect(bad.errors).toEqual([
      { path: 'query.budget', rule: 'expected a whole number' },
      { path: 'query.includeSystem', rule: expect.stringMatching(/^expected one of .*"true"/) },
      { path: 'query.budjet', rule: expect.stringMatching(/^unknown field/) },
    ]);
    const badId = problemOf(
      await api.as(keys.tenantA, { method: 'GET', url: '/v1/sessions/has%20space/stats' }),
      400,
    );
    expect(badId.errors).toEqual([
      { path: 'params.id', rule: expect.stringMatching(/^expected 1 to 128 characters/) },
    ]);
    const longId = problemOf(
      await api.as(keys.tenantA, { method: 'GET', url: `/v1/sessions/${'a'.repeat(129)}/stats` }),
      400,
    );
    expect(longId.errors[0]!.path).toBe('params.id');
    const waitTooLong = problemOf(
      await api.as(keys.tenantA, {
        method: 'GET',
        url: '/v1/sessions/known/stats?waitFor=x&waitTimeoutMs=3600000',
      }),
      400,
    );
    expect(waitTooLong.errors).toEqual([
      { path: 'query.waitTimeoutMs', rule: 'expected a value <= 30000' },
    ]);
  });

  it('refuses invalid session settings on create, writing nothing', async () => {
    const problem = problemOf(
      await api.as(keys.tenantA, {
        method: 'POST',
        url: '/v1/sessions',
        payload: { sessionId: 'never', tokenThreshold: 0, infiniteContext: 'yes' },
      }),
      400,
    );
    expect(problem.errors).toEqual([
      { path: 'infiniteContext', rule: 'expected boolean, received string' },
      { path: 'tokenThreshold', rule: 'expected a value >= 1' },
    ]);
    problemOf(await api.as(keys.tenantA, { method: 'GET', url: '/v1/sessions/never/stats' }), 404);
  });
});

describe('401 and 403: who may do what', () => {
  it('asks for a key (401 with a Bearer challenge) when there is none, or an unknown or malformed one', async () => {
    await nothingEnqueued(api, async () => {
      const none = await postEvents(
        JSON.stringify({ type: 'user_message', content: 'hi' }),
        {},
        null,
      );
      expect(problemOf(none, 401).detail).toMatch(/Authorization: Bearer <key>/);
      expect(none.headers['www-authenticate']).toBe('Bearer realm="threadline"');
      const unknown = await postEvents(
        JSON.stringify({ type: 'user_message', content: 'hi' }),
        {},
        'not-a-key-of-this-server',
      );
      expect(problemOf(unknown, 401).detail).toBe('the API key is not one this server knows');
      const malformed = await postEvents(
        JSON.stringify({ type: 'user_message', content: 'hi' }),
        { authorization: 'Token abc def' },
        null,
      );
      expect(problemOf(malformed, 401).errors[0]!.path).toBe('headers.authorization');
    });
  });

  it('refuses the admin key on the tenant API (403), and a tenant key on the operator routes (403)', async () => {
    const admin = problemOf(
      await api.as(keys.admin, { method: 'GET', url: '/v1/sessions/known/stats' }),
      403,
    );
    expect(admin.detail).toMatch(/admin key is for \/metrics/);
    for (const path of ['/metrics', '/admin/queues', '/admin/queues/api/queues'])
      expect(
        problemOf(await api.as(keys.tenantA, { method: 'GET', url: path }), 403).detail,
      ).toMatch(/use the admin key/);
  });
});

describe('404, 409, 413, 415', () => {
  it('answers 404 for a session this tenant does not have, and for an unknown route', async () => {
    await nothingEnqueued(api, async () => {
      const events = await api.as(keys.tenantA, {
        method: 'POST',
        url: '/v1/sessions/nobody/events',
        payload: { type: 'user_message', content: 'hi' },
      });
      expect(problemOf(events, 404).detail).toBe(
        'session "nobody" does not exist: create it with POST /v1/sessions',
      );
      problemOf(
        await api.as(keys.tenantA, {
          method: 'PUT',
          url: '/v1/sessions/nobody/system-prompt',
          payload: { systemPrompt: 'x' },
        }),
        404,
      );
    });
    expect(
      problemOf(await api.as(keys.tenantA, { method: 'GET', url: '/v2/nothing' }), 404).detail,
    ).toMatch(/no route GET \/v2\/nothing/);
  });

  // The fixed wait answers at its first check (milliseconds); one that waited for its 30 s
  // timeout would be ended by this test's 20 s limit first.
  it('answers 404 at once to a wait on a session this tenant does not have', async () => {
    const wait = await api.as(keys.tenantA, {
      method: 'GET',
      url: '/v1/sessions/nobody/stats?waitFor=x&waitTimeoutMs=30000',
    });
    expect(problemOf(wait, 404).detail).toMatch(/session "nobody" does not exist/);
  }, 20_000);

  it('answers 409 for a session id taken, 413 for a body over the limit, 415 for a body that is not JSON', async () => {
    problemOf(
      await api.as(keys.tenantA, {
        method: 'POST',
        url: '/v1/sessions',
        payload: { sessionId: 'known' },
      }),
      409,
    );
    await nothingEnqueued(api, async () => {
      const big = JSON.stringify({ type: 'user_message', content: 'x'.repeat(70 * 1024) });
      expect(problemOf(await postEvents(big), 413).type).toMatch(/body-too-large$/);
      const text = await postEvents('hello', { 'content-type': 'text/plain' });
      expect(problemOf(text, 415).errors).toEqual([
        { path: 'headers.content-type', rule: 'expected application/json (UTF-8)' },
      ]);
      const latin1 = await postEvents(JSON.stringify({ type: 'user_message', content: 'hi' }), {
        'content-type': 'application/json; charset=latin1',
      });
      expect(problemOf(latin1, 415).detail).toMatch(/charset=latin1/);
      const form = await postEvents('type=user_message', {
        'content-type': 'application/x-www-form-urlencoded',
      });
      problemOf(form, 415);
    });
  });
});

describe('429: a token bucket per tenant', () => {
  it('refuses a tenant over its rate with Retry-After, and leaves the other tenants alone', async () => {
    const limited = await startTestApi(url, {
      label: 'errors-429',
      workers: false,
      rateLimit: { ratePerSecond: 1, burst: 3 },
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++)
        statuses.push(
          (await limited.as(keys.tenantA, { method: 'GET', url: '/v1/sessions/any/stats' }))
            .statusCode,
        );
      expect(statuses).toEqual([404, 404, 404, 429, 429]);
      const refused = await limited.as(keys.tenantA, {
        method: 'GET',
        url: '/v1/sessions/any/stats',
      });
      expect(problemOf(refused, 429).detail).toMatch(/over its request rate; retry in 1 s/);
      expect(refused.headers['retry-after']).toBe('1');
      expect(
        (await limited.as(keys.tenantB, { method: 'GET', url: '/v1/sessions/any/stats' }))
          .statusCode,
      ).toBe(404);
    } finally {
      await limited.close();
    }
  });
});

describe('503 and 504: the store refuses, a wait runs out', () => {
  let own: RedisServerHandle;
  beforeAll(async () => {
    own = await startRedisServer({ args: ['--maxmemory-policy', 'noeviction'] });
  });
  afterAll(async () => {
    await own?.stop();
  });

  it('answers 503 with Retry-After to every write when Redis is out of memory (create, one event, a batch over several jobs, a prompt change), leaves every key as it was, and recovers by itself when memory frees', async () => {
    // Workers too: they meet the same full Redis, and must pick up once it has room again.
    const oom = await startTestApi(own.url, { label: 'errors-oom' });
    const admin = new Redis(own.url);
    const everything = `${globEscape(oom.fleet.topology.prefix)}*`;
    const write = (method: 'POST' | 'PUT', path: string, payload: unknown) =>
      oom.as(keys.tenantA, { method, url: path, payload: payload as object });
    const batch = (n: number, tag: string) => ({
      events: Array.from({ length: n }, (_, i) => ({
        type: i % 3 === 2 ? 'tool_call' : 'user_message',
        ...(i % 3 === 2 ? { tool: 'lookup', arguments: { i }, result: { ok: true } } : {}),
        ...(i % 3 === 2 ? {} : { content: `${tag} ${i}` }),
        eventId: `${tag}-${i}`,
      })),
    });
    try {
      expect((await write('POST', '/v1/sessions', { sessionId: 's' })).statusCode).toBe(201);
      const first = await write('POST', '/v1/sessions/s/events', batch(3, 'before'));
      expect(first.statusCode).toBe(202);
      await oom.as(keys.tenantA, { method: 'GET', url: '/v1/sessions/s/stats?waitFor=before-2' });
      const keysBefore = await dumpKeys(admin, everything);
      const jobsBefore = await oom.fleet.countJobs();

      await admin.config('SET', 'maxmemory', '1');
      const refusals = [
        [
          'one event',
          await write('POST', '/v1/sessions/s/events', { type: 'user_message', content: 'hi' }),
        ],
        // 20 events, 8 per job: three jobs in one addBulk, none of which may land alone.
        ['a batch', await write('POST', '/v1/sessions/s/events', batch(20, 'during'))],
        [
          'a prompt change',
          await write('PUT', '/v1/sessions/s/system-prompt', { systemPrompt: 'new' }),
        ],
        ['a create', await write('POST', '/v1/sessions', { sessionId: 't', systemPrompt: 'p' })],
        ['a create with a generated id', await write('POST', '/v1/sessions', {})],
      ] as const;
      for (const [what, refused] of refusals) {
        expect(problemOf(refused, 503).detail, what).toMatch(
          /OOM command not allowed.*nothing was written: retry later/,
        );
        expect(refused.headers['retry-after'], what).toBe('5');
      }
      // Reads still answer while Redis is full.
      expect(
        (await oom.as(keys.tenantA, { method: 'GET', url: '/v1/sessions/s/conversation' }))
          .statusCode,
      ).toBe(200);
      expect(await oom.fleet.countJobs()).toBe(jobsBefore);
      const keysDuring = await dumpKeys(admin, everything);
      const sessionKeys = (dump: typeof keysBefore) =>
        Object.fromEntries(Object.entries(dump).filter(([k]) => k.includes(`:{${TENANT_A}:`)));
      expect(sessionKeys(keysDuring)).toEqual(sessionKeys(keysBefore));
      // Nothing new or changed anywhere under the prefix, queues included, but for the workers'
      // own bookkeeping (a worker may take a queue's marker, or fail to set its stalled-check).
      const bookkeeping = /:(marker|stalled-check)$/;
      const withoutBookkeeping = (dump: typeof keysBefore) =>
        Object.fromEntries(Object.entries(dump).filter(([k]) => !bookkeeping.test(k)));
      expect(withoutBookkeeping(keysDuring)).toEqual(withoutBookkeeping(keysBefore));

      // Memory frees: the same requests now go through, with no restart of anything.
      await admin.config('SET', 'maxmemory', '0');
      problemOf(await oom.as(keys.tenantA, { method: 'GET', url: '/v1/sessions/t/stats' }), 404);
      expect((await write('POST', '/v1/sessions', { sessionId: 't' })).statusCode).toBe(201);
      expect((await write('POST', '/v1/sessions/s/events', batch(20, 'during'))).statusCode).toBe(
        202,
      );
      const applied = await oom.as(keys.tenantA, {
        method: 'GET',
        url: '/v1/sessions/s/conversation?includeTools=true&waitFor=during-19&waitTimeoutMs=20000',
      });
      expect(applied.statusCode).toBe(200);
      expect(
        json<{ entries: Array<{ eventId: string }> }>(applied).entries.map((e) => e.eventId),
      ).toEqual([
        ...Array.from({ length: 3 }, (_, i) => `before-${i}`),
        ...Array.from({ length: 20 }, (_, i) => `during-${i}`),
      ]);
    } finally {
      await admin.config('SET', 'maxmemory', '0');
      admin.disconnect();
      await oom.close();
    }
  });

  it('answers 504 when waitFor runs out (no worker applies the event), and /readyz says why (503)', async () => {
    const posted = await idle.as(keys.tenantA, {
      method: 'POST',
      url: '/v1/sessions/known/events',
      payload: { type: 'user_message', content: 'hi' },
    });
    const [eventId] = json<{ accepted: string[] }>(posted).accepted;
    const started = Date.now();
    const waited = await idle.as(keys.tenantA, {
      method: 'GET',
      url: `/v1/sessions/known/messages?waitFor=${eventId}&waitTimeoutMs=300`,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    const problem = problemOf(waited, 504);
    expect(problem.detail).toMatch(/was not applied within 300 ms: ask again/);
    const ready = await idle.as(null, { method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(json(ready)).toMatchObject({
      ready: false,
      checks: {
        redis: { ok: true },
        sessionWorkers: { ok: false, detail: expect.stringMatching(/no session worker/) },
      },
    });
  });
});
