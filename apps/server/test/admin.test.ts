import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { eventQueueNames, partitionOf, SUMMARIZE_QUEUE } from '@threadline/queue';
import { dumpKeys, globEscape } from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';
import { json, keys, problemOf, startTestApi, TENANT_A, type TestApi } from './api-harness.ts';
import { fillRoute, routesOf } from './routes-of.ts';

const url = testRedisUrl();
/** No workers: what is enqueued stays waiting, so the counts can be compared with what was sent. */
let api: TestApi;

beforeAll(async () => {
  api = await startTestApi(url, { label: 'admin', workers: false });
});
afterAll(async () => {
  await api?.close();
});

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const ADMIN_ROUTES = ['/metrics', '/admin/queues', '/admin/queues/api/queues'];

describe('the admin routes', () => {
  it('refuses /metrics and the dashboard without a key (401, Basic challenge for the browser) and with a tenant key (403)', async () => {
    for (const path of ADMIN_ROUTES) {
      const none = await api.as(null, { method: 'GET', url: path });
      expect(problemOf(none, 401).detail).toMatch(/needs the admin key/);
      expect(none.headers['www-authenticate']).toMatch(/^Basic realm="threadline admin"/);
      problemOf(await api.as(keys.tenantB, { method: 'GET', url: path }), 403);
      problemOf(
        await api.as(null, {
          method: 'GET',
          url: path,
          headers: { authorization: basic('admin', keys.tenantA) },
        }),
        403,
      );
      problemOf(
        await api.as(null, {
          method: 'GET',
          url: path,
          headers: { authorization: basic('admin', 'wrong-password-123') },
        }),
        401,
      );
    }
  });

  it('opens them with the admin key as a Bearer token, as x-api-key, or as the Basic password of any user', async () => {
    for (const path of ADMIN_ROUTES)
      for (const headers of [
        { authorization: `Bearer ${keys.admin}` },
        { 'x-api-key': keys.admin },
        { authorization: basic('anyone', keys.admin) },
      ])
        expect((await api.as(null, { method: 'GET', url: path, headers })).statusCode, path).toBe(
          200,
        );
  });

  it('shows every event partition queue and the summarize queue, with the counts of what was enqueued', async () => {
    await api.as(keys.tenantA, {
      method: 'POST',
      url: '/v1/sessions',
      payload: { sessionId: 'board-1' },
    });
    const sent = await api.as(keys.tenantA, {
      method: 'POST',
      url: '/v1/sessions/board-1/events',
      payload: {
        events: [1, 2, 3].map((n) => ({ type: 'user_message', content: `message ${n}` })),
      },
    });
    expect(sent.statusCode).toBe(202);
    const board = json<{ queues: Array<{ name: string; counts: Record<string, number> }> }>(
      await api.as(keys.admin, { method: 'GET', url: '/admin/queues/api/queues' }),
    );
    const names = [...eventQueueNames(api.fleet.topology), SUMMARIZE_QUEUE];
    expect(board.queues.map((q) => q.name).sort()).toEqual([...names].sort());
    const partition = eventQueueNames(api.fleet.topology)[
      partitionOf(TENANT_A, 'board-1', api.fleet.topology.partitions)
    ]!;
    for (const queue of board.queues)
      expect(queue.counts['waiting'], queue.name).toBe(queue.name === partition ? 1 : 0); // 3 events, one job (8 per job)
    const page = await api.as(keys.admin, { method: 'GET', url: '/admin/queues' });
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('<base href="/admin/queues/" />');
    const script = /src="(static\/js\/main\.[^"]+)"/.exec(page.body)?.[1];
    const asset = await api.as(keys.admin, { method: 'GET', url: `/admin/queues/${script}` });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
  });

  it('keeps the dashboard read-only by default: no job can be removed from it', async () => {
    const partition = eventQueueNames(api.fleet.topology)[
      partitionOf(TENANT_A, 'board-1', api.fleet.topology.partitions)
    ]!;
    const before = await api.fleet.countJobs();
    const cleaned = await api.as(keys.admin, {
      method: 'PUT',
      url: `/admin/queues/api/queues/${encodeURIComponent(partition)}/clean/waiting`,
    });
    expect(cleaned.statusCode).toBeGreaterThanOrEqual(400);
    expect(await api.fleet.countJobs()).toBe(before);
  });

  it("exports Prometheus metrics: ours, BullMQ's queue counts and the process's, one HELP per metric", async () => {
    await api.as(keys.tenantA, {
      method: 'POST',
      url: '/v1/sessions',
      payload: { sessionId: 'metrics-1' },
    });
    await api.as(keys.tenantA, {
      method: 'POST',
      url: '/v1/sessions/metrics-1/events',
      payload: {
        events: [
          { type: 'user_message', content: 'a' },
          { type: 'user_message', content: 'b' },
        ],
      },
    });
    const response = await api.as(keys.admin, { method: 'GET', url: '/metrics' });
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = response.body;
    expect(text).toMatch(/^threadline_events_accepted_total\{source="http"\} ([5-9]|\d\d+)$/m);
    expect(text).toMatch(/^threadline_queue_depth\{queue="\{events-\d+\}"\} [1-9]/m);
    expect(text).toMatch(
      /^threadline_queue_oldest_waiting_age_seconds\{queue="\{events-\d+\}"\} \d/m,
    );
    expect(text).toMatch(/^threadline_queue_probe_up 1$/m);
    expect(text).toMatch(/^bullmq_job_count\{queue="\{summarize\}", state="waiting"\} 0$/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toMatch(
      /^threadline_http_requests_total\{method="POST",route="\/v1\/sessions\/:id\/events",status="202"\} \d+/m,
    );
    for (const metric of [
      'threadline_apply_latency_seconds',
      'threadline_summary_lag_seconds',
      'threadline_llm_tokens_total',
      'threadline_summaries_fell_back_total',
    ])
      expect(text).toContain(`# TYPE ${metric}`);
    const helps = text
      .split('\n')
      .filter((l) => l.startsWith('# HELP '))
      .map((l) => l.split(' ')[2]);
    expect(new Set(helps).size).toBe(helps.length);
  });
});

