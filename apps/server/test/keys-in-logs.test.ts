import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import {
  deleteKeysWithPrefix,
  findFreePort,
  startFakeLlm,
  uniquePrefix,
} from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';
import { keys, memoryLogger, startTestApi, type TestApi } from './api-harness.ts';

const url = testRedisUrl();
const log = memoryLogger();
let api: TestApi;

beforeAll(async () => {
  api = await startTestApi(url, { label: 'logs', logger: log.logger });
});
afterAll(async () => {
  await api?.close();
});

const basic = (password: string) =>
  `Basic ${Buffer.from(`someone:${password}`).toString('base64')}`;

describe('keys in logs', () => {
  it('never writes an API key or the admin key, whatever the request, even at trace level', async () => {
    const almost = (key: string) => `${key.slice(0, -1)}X`;
    const ways = (key: string) => [
      { authorization: `Bearer ${key}` },
      { 'x-api-key': key },
      { authorization: basic(key) },
      { authorization: `Bearer ${almost(key)}` },
      { 'x-api-key': almost(key) },
      { authorization: `bearer   ${key}  ` },
      { authorization: `Token ${key}` },
    ];
    const requests: Array<{
      method: 'GET' | 'POST' | 'PUT' | 'DELETE';
      url: string;
      payload?: unknown;
    }> = [
      { method: 'POST', url: '/v1/sessions', payload: { sessionId: 'log-1' } },
      {
        method: 'POST',
        url: '/v1/sessions/log-1/events',
        payload: { type: 'user_message', content: 'hello' },
      },
      {
        method: 'POST',
        url: '/v1/sessions/log-1/events',
        payload: { type: 'user_message', content: 42 },
      },
      {
        method: 'PUT',
        url: '/v1/sessions/log-1/system-prompt',
        payload: { systemPrompt: 'Be brief.' },
      },
      { method: 'GET', url: '/v1/sessions/log-1/messages?budget=100' },
      { method: 'GET', url: '/v1/sessions/log-1/stats?waitFor=nope&waitTimeoutMs=20' },
      { method: 'GET', url: '/v1/sessions/log-1/export' },
      { method: 'GET', url: '/v1/sessions/missing/chain' },
      { method: 'DELETE', url: '/v1/sessions/missing' },
      { method: 'GET', url: '/metrics' },
      { method: 'GET', url: '/admin/queues' },
      { method: 'GET', url: '/admin/queues/api/queues' },
      { method: 'GET', url: '/readyz' },
      { method: 'GET', url: '/nowhere' },
    ];
    let sent = 0;
    for (const key of [keys.tenantA, keys.tenantB, keys.admin])
      for (const headers of ways(key))
        for (const request of requests) {
          await api.app.inject({
            method: request.method,
            url: request.url,
            headers,
            payload: request.payload as object,
          });
          sent++;
        }
    expect(sent).toBeGreaterThan(250);

    const text = log.text();
    const lines = text.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(sent); // at least the trace line of each request
    expect(text).toContain('"authorization":"[redacted]"');
    expect(text).toContain('"x-api-key":"[redacted]"');
    for (const key of [keys.tenantA, keys.tenantB, keys.admin]) {
      expect(text).not.toContain(key);
      expect(text).not.toContain(key.slice(6)); // the secret part, in any wrapping
      expect(text).not.toContain(Buffer.from(`someone:${key}`).toString('base64'));
    }
  });
});

/**
 * Everything a log reader could recover from the captured text: the text itself, plus every
 * Buffer serialized into it (`{"type":"Buffer","data":[…]}`, how pino writes one) decoded back to
 * text, since a raw request packet logged that way holds its headers.
 */
function readableText(logText: string): string {
  const decoded: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      if (record['type'] === 'Buffer' && Array.isArray(record['data']))
        decoded.push(Buffer.from(record['data'] as number[]).toString('latin1'));
      Object.values(record).forEach(walk);
    }
  };
  for (const line of logText.split('\n')) if (line.trim()) walk(JSON.parse(line));
  return `${logText}\n${decoded.join('\n')}`;
}

/**
 * The forms of a key a log could hold it in: itself, pieces of it, base64 and base64url at each
 * alignment, URL-encoded, its hex (either case) or its bytes.
 */
function formsOf(key: string): string[] {
  const forms = [key, encodeURIComponent(key)];
  for (let i = 0; i + 10 <= key.length; i++) forms.push(key.slice(i, i + 10));
  for (let shift = 0; shift < 3; shift++)
    for (const encoding of ['base64', 'base64url'] as const) {
      const encoded = Buffer.from(`${'u'.repeat(shift)}${key}`).toString(encoding);
      forms.push(encoded.replace(/=+$/, '').slice(4, -4));
    }
  forms.push(Buffer.from(key).toString('hex'));
  forms.push(Buffer.from(key).toString('hex').toUpperCase());
  forms.push([...Buffer.from(key.slice(-12))].join(','));
  return forms;
}

