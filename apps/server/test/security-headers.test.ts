import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedisUrl } from '@threadline/testing/vitest';
import { keys, startTestApi, type TestApi } from './api-harness.ts';
import { DOCS_CSP, JSON_CSP } from '../src/security-headers.ts';

const url = testRedisUrl();
let api: TestApi;

beforeAll(async () => {
  api = await startTestApi(url, { label: 'headers', workers: false });
});
afterAll(async () => {
  await api?.close();
});

describe('security headers', () => {
  it('puts nosniff, no-referrer, no-store and a CSP that allows nothing on every JSON answer, success or problem', async () => {
    const answers = [
      await api.as(keys.tenantA, {
        method: 'POST',
        url: '/v1/sessions',
        payload: { sessionId: 'hdr-1' },
      }),
      await api.as(keys.tenantA, { method: 'GET', url: '/v1/sessions/hdr-1/stats' }),
      await api.as(keys.tenantA, { method: 'GET', url: '/v1/sessions/missing/stats' }),
      await api.as(null, { method: 'GET', url: '/v1/sessions/hdr-1/stats' }),
      await api.as(keys.tenantA, {
        method: 'POST',
        url: '/v1/sessions/hdr-1/events',
        payload: { type: 'bogus' },
      }),
      await api.as(null, { method: 'GET', url: '/healthz' }),
      await api.as(null, { method: 'GET', url: '/docs/openapi.json' }),
      await api.as(null, { method: 'GET', url: '/nowhere' }),
    ];
    expect(answers.map((a) => a.statusCode)).toEqual([201, 200, 404, 401, 400, 200, 200, 404]);
    for (const answer of answers) {
      expect(answer.headers['content-type']).toMatch(/^application\/(problem\+)?json/);
      expect(answer.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-store',
        'content-security-policy': JSON_CSP,
      });
    }
  });

  it('gives /docs a CSP that allows its inline style only', async () => {
    const docs = await api.as(null, { method: 'GET', url: '/docs' });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-security-policy']).toBe(DOCS_CSP);
    expect(docs.body).not.toMatch(/<script|src=/);
  });

  it("leaves the dashboard's HTML without the API's CSP (Bull Board loads its own scripts and styles), with nosniff and no-store", async () => {
    const page = await api.as(keys.admin, { method: 'GET', url: '/admin/queues' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toBeUndefined();
    expect(page.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    });
    const metrics = await api.as(keys.admin, { method: 'GET', url: '/metrics' });
    expect(metrics.headers['x-content-type-options']).toBe('nosniff');
    expect(metrics.headers['cache-control']).toBe('no-store');
  });
});