describe('every operator route refuses every key but the admin key', () => {
  const isOperatorRoute = (url: string) => url === '/metrics' || url.startsWith('/admin/queues');

  it('answers 401 without a key or with a wrong one, and 403 with a tenant key, on /metrics and every dashboard page, API and static route (enumerated from Fastify, every method), touching nothing in Redis', async () => {
    await api.as(keys.tenantA, {
      method: 'POST',
      url: '/v1/sessions',
      payload: { sessionId: 'board-guard' },
    });
    await api.as(keys.tenantA, {
      method: 'POST',
      url: '/v1/sessions/board-guard/events',
      payload: { type: 'user_message', content: 'a job for the dashboard to guard' },
    });
    const queueName = eventQueueNames(api.fleet.topology)[
      partitionOf(TENANT_A, 'board-guard', api.fleet.topology.partitions)
    ]!;
    const [job] = await api.fleet.runtime.producer.queue(queueName).getJobs(['waiting'], 0, 0);
    const params = {
      queueName,
      jobId: job!.id!,
      queueStatus: 'waiting',
      schedulerId: 'any',
      '*': 'static/js/main.js',
    };
    const routes = routesOf(api.app).filter((r) => isOperatorRoute(r.url));
    // Bull Board's mutations must be among them: they are what a wrong key must never reach.
    for (const mutation of ['/:queueName/obliterate', '/:queueName/empty', '/:queueName/add'])
      expect(routes.map((r) => r.url)).toContain(`/admin/queues/api/queues${mutation}`);
    expect(routes.length).toBeGreaterThan(40);

    const wrong = `admin-${'0'.repeat(24)}`;
    const ways: Array<[string, Record<string, string>, 401 | 403]> = [
      ['no key', {}, 401],
      ['a wrong Bearer key', { authorization: `Bearer ${wrong}` }, 401],
      ['a wrong x-api-key', { 'x-api-key': wrong }, 401],
      ['a wrong Basic password', { authorization: basic('admin', wrong) }, 401],
      ['the admin key as the Basic user name', { authorization: basic(keys.admin, '') }, 401],
      ['the admin key in capitals', { authorization: `Bearer ${keys.admin.toUpperCase()}` }, 401],
      ['the admin key and more', { authorization: `Bearer ${keys.admin}x` }, 401],
      ['a malformed Authorization', { authorization: `Bearer ${keys.admin} extra` }, 401],
      ['a tenant key as Bearer', { authorization: `Bearer ${keys.tenantA}` }, 403],
      ['a tenant key as x-api-key', { 'x-api-key': keys.tenantB }, 403],
      ['a tenant key as the Basic password', { authorization: basic('admin', keys.tenantA) }, 403],
    ];
    const redis = new Redis(url);
    try {
      const everything = `${globEscape(api.fleet.topology.prefix)}*`;
      const before = await dumpKeys(redis, everything);
      let refused = 0;
      for (const route of routes) {
        const target = fillRoute(route.url, params);
        for (const [way, headers, status] of ways) {
          const response = await api.as(null, {
            method: route.method as 'GET',
            url: target,
            headers,
            ...(['POST', 'PUT', 'PATCH'].includes(route.method)
              ? { payload: { name: 'x', data: {} } }
              : {}),
          });
          expect(response.statusCode, `${route.method} ${target} with ${way}`).toBe(status);
          if (route.method !== 'HEAD') problemOf(response, status);
          expect(response.body).not.toContain('a job for the dashboard to guard');
          refused++;
        }
      }
      expect(refused).toBe(routes.length * ways.length);
      expect(await dumpKeys(redis, everything)).toEqual(before);
      // The same targets open with the admin key (the parameters reach real routes).
      for (const route of routes.filter((r) => r.method === 'GET'))
        expect([401, 403], `GET ${fillRoute(route.url, params)} with the admin key`).not.toContain(
          (await api.as(keys.admin, { method: 'GET', url: fillRoute(route.url, params) }))
            .statusCode,
        );
    } finally {
      await redis.quit();
    }
  });

  it('gives no way around the key by spelling the path differently', async () => {
    for (const path of [
      '/Metrics',
      '/metrics/',
      '//metrics',
      '/metrics?x=1',
      '/%6Detrics',
      '/admin//queues',
      '/admin/queues/',
      '/ADMIN/queues',
      '/admin/queues/../../metrics',
      '/admin/queues/%2e%2e/%2e%2e/metrics',
      '/admin/queues/api/queues/',
      '/admin/%71ueues/api/queues',
      '/v1/../metrics',
      '/docs/../admin/queues/api/queues',
    ])
      for (const key of [null, keys.tenantA]) {
        const response = await api.as(key, { method: 'GET', url: path });
        expect([401, 403, 404], `${path} with ${key ? 'a tenant key' : 'no key'}`).toContain(
          response.statusCode,
        );
        expect(response.body).not.toMatch(/threadline_|"queues":/);
      }
  });
});