describe('keys in logs, under load over real HTTP', () => {
  it('never writes a valid, invalid or admin key in any form, from hundreds of concurrent requests, malformed ones included', async () => {
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = api.app.server.address() as AddressInfo;
    const base = `http://127.0.0.1:${port}`;
    const invalid = [
      `key-z-${randomBytes(12).toString('hex')}`,
      `admin-${randomBytes(12).toString('hex')}`,
    ];
    const sentKeys = [keys.tenantA, keys.tenantB, keys.admin, ...invalid];
    const ways = (key: string): Array<Record<string, string>> => [
      { authorization: `Bearer ${key}` },
      { 'x-api-key': key },
      { authorization: `Basic ${Buffer.from(`a:${key}`).toString('base64')}` },
      { authorization: `Basic ${Buffer.from(`ab:${key}`).toString('base64')}` },
      { authorization: `Basic ${Buffer.from(`:${key}`).toString('base64')}` },
      { authorization: `Bearer ${key} trailing` },
      { authorization: `${key}` },
      { authorization: `Bearer ${key}`, 'x-api-key': key },
    ];
    const targets: Array<{ method: string; path: string; body?: unknown }> = [
      { method: 'POST', path: '/v1/sessions', body: { sessionId: 'load-1' } },
      {
        method: 'POST',
        path: '/v1/sessions/load-1/events',
        body: { type: 'user_message', content: 'hi' },
      },
      { method: 'POST', path: '/v1/sessions/load-1/events', body: { type: 'bogus' } },
      { method: 'GET', path: '/v1/sessions/load-1/messages?waitFor=nope&waitTimeoutMs=10' },
      { method: 'GET', path: '/v1/sessions/load-1/export' },
      { method: 'DELETE', path: '/v1/sessions/gone' },
      { method: 'GET', path: '/metrics' },
      { method: 'GET', path: '/admin/queues/api/queues' },
      { method: 'PUT', path: '/admin/queues/api/queues/x/obliterate', body: {} },
      { method: 'GET', path: '/readyz' },
      { method: 'GET', path: '/nowhere' },
    ];
    const requests: Array<() => Promise<unknown>> = [];
    for (const key of sentKeys)
      for (const headers of ways(key))
        for (const target of targets)
          requests.push(() =>
            fetch(`${base}${target.path}`, {
              method: target.method,
              headers: {
                ...headers,
                ...(target.body === undefined ? {} : { 'content-type': 'application/json' }),
              },
              body: target.body === undefined ? undefined : JSON.stringify(target.body),
            }).then((r) => r.arrayBuffer()),
          );
    // Requests Node's HTTP parser refuses: Fastify's default handler would log their raw bytes.
    const raw = (text: string) => () =>
      new Promise<void>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => socket.end(text));
        socket.on('data', () => undefined);
        socket.on('close', () => resolve());
        socket.on('error', () => resolve());
      });
    for (const key of sentKeys) {
      requests.push(
        raw(
          `GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nBad Header\r\n\r\n`,
        ),
      );
      requests.push(
        raw(
          `GET /v1/sessions/a/stats HTTP/1.1\r\nHost: x\r\nx-api-key: ${key}\r\nX: ${'y'.repeat(20_000)}\r\n\r\n`,
        ),
      );
      requests.push(
        raw(
          `POST /v1/sessions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\nhello`,
        ),
      );
    }
    expect(requests.length).toBeGreaterThan(400);
    // 32 in flight at a time.
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < requests.length) await requests[next++]!();
      }),
    );

    const text = readableText(log.text());
    expect(text).toContain('client error'); // the malformed requests were logged (their error, not their bytes)
    expect(text).toContain('"x-api-key":"[redacted]"');
    for (const key of sentKeys)
      for (const form of formsOf(key))
        expect(text.includes(form), `${form} (a form of a key) is in the log`).toBe(false);
  });
});

const CLI_MAIN = fileURLToPath(new URL('../../cli/src/main.ts', import.meta.url));

