import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
