import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { Redis } from 'ioredis';
import { eventQueueNames, partitionOf } from '@threadline/queue';
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
import { fillRoute, routesOf, type RegisteredRoute } from './routes-of.ts';

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
      // state, events, ids and the life key of each
      expect((await redis.keys(`${prefix}:{${TENANT_A}:same-id}:*`)).length).toBe(4);
      expect((await redis.keys(`${prefix}:{${TENANT_B}:same-id}:*`)).length).toBe(4);
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

      for (const path of [
        '',
        '/messages',
        '/conversation',
        '/stats',
        '/chain',
        '/summaries',
        '/export',
      ])
        expect(problemOf(await intruder.get(`/v1/sessions/${id}${path}`), 404).detail).toBe(
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

/**
 * What an intruder (a tenant's key) tries on one route against the victim's session, and what it
 * must get. Keyed by `METHOD url` as the router has it: a route the server gains without a case
 * here fails the test below, so every route is considered.
 */
interface IntrusionContext {
  victimId: string;
  /** The victim's last applied eventId (for `waitFor`). */
  victimEventId: string;
  /** Text only the victim's session holds (the intruder knows the id, not this): never in an answer to the intruder. */
  secrets: string[];
  /** The intruder's request, with its key (and the headers of the pass, see TENANT_HEADERS). */
  send(method: string, url: string, payload?: unknown): Promise<LightMyRequestResponse>;
  /** Path parameters of the admin routes, aimed at the victim's own queue and job. */
  adminParams: Record<string, string>;
}
type Intrusion = (ctx: IntrusionContext, route: RegisteredRoute) => Promise<void>;

/** The answer is a 404 problem (HEAD: a 404 with no body) and holds none of the victim's data. */
async function expectNotFound(
  ctx: IntrusionContext,
  response: LightMyRequestResponse,
  what: string,
) {
  expect(response.statusCode, what).toBe(404);
  if (response.body) problemOf(response, 404);
  for (const secret of ctx.secrets) expect(response.body, what).not.toContain(secret);
}

const sessionRead: Intrusion = async (ctx, route) => {
  const url = fillRoute(route.url, { id: ctx.victimId });
  for (const query of ['', `?waitFor=${ctx.victimEventId}&waitTimeoutMs=50`])
    await expectNotFound(
      ctx,
      await ctx.send(route.method, `${url}${query}`),
      `${route.method} ${url}${query}`,
    );
};

/** Public routes answer anyone, and must say nothing of any session. */
const publicRoute: Intrusion = async (ctx, route) => {
  const response = await ctx.send(route.method, route.url);
  expect([200, 503], `${route.method} ${route.url}`).toContain(response.statusCode);
  for (const secret of ctx.secrets) expect(response.body).not.toContain(secret);
};

/** Operator routes refuse a tenant's key before anything runs. */
const adminRoute: Intrusion = async (ctx, route) => {
  const url = fillRoute(route.url, ctx.adminParams);
  const payload = ['POST', 'PUT', 'PATCH'].includes(route.method) ? {} : undefined;
  const response = await ctx.send(route.method, url, payload);
  expect(response.statusCode, `${route.method} ${url}`).toBe(403);
  if (route.method !== 'HEAD') problemOf(response, 403);
  for (const secret of ctx.secrets) expect(response.body).not.toContain(secret);
};

const INTRUSIONS: Record<string, Intrusion> = {
  'POST /v1/sessions': async (ctx) => {
    // Taking the victim's id creates the intruder's own session; naming it as parent reads nothing.
    const created = await ctx.send('POST', '/v1/sessions', {
      sessionId: ctx.victimId,
      parentId: ctx.victimId,
    });
    expect(created.statusCode).toBe(201);
    for (const path of [
      'export',
      'chain',
      'conversation?allSegments=true',
      'messages',
      'stats',
      'summaries',
    ]) {
      const own = await ctx.send('GET', `/v1/sessions/${ctx.victimId}/${path}`);
      expect(own.statusCode, path).toBe(200);
      for (const secret of ctx.secrets) expect(own.body, path).not.toContain(secret);
    }
    expect((await ctx.send('DELETE', `/v1/sessions/${ctx.victimId}`)).statusCode).toBe(204);
  },
  'PATCH /v1/sessions/:id': async (ctx, route) => {
    const url = fillRoute(route.url, { id: ctx.victimId });
    for (const payload of [
      { metadata: { owner: 'intruder' } },
      { retentionSeconds: 1 },
      { metadata: { plan: null }, retentionSeconds: null },
    ])
      await expectNotFound(ctx, await ctx.send('PATCH', url, payload), JSON.stringify(payload));
  },
  'DELETE /v1/subjects/:subjectId': async (ctx, route) => {
    // The victim's subject, named by the intruder: its own (empty) subject, nothing erased.
    const url = fillRoute(route.url, { subjectId: `subject-${ctx.victimId}` });
    const answer = await ctx.send('DELETE', url);
    expect(answer.statusCode, url).toBe(200);
    expect(json(answer)).toEqual({ subjectId: `subject-${ctx.victimId}`, erasedSessions: [] });
  },
  'DELETE /v1/sessions/:id': async (ctx, route) =>
    expectNotFound(
      ctx,
      await ctx.send('DELETE', fillRoute(route.url, { id: ctx.victimId })),
      'DELETE',
    ),
  'POST /v1/sessions/:id/events': async (ctx, route) => {
    const url = fillRoute(route.url, { id: ctx.victimId });
    for (const payload of [
      { type: 'user_message', content: 'intrusion' },
      { type: 'user_message', content: 'intrusion', sessionId: ctx.victimId },
      {
        events: [
          { type: 'tool_call', tool: 'x', arguments: {} },
          { type: 'user_message', content: 'y' },
        ],
      },
      { type: 'user_message', content: 'x', eventId: ctx.victimEventId },
    ])
      await expectNotFound(ctx, await ctx.send('POST', url, payload), JSON.stringify(payload));
  },
  'PUT /v1/sessions/:id/system-prompt': async (ctx, route) =>
    expectNotFound(
      ctx,
      await ctx.send('PUT', fillRoute(route.url, { id: ctx.victimId }), {
        systemPrompt: 'intrusion',
      }),
      'PUT system-prompt',
    ),
  ...Object.fromEntries(
    ['messages', 'conversation', 'stats', 'chain', 'summaries', 'export'].flatMap((read) =>
      ['GET', 'HEAD'].map((method) => [`${method} /v1/sessions/:id/${read}`, sessionRead]),
    ),
  ),
  // The stream takes no query: the intruder's plain request is a 404 before anything is streamed.
  ...Object.fromEntries(
    ['GET', 'HEAD'].map((method) => [
      `${method} /v1/sessions/:id/stream`,
      async (ctx: IntrusionContext, route: RegisteredRoute) => {
        const url = fillRoute(route.url, { id: ctx.victimId });
        await expectNotFound(ctx, await ctx.send(route.method, url), `${route.method} ${url}`);
      },
    ]),
  ),
  'GET /v1/sessions/:id': sessionRead,
  'HEAD /v1/sessions/:id': sessionRead,
  ...Object.fromEntries(
    ['/healthz', '/readyz', '/docs', '/docs/openapi.json'].flatMap((url) =>
      ['GET', 'HEAD'].map((method) => [`${method} ${url}`, publicRoute]),
    ),
  ),
};

/**
 * Headers a proxy or a careless route might take as the tenant: the tenant is the API key's, so
 * every intrusion is tried a second time with each of these naming the victim's tenant.
 */
const tenantHeaders = (tenant: string): Record<string, string> => ({
  'x-tenant-id': tenant,
  'x-tenant': tenant,
  tenant,
  'x-threadline-tenant': tenant,
  'x-forwarded-tenant': tenant,
  'x-org-id': tenant,
});

/** Every route under these prefixes is an operator route (the admin key's hook is on their plugin). */
const isAdminRoute = (url: string) => url === '/metrics' || url.startsWith('/admin/queues');

describe('tenant isolation on every route of the server', () => {
  /** B's conversation, applied, with words no other session has. */
  async function victimSession(owner: ReturnType<typeof as>, label: string) {
    const secret = `secret-${label}-${randomBytes(6).toString('hex')}`;
    const victimId = `victim-${label}-${randomBytes(4).toString('hex')}`;
    const words = [`${secret}-said`, `${secret}-answered`];
    expect(
      (
        await owner.post('/v1/sessions', {
          sessionId: victimId,
          subjectId: `subject-${victimId}`,
          systemPrompt: `${secret}-prompt`,
          metadata: { tag: `${secret}-meta` },
        })
      ).statusCode,
    ).toBe(201);
    const posted = await owner.post(`/v1/sessions/${victimId}/events`, {
      events: [
        { type: 'user_message', content: words[0] },
        {
          type: 'tool_call',
          tool: `${secret}-tool`,
          arguments: { q: `${secret}-args` },
          result: { r: `${secret}-result` },
        },
        { type: 'assistant_message', content: words[1], model: 'gpt-4o' },
      ],
    });
    const victimEventId = json<{ accepted: string[] }>(posted).accepted.at(-1)!;
    expect(
      (await owner.get(`/v1/sessions/${victimId}/stats?waitFor=${victimEventId}`)).statusCode,
    ).toBe(200);
    return { victimId, victimEventId, secrets: [secret] };
  }

  for (const [victimName, victimTenant, victimKey, intruderKey] of [
    ['B', TENANT_B, keys.tenantB, keys.tenantA],
    ['A', TENANT_A, keys.tenantA, keys.tenantB],
  ] as const) {
    it(`lets the other tenant read, write, list, export or delete none of ${victimName}'s sessions through any route (enumerated from Fastify), and leaves ${victimName}'s keys byte-for-byte unchanged`, async () => {
      const redis = new Redis(url);
      try {
        const owner = as(victimKey);
        const victim = await victimSession(owner, victimName.toLowerCase());
        const prefix = api.fleet.topology.prefix;
        const victimKeys = `${globEscape(prefix)}:{${victimTenant}:*`;
        const before = await dumpKeys(redis, victimKeys);
        expect(Object.keys(before).length).toBeGreaterThanOrEqual(3);
        const jobsBefore = await api.fleet.countJobs();
        const queueName = eventQueueNames(api.fleet.topology)[
          partitionOf(victimTenant, victim.victimId, api.fleet.topology.partitions)
        ]!;
        const [job] = await api.fleet.runtime.producer
          .queue(queueName)
          .getJobs(['completed'], 0, 0);
        expect(job?.data.sessionId).toBe(victim.victimId);

        let headers: Record<string, string> = {};
        const ctx: IntrusionContext = {
          ...victim,
          send: (method, path, payload) =>
            api.as(intruderKey, {
              method: method as 'GET',
              url: path,
              headers,
              ...(payload === undefined ? {} : { payload: payload as object }),
            }),
          adminParams: {
            queueName,
            jobId: job!.id!,
            queueStatus: 'completed',
            schedulerId: 'any',
            '*': 'static/js/main.js',
          },
        };
        const routes = routesOf(api.app);
        const uncovered = routes.filter(
          (r) => !isAdminRoute(r.url) && !INTRUSIONS[`${r.method} ${r.url}`],
        );
        expect(uncovered, 'routes without an intrusion case: add one to INTRUSIONS').toEqual([]);
        for (const pass of [{}, tenantHeaders(victimTenant)]) {
          headers = pass;
          let tried = 0;
          for (const route of routes) {
            await (
              isAdminRoute(route.url) ? adminRoute : INTRUSIONS[`${route.method} ${route.url}`]!
            )(ctx, route);
            tried++;
          }
          expect(tried).toBeGreaterThan(60); // Bull Board's API alone has dozens
        }

        expect(await dumpKeys(redis, victimKeys)).toEqual(before);
        expect(await api.fleet.countJobs()).toBe(jobsBefore);
        // The owner still reads it all.
        const exported = (await owner.get(`/v1/sessions/${victim.victimId}/export`)).body;
        expect(exported).toContain(`${victim.secrets[0]}-result`);
      } finally {
        await redis.quit();
      }
    });
  }
});
