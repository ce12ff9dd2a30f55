import { get, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedisUrl } from '@threadline/testing/vitest';
import { keys, problemOf, startTestApi, type TestApi } from './api-harness.ts';

/**
 * `GET /v1/sessions/:id/stream` over a real socket (server-sent events are read as they come),
 * on real Redis, with a session worker and a summarizer.
 */
const url = testRedisUrl();

interface SseMessage {
  event: string;
  id?: string;
  data?: unknown;
  comment?: string;
}

/**
 * Opens a stream with node:http (closing it destroys the socket, as a browser leaving does) and
 * reads its messages as they arrive; `until` resolves once one matches.
 */
async function openStream(base: string, path: string, key: string) {
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const request = get(`${base}${path}`, { headers: { authorization: `Bearer ${key}` } }, resolve);
    request.on('error', reject);
  });
  const messages: SseMessage[] = [];
  const waiters: Array<() => void> = [];
  let closed = false;
  const done = (async () => {
    let buffer = '';
    try {
      for await (const chunk of response) {
        if (response.statusCode !== 200) continue;
        buffer += String(chunk);
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const message: SseMessage = { event: 'message' };
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) message.comment = line.slice(1).trim();
            else if (line.startsWith('event: ')) message.event = line.slice(7);
            else if (line.startsWith('id: ')) message.id = line.slice(4);
            else if (line.startsWith('data: ')) message.data = JSON.parse(line.slice(6));
          }
          messages.push(message);
          waiters.splice(0).forEach((w) => w());
        }
      }
    } catch {
      // Destroyed by the test.
    }
    closed = true;
    waiters.splice(0).forEach((w) => w());
  })();
  return {
    status: response.statusCode,
    headers: response.headers,
    messages,
    closed: () => closed,
    async until(match: (m: SseMessage) => boolean, timeoutMs = 15_000): Promise<SseMessage> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.find(match);
        if (found) return found;
        if (closed) throw new Error(`stream closed: ${JSON.stringify(messages)}`);
        if (Date.now() > deadline) throw new Error(`not seen: ${JSON.stringify(messages)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
    async close() {
      response.destroy();
      await done;
    },
    done,
  };
}

async function listening(api: TestApi): Promise<string> {
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  const address = api.app.server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return `http://127.0.0.1:${address.port}`;
}

async function create(api: TestApi, key: string, payload: Record<string, unknown>) {
  const created = await api.as(key, { method: 'POST', url: '/v1/sessions', payload });
  expect(created.statusCode, created.body).toBe(201);
}

describe('the stream of a session', () => {
  let api: TestApi;
  let base: string;
  beforeAll(async () => {
    api = await startTestApi(url, {
      label: 'stream',
      streams: { maxPerTenant: 2, heartbeatMs: 300, pollMinMs: 20, pollMaxMs: 200 },
    });
    base = await listening(api);
  });
  afterAll(async () => {
    await api?.close();
  });

  it('tells of events applied, segments sealed and summaries landed, in order, as they happen', async () => {
    await create(api, keys.tenantA, {
      sessionId: 'stream-1',
      infiniteContext: true,
      maxTurnsPerSegment: 2,
    });
    const stream = await openStream(base, '/v1/sessions/stream-1/stream', keys.tenantA);
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(stream.headers['cache-control']).toBe('no-store');
      expect(stream.headers['x-content-type-options']).toBe('nosniff');
      expect(await stream.until((m) => m.event === 'ready')).toMatchObject({
        data: { sessionId: 'stream-1' },
      });
      const posted = await api.as(keys.tenantA, {
        method: 'POST',
        url: '/v1/sessions/stream-1/events',
        payload: {
          events: [
            { type: 'user_message', content: 'Book a table for two.' },
            { type: 'assistant_message', content: 'For which evening?' },
            { type: 'user_message', content: 'Friday at eight.' },
          ],
        },
      });
      expect(posted.statusCode).toBe(202);
      // Three events applied; the third turn sealed segment 0, whose summary then landed.
      const landed = await stream.until((m) => m.event === 'summary.landed');
      expect(landed.data).toMatchObject({
        summary: {
          segmentIndex: 0,
          kind: 'extractive',
          fromSeq: 0,
          toSeq: 2,
          fallbackReason: null,
        },
      });
      const told = stream.messages.filter((m) => m.event !== 'message' && m.event !== 'ready');
      const applied = told.filter((m) => m.event === 'events.applied');
      expect(applied.at(0)).toMatchObject({ data: { fromSeq: 0 } });
      expect(applied.at(-1)).toMatchObject({ data: { toSeq: 3 } });
      // Every seq once, in order, over however many polls the worker's commits took.
      applied.forEach((m, i) => {
        if (i > 0)
          expect((m.data as { fromSeq: number }).fromSeq).toBe(
            (applied[i - 1]!.data as { toSeq: number }).toSeq,
          );
      });
      const sealed = told.find((m) => m.event === 'segment.sealed');
      expect(sealed?.data).toMatchObject({ segmentIndex: 0, segmentId: 'stream-1.s0' });
      const order = told.map((m) => m.event);
      expect(order.indexOf('segment.sealed')).toBeLessThan(order.indexOf('summary.landed'));
      // The id of a message is the session's version, growing.
      const ids = told.map((m) => Number(m.id));
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      // Quiet: a heartbeat comment keeps the connection.
      await stream.until((m) => m.comment === 'heartbeat');

      const deleted = await api.as(keys.tenantA, {
        method: 'DELETE',
        url: '/v1/sessions/stream-1',
      });
      expect(deleted.statusCode).toBe(204);
      await stream.until((m) => m.event === 'session.deleted');
      expect(await stream.until((m) => m.event === 'end')).toMatchObject({
        data: { reason: 'session-deleted' },
      });
      await stream.done;
      expect(stream.closed()).toBe(true);
    } finally {
      await stream.close();
    }
  });

  it('caps the open streams of a tenant, not of the others, and frees a place when one closes', async () => {
    await create(api, keys.tenantA, { sessionId: 'stream-cap' });
    await create(api, keys.tenantB, { sessionId: 'stream-cap' });
    const first = await openStream(base, '/v1/sessions/stream-cap/stream', keys.tenantA);
    const second = await openStream(base, '/v1/sessions/stream-cap/stream', keys.tenantA);
    try {
      await first.until((m) => m.event === 'ready');
      await second.until((m) => m.event === 'ready');
      const refused = await api.as(keys.tenantA, {
        method: 'GET',
        url: '/v1/sessions/stream-cap/stream',
      });
      expect(refused.headers['retry-after']).toBe('5');
      expect(problemOf(refused, 429).errors).toEqual([
        { path: 'stream', rule: 'at most 2 open streams per tenant (quota: open streams)' },
      ]);
      const other = await openStream(base, '/v1/sessions/stream-cap/stream', keys.tenantB);
      await other.until((m) => m.event === 'ready');
      await other.close();

      await first.close();
      // The server notices the client left and gives its place back.
      const deadline = Date.now() + 5000;
      let again = await openStream(base, '/v1/sessions/stream-cap/stream', keys.tenantA);
      while (again.status === 429 && Date.now() < deadline) {
        await again.close();
        await new Promise((resolve) => setTimeout(resolve, 50));
        again = await openStream(base, '/v1/sessions/stream-cap/stream', keys.tenantA);
      }
      await again.until((m) => m.event === 'ready');
      await again.close();
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('answers a HEAD at once, without taking a place', async () => {
    await create(api, keys.tenantA, { sessionId: 'stream-head' });
    for (let i = 0; i < 3; i++) {
      const head = await api.as(keys.tenantA, {
        method: 'HEAD',
        url: '/v1/sessions/stream-head/stream',
      });
      expect(head.statusCode).toBe(200);
      expect(head.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(head.body).toBe('');
    }
  });

  it('refuses an unknown session or a query field with a problem, before streaming', async () => {
    expect(
      problemOf(
        await api.as(keys.tenantA, { method: 'GET', url: '/v1/sessions/no-stream/stream' }),
        404,
      ).detail,
    ).toBe('session "no-stream" does not exist: create it with POST /v1/sessions');
    expect(
      problemOf(
        await api.as(keys.tenantA, {
          method: 'GET',
          url: '/v1/sessions/stream-cap/stream?since=4',
        }),
        400,
      ).errors,
    ).toEqual([{ path: 'query.since', rule: expect.stringMatching(/^unknown field/) }]);
  });
});

describe('the end of a stream', () => {
  it('ends a stream after its maximum duration, with the reason', async () => {
    const api = await startTestApi(url, { label: 'stream-max', streams: { maxDurationMs: 300 } });
    try {
      const base = await listening(api);
      await create(api, keys.tenantA, { sessionId: 'short' });
      const stream = await openStream(base, '/v1/sessions/short/stream', keys.tenantA);
      expect(await stream.until((m) => m.event === 'end')).toMatchObject({
        data: { reason: 'max-duration' },
      });
      await stream.done;
      expect(stream.closed()).toBe(true);
    } finally {
      await api.close();
    }
  });

  it('ends every open stream when the server closes (SIGTERM), without waiting for them', async () => {
    const api = await startTestApi(url, { label: 'stream-close' });
    let stream: Awaited<ReturnType<typeof openStream>> | undefined;
    try {
      const base = await listening(api);
      await create(api, keys.tenantA, { sessionId: 'closing' });
      stream = await openStream(base, '/v1/sessions/closing/stream', keys.tenantA);
      await stream.until((m) => m.event === 'ready');
      const started = Date.now();
      await api.app.close();
      expect(Date.now() - started).toBeLessThan(5000);
      expect(await stream.until((m) => m.event === 'end')).toMatchObject({
        data: { reason: 'shutdown' },
      });
      await stream.done;
      expect(stream.closed()).toBe(true);
    } finally {
      await stream?.close();
      await api.close();
    }
  });
});
