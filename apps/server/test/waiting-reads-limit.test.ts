import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '@threadline/observability';
import { testRedisUrl } from '@threadline/testing/vitest';
import { json, keys, problemOf, startTestApi, type TestApi } from './api-harness.ts';

const url = testRedisUrl();
const metrics = createMetrics();
let api: TestApi;

beforeAll(async () => {
  // No workers: an event is never applied, so a read that waits for it waits its whole timeout.
  api = await startTestApi(url, {
    label: 'waiting-reads',
    workers: false,
    maxWaitingReadsPerTenant: 3,
    metrics,
  });
});
afterAll(async () => {
  await api?.close();
});

/** Waits (generously) until the server reports `count` reads waiting. */
async function waitingReadsReach(count: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const text = await metrics.render();
    if (new RegExp(`^threadline_http_waiting_reads ${count}$`, 'm').test(text)) return;
    if (Date.now() > deadline) throw new Error(`never ${count} waiting reads:\n${text}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('waiting reads per tenant', () => {
  it("refuses a tenant's waiting read over its cap with 429, Retry-After and a problem naming the quota, leaves other tenants alone, and frees the places once the reads answer", async () => {
    for (const key of [keys.tenantA, keys.tenantB])
      expect(
        (
          await api.as(key, {
            method: 'POST',
            url: '/v1/sessions',
            payload: { sessionId: 'waited' },
          })
        ).statusCode,
      ).toBe(201);
    const posted = await api.as(keys.tenantA, {
      method: 'POST',
      url: '/v1/sessions/waited/events',
      payload: { type: 'user_message', content: 'never applied' },
    });
    const eventId = json<{ accepted: string[] }>(posted).accepted[0]!;
    const read = (key: string, timeoutMs: number) =>
      api.as(key, {
        method: 'GET',
        url: `/v1/sessions/waited/stats?waitFor=${eventId}&waitTimeoutMs=${timeoutMs}`,
      });

    const waiting = [read(keys.tenantA, 4000), read(keys.tenantA, 4000), read(keys.tenantA, 4000)];
    await waitingReadsReach(3);
    const refused = await read(keys.tenantA, 4000);
    const problem = problemOf(refused, 429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(problem.errors).toEqual([
      {
        path: 'query.waitFor',
        rule: 'at most 3 reads with waitFor waiting at once per tenant (quota: waiting reads)',
      },
    ]);
    // Reads without waitFor are not counted, and another tenant still waits.
    expect(
      (await api.as(keys.tenantA, { method: 'GET', url: '/v1/sessions/waited/stats' })).statusCode,
    ).toBe(200);
    problemOf(await read(keys.tenantB, 300), 504);

    for (const answer of await Promise.all(waiting)) problemOf(answer, 504);
    await waitingReadsReach(0);
    problemOf(await read(keys.tenantA, 300), 504);
  });
});
