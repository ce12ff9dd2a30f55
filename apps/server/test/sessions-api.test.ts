import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { silentLogger } from '@threadline/observability';
import { testRedisUrl } from '@threadline/testing/vitest';
import { OPERATIONS } from '../src/openapi.ts';
import { startServer } from '../src/server.ts';
import { json, keys, problemOf, startTestApi, TENANT_A, type TestApi } from './api-harness.ts';

const url = testRedisUrl();
let api: TestApi;

beforeAll(async () => {
  api = await startTestApi(url, { label: 'api' });
});
afterAll(async () => {
  await api?.close();
});

const post = (path: string, payload: unknown) =>
  api.as(keys.tenantA, { method: 'POST', url: path, payload: payload as object });
const get = (path: string) => api.as(keys.tenantA, { method: 'GET', url: path });

async function createSession(body: Record<string, unknown>): Promise<string> {
  const response = await post('/v1/sessions', body);
  expect(response.statusCode).toBe(201);
  return json<{ sessionId: string }>(response).sessionId;
}

async function send(sessionId: string, payload: unknown): Promise<string[]> {
  const response = await post(`/v1/sessions/${sessionId}/events`, payload);
  expect(response.statusCode, response.body).toBe(202);
  return json<{ accepted: string[] }>(response).accepted;
}