describe('secrets in the logs of a whole run with faults', () => {
  it('writes no API key, admin key or LLM key in any form at trace level, though the LLM echoes its key in a 401 and clients send cookies and proxy credentials', async () => {
    const apiKey = `run-a-${randomBytes(12).toString('hex')}`;
    const otherKey = `run-b-${randomBytes(12).toString('hex')}`;
    const adminKey = `run-admin-${randomBytes(12).toString('hex')}`;
    const llmKey = `sk-proj-${randomBytes(16).toString('hex')}`;
    const secrets = [apiKey, otherKey, adminKey, llmKey];
    // The provider knows another key: every call is a 401 that repeats the key it was sent.
    const llm = await startFakeLlm({
      apiKey: `sk-other-${randomBytes(8).toString('hex')}`,
      echoKeyOnRefusal: true,
    });
    const prefix = uniquePrefix('secrets-run');
    const port = await findFreePort();
    const child = spawn(process.execPath, ['--import', 'tsx', CLI_MAIN, 'start'], {
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: process.env['HOME'] ?? '',
        REDIS_URL: url,
        THREADLINE_PREFIX: prefix,
        THREADLINE_PARTITIONS: '2',
        PORT: String(port),
        HOST: '127.0.0.1',
        THREADLINE_API_KEYS: `${apiKey}=acme,${otherKey}=globex`,
        THREADLINE_ADMIN_KEY: adminKey,
        THREADLINE_LLM_BASE_URL: llm.url,
        THREADLINE_LLM_API_KEY: llmKey,
        THREADLINE_LLM_MODEL: 'gpt-4o-mini',
        LOG_LEVEL: 'trace',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    const base = `http://127.0.0.1:${port}`;
    try {
      const deadline = Date.now() + 60_000;
      while (
        !(await fetch(`${base}/healthz`).then(
          (r) => r.ok,
          () => false,
        ))
      ) {
        if (child.exitCode !== null || Date.now() > deadline)
          throw new Error(`threadline start did not answer:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const basic = (key: string) => `Basic ${Buffer.from(`u:${key}`).toString('base64')}`;
      // Credentials in every header a client or a proxy puts them in.
      const credentialHeaders = (key: string): Record<string, string> => ({
        cookie: `session=${key}; other=${encodeURIComponent(key)}`,
        'proxy-authorization': basic(key),
        'x-forwarded-authorization': `Bearer ${key}`,
      });
      const send = (path: string, key: string, init: RequestInit = {}) =>
        fetch(`${base}${path}`, {
          ...init,
          headers: {
            authorization: `Bearer ${key}`,
            'content-type': 'application/json',
            ...credentialHeaders(key),
            ...(init.headers as Record<string, string> | undefined),
          },
        }).then(async (r) => ({ status: r.status, body: await r.text() }));
      expect(
        (
          await send('/v1/sessions', apiKey, {
            method: 'POST',
            body: JSON.stringify({
              sessionId: 'faulty',
              infiniteContext: true,
              maxTurnsPerSegment: 2,
            }),
          })
        ).status,
      ).toBe(201);
      const events = Array.from({ length: 6 }, (_, i) => ({
        type: 'user_message',
        content: `m${i}`,
      }));
      expect(
        (
          await send('/v1/sessions/faulty/events', apiKey, {
            method: 'POST',
            body: JSON.stringify({ events }),
          })
        ).status,
      ).toBe(202);
      // Refused requests: the other keys where they do not belong, and a wrong key.
      for (const key of [adminKey, llmKey, `${apiKey}x`])
        expect((await send('/v1/sessions/faulty/stats', key)).status).toBeGreaterThanOrEqual(401);
      expect((await send('/metrics', otherKey)).status).toBe(403);
      expect((await send('/metrics', adminKey)).status).toBe(200);
      // The seal's LLM call fails with the echoing 401; the extractive summary stands in.
      let chain = '';
      for (let i = 0; i < 300 && !chain.includes('"fallbackReason":"'); i++) {
        await new Promise((r) => setTimeout(r, 100));
        chain = (await send('/v1/sessions/faulty/chain', apiKey)).body;
      }
      expect(chain).toContain('"kind":"extractive"');
      expect(llm.stats().unauthorized).toBeGreaterThan(0);
    } finally {
      child.kill('SIGTERM');
      await exited;
      await llm.close();
      const redis = new Redis(url);
      await deleteKeysWithPrefix(redis, prefix);
      await redis.quit();
    }

    // The faults were logged, their credentials were not.
    expect(output).toContain('LLM summary failed');
    expect(output).toContain('answered 401 (provider error code invalid_api_key)');
    expect(output).toContain('"cookie":"[redacted]"');
    expect(output).toContain('"proxy-authorization":"[redacted]"');
    expect(output).toContain('"x-forwarded-authorization":"[redacted]"');
    // Every line, and every Buffer serialized in a JSON line decoded back to text.
    const jsonLines = output.split('\n').filter((l) => l.startsWith('{'));
    expect(jsonLines.length).toBeGreaterThan(20);
    const text = `${output}\n${readableText(jsonLines.join('\n'))}`;
    for (const key of secrets)
      for (const form of formsOf(key))
        expect(text.includes(form), `${form} (a form of a key) is in the log`).toBe(false);
  });
});