describe('the session routes', () => {
  it('creates a session with the id given, or a new one, and refuses the same id twice (409)', async () => {
    expect(await createSession({ sessionId: 'created-1', systemPrompt: 'Be brief.' })).toBe(
      'created-1',
    );
    const generated = await createSession({});
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    const again = problemOf(await post('/v1/sessions', { sessionId: 'created-1' }), 409);
    expect(again.detail).toMatch(/session "created-1" already exists/);
    expect(again.errors).toEqual([
      { path: 'sessionId', rule: expect.stringMatching(/no session/) },
    ]);
  });

  it('accepts one event or a batch (202, eventIds in order) and reads them back once applied (waitFor)', async () => {
    const id = await createSession({ sessionId: 'rw-1', systemPrompt: 'You plan trips.' });
    const [first] = await send(id, {
      type: 'user_message',
      content: 'Plan 3 days in Rome.',
      eventId: 'u-1',
    });
    expect(first).toBe('u-1');
    const batch = await send(id, {
      events: [
        { type: 'assistant_message', content: 'Day 1: Colosseum.', model: 'gpt-4o' },
        {
          type: 'tool_call',
          tool: 'hotels',
          arguments: { city: 'Rome' },
          result: { name: 'Artemide' },
        },
        { type: 'user_message', content: 'Book it.', sessionId: id },
      ],
    });
    expect(batch).toHaveLength(3);
    const last = batch[2]!;

    const messages = json<{
      messages: Array<{ role: string; content: string | null }>;
      report: { includedEvents: number };
    }>(await get(`/v1/sessions/${id}/messages?waitFor=${last}`));
    expect(messages.messages.map((m) => m.role)).toEqual([
      'system',
      'user',
      'assistant',
      'assistant',
      'tool',
      'user',
    ]);
    expect(messages.report.includedEvents).toBe(4);

    const noSystem = json<{ messages: Array<{ role: string }> }>(
      await get(`/v1/sessions/${id}/messages?includeSystem=false&budget=100000`),
    );
    expect(noSystem.messages[0]!.role).toBe('user');

    const conversation = json<{ entries: Array<{ role: string; content: string }> }>(
      await get(`/v1/sessions/${id}/conversation?includeTools=true`),
    );
    expect(conversation.entries.map((e) => e.role)).toEqual(['user', 'assistant', 'tool', 'user']);
    const stats = json<{ totalMessages: number; toolCalls: number; sessionId: string }>(
      await get(`/v1/sessions/${id}/stats?allSegments=true`),
    );
    expect(stats).toMatchObject({ sessionId: id, totalMessages: 3, toolCalls: 1 });
  });

  it('applies a resent eventId once', async () => {
    const id = await createSession({ sessionId: 'idem-1' });
    await send(id, { type: 'user_message', content: 'Hello', eventId: 'same' });
    await send(id, { type: 'user_message', content: 'Hello', eventId: 'same' });
    const [last] = await send(id, { type: 'user_message', content: 'Still there?' });
    const stats = json<{ userMessages: number }>(
      await get(`/v1/sessions/${id}/stats?waitFor=${last}`),
    );
    expect(stats.userMessages).toBe(2);
  });

  it('replaces the system prompt in order with the other events (PUT system-prompt)', async () => {
    const id = await createSession({ sessionId: 'prompt-1', systemPrompt: 'Old prompt.' });
    await send(id, { type: 'user_message', content: 'Hi' });
    const response = await api.as(keys.tenantA, {
      method: 'PUT',
      url: `/v1/sessions/${id}/system-prompt`,
      payload: { systemPrompt: 'New prompt.' },
    });
    expect(response.statusCode).toBe(202);
    const [eventId] = json<{ accepted: string[] }>(response).accepted;
    const messages = json<{ messages: Array<{ role: string; content: string }> }>(
      await get(`/v1/sessions/${id}/messages?waitFor=${eventId}`),
    );
    expect(messages.messages[0]).toEqual({ role: 'system', content: 'New prompt.' });
  });

  it('seals, summarizes in the background, and shows the chain and the summary', async () => {
    const id = await createSession({
      sessionId: 'infinite-1',
      infiniteContext: true,
      maxTurnsPerSegment: 2,
    });
    await send(id, {
      events: [
        { type: 'user_message', content: 'I need 40 chairs for the wedding on 14 June.' },
        { type: 'assistant_message', content: 'Rental Co has 40 chairs at 3 EUR each.' },
      ],
    });
    const [last] = await send(id, { type: 'user_message', content: 'Book them please.' });
    await get(`/v1/sessions/${id}/stats?waitFor=${last}`);
    await api.fleet.runtime.idle();
    const chain = json<{
      segmentIds: string[];
      segments: Array<{ status: string; summary: { kind: string } | null }>;
    }>(await get(`/v1/sessions/${id}/chain`));
    expect(chain.segmentIds).toEqual([`${id}.s0`, `${id}.s1`]);
    expect(chain.segments.map((s) => s.status)).toEqual(['summarized', 'open']);
    expect(chain.segments[0]!.summary?.kind).toBe('extractive');
    const messages = json<{ messages: Array<{ role: string; content: string }> }>(
      await get(`/v1/sessions/${id}/messages`),
    );
    expect(messages.messages[0]!.content).toMatch(/40 chairs/);
    const all = json<{ entries: unknown[] }>(
      await get(`/v1/sessions/${id}/conversation?allSegments=true`),
    );
    expect(all.entries).toHaveLength(3);
    const open = json<{ entries: unknown[] }>(await get(`/v1/sessions/${id}/conversation`));
    expect(open.entries).toHaveLength(1);
  });

  it('exports the session as JSON lines: the session, its events in order, its segments', async () => {
    const id = await createSession({
      sessionId: 'export-1',
      infiniteContext: true,
      maxTurnsPerSegment: 2,
    });
    const ids = await send(id, {
      events: ['One', 'Two', 'Three'].map((content, i) => ({
        type: i % 2 ? 'assistant_message' : 'user_message',
        content,
      })),
    });
    const response = await get(`/v1/sessions/${id}/export?waitFor=${ids[2]}`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    const lines = response.body
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ kind: 'session', tenant: TENANT_A, sessionId: id });
    const events = lines.filter((l) => l['kind'] === 'event');
    expect(events.map((e) => [e['seq'], e['eventId'], e['content']])).toEqual([
      [0, ids[0], 'One'],
      [1, ids[1], 'Two'],
      [2, ids[2], 'Three'],
    ]);
    const segments = lines.filter((l) => l['kind'] === 'segment');
    expect(segments.map((s) => s['index'])).toEqual([0, 1]);
    expect(lines.indexOf(segments[0]!)).toBeGreaterThan(lines.indexOf(events[2]!));
  });

  it('erases every key of a session, summaries included (204), then knows it no more (404)', async () => {
    const id = await createSession({
      sessionId: 'delete-1',
      infiniteContext: true,
      maxTurnsPerSegment: 2,
    });
    const ids = await send(id, {
      events: ['a', 'b', 'c'].map((content, i) => ({
        type: i % 2 ? 'assistant_message' : 'user_message',
        content,
      })),
    });
    await get(`/v1/sessions/${id}/stats?waitFor=${ids[2]}`);
    await api.fleet.runtime.idle();
    const redis = new Redis(url);
    const pattern = `${api.fleet.topology.prefix}:{${TENANT_A}:${id}}:*`;
    // state, events, ids, segments, summaries, life
    expect((await redis.keys(pattern)).length).toBe(6);
    const erased = await api.as(keys.tenantA, { method: 'DELETE', url: `/v1/sessions/${id}` });
    expect(erased.statusCode).toBe(204);
    // Only the tombstone is left, and it expires.
    expect(await redis.keys(pattern)).toEqual([
      `${api.fleet.topology.prefix}:{${TENANT_A}:${id}}:life`,
    ]);
    expect(
      await redis.ttl(`${api.fleet.topology.prefix}:{${TENANT_A}:${id}}:life`),
    ).toBeGreaterThan(0);
    await redis.quit();
    for (const path of ['messages', 'conversation', 'stats', 'chain', 'export'])
      expect(problemOf(await get(`/v1/sessions/${id}/${path}`), 404).detail).toMatch(
        /does not exist/,
      );
    problemOf(await api.as(keys.tenantA, { method: 'DELETE', url: `/v1/sessions/${id}` }), 404);

    // The API refuses events for it (the worker would drop them: the tombstone, see the store
    // tests); an explicit create brings it back.
    problemOf(
      await api.as(keys.tenantA, {
        method: 'POST',
        url: `/v1/sessions/${id}/events`,
        payload: { type: 'user_message', content: 'late' },
      }),
      404,
    );
    const again = await api.as(keys.tenantA, {
      method: 'POST',
      url: '/v1/sessions',
      payload: { sessionId: id },
    });
    expect(again.statusCode).toBe(201);
    const [fresh] = await send(id, { type: 'user_message', content: 'again' });
    const messages = json(await get(`/v1/sessions/${id}/messages?waitFor=${fresh}`)) as {
      messages: { content: string }[];
    };
    expect(messages.messages.map((m) => m.content)).toEqual(['again']);
  });
});

describe('the operations routes', () => {
  it('answers /healthz, and /readyz when Redis answers and a session worker runs', async () => {
    expect(json(await api.as(null, { method: 'GET', url: '/healthz' }))).toEqual({ status: 'ok' });
    const ready = await api.as(null, { method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(json(ready)).toMatchObject({
      ready: true,
      checks: { redis: { ok: true }, sessionWorkers: { ok: true } },
    });
  });

  it('serves an OpenAPI 3.1 document generated from the zod schemas, listing every route, and a page', async () => {
    const doc = json<{
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    }>(await api.as(null, { method: 'GET', url: '/docs/openapi.json' }));
    expect(doc.openapi).toBe('3.1.0');
    for (const op of OPERATIONS) {
      expect(doc.paths[op.path]?.[op.method], `${op.method} ${op.path}`).toBeDefined();
      const fastifyUrl = op.path.replace(/\{(\w+)\}/g, ':$1');
      expect(
        api.app.hasRoute({ method: op.method.toUpperCase() as 'GET', url: fastifyUrl }),
        fastifyUrl,
      ).toBe(true);
    }
    expect(Object.keys(doc.components.schemas.CreateSession!.properties!)).toContain(
      'infiniteContext',
    );
    expect(JSON.stringify(doc.components.schemas.Event)).toContain('"maxLength":262144');
    const page = await api.as(null, { method: 'GET', url: '/docs' });
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('/docs/openapi.json');
    expect(page.body).toContain('/v1/sessions/{id}/events');
  });

  it('listens on a real port: create, post a conversation, read it back over HTTP', async () => {
    const server = await startServer({
      runtime: api.fleet.runtime,
      apiKeys: { [keys.tenantA]: TENANT_A },
      adminKey: keys.admin,
      logger: silentLogger,
      port: 0,
    });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const headers = {
        authorization: `Bearer ${keys.tenantA}`,
        'content-type': 'application/json',
      };
      const created = await fetch(`${server.url}/v1/sessions`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ systemPrompt: 'Be brief.' }),
      });
      const { sessionId } = (await created.json()) as { sessionId: string };
      const posted = await fetch(`${server.url}/v1/sessions/${sessionId}/events`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          events: [
            { type: 'user_message', content: 'Capital of Norway?' },
            { type: 'assistant_message', content: 'Oslo.' },
          ],
        }),
      });
      expect(posted.status).toBe(202);
      const { accepted } = (await posted.json()) as { accepted: string[] };
      const read = await fetch(
        `${server.url}/v1/sessions/${sessionId}/conversation?waitFor=${accepted[1]}`,
        { headers: { 'x-api-key': keys.tenantA } },
      );
      expect(
        ((await read.json()) as { entries: Array<{ content: string }> }).entries.map(
          (e) => e.content,
        ),
      ).toEqual(['Capital of Norway?', 'Oslo.']);
    } finally {
      await server.close();
    }
  });
});
