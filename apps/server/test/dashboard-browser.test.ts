import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { testRedisUrl } from '@threadline/testing/vitest';
import { eventQueueNames, SUMMARIZE_QUEUE } from '@threadline/queue';
import { keys, startTestApi, type TestApi } from './api-harness.ts';

/** Debian's chromium (installed by .ci/run); the test says so clearly when it is missing. */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const OUTPUT = fileURLToPath(new URL('../../../test-output/server/', import.meta.url));

let api: TestApi;
let base: string;
let browser: Browser;

beforeAll(async () => {
  // No workers: what is enqueued stays waiting, so the dashboard's counts are exact.
  api = await startTestApi(testRedisUrl(), { label: 'dash', workers: false });
  base = await api.app.listen({ port: 0, host: '127.0.0.1' });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await api?.close();
});

describe('the queue dashboard in a real browser', () => {
  it('asks for the admin key, then shows every event partition, the summarize queue and the job counts', async () => {
    // Enqueue 3 events of one session and 2 of another through the API.
    const created = await Promise.all(
      ['dash-a', 'dash-b'].map((sessionId) =>
        api.as(keys.tenantA, { method: 'POST', url: '/v1/sessions', payload: { sessionId } }),
      ),
    );
    expect(created.map((r) => r.statusCode)).toEqual([201, 201]);
    const send = (sessionId: string, n: number) =>
      api.as(keys.tenantA, {
        method: 'POST',
        url: `/v1/sessions/${sessionId}/events`,
        payload: {
          events: Array.from({ length: n }, (_, i) => ({ type: 'user_message', content: `m${i}` })),
        },
      });
    expect((await send('dash-a', 3)).statusCode).toBe(202);
    expect((await send('dash-b', 2)).statusCode).toBe(202);
    const producer = api.fleet.runtime.producer;
    const waiting = await Promise.all(
      eventQueueNames(api.fleet.runtime.topology).map((n) => producer.queue(n).getWaitingCount()),
    );
    const busy = eventQueueNames(api.fleet.runtime.topology).filter((_, i) => waiting[i]! > 0);
    expect(waiting.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);

    // Without credentials the dashboard is refused.
    const anonymous = await browser.newContext();
    const refused = await anonymous.request.get(`${base}/admin/queues`);
    expect(refused.status()).toBe(401);
    expect(refused.headers()['www-authenticate']).toMatch(/^Basic/);
    await expect((await anonymous.newPage()).goto(`${base}/admin/queues`)).rejects.toThrow(/AUTH/);
    await anonymous.close();

    // With the admin key as the Basic password (the browser's login prompt), it opens.
    const admin = await browser.newContext({
      httpCredentials: { username: 'admin', password: keys.admin },
    });
    const page = await admin.newPage();
    const response = await page.goto(`${base}/admin/queues`);
    expect(response?.status()).toBe(200);
    for (const name of [...eventQueueNames(api.fleet.runtime.topology), SUMMARIZE_QUEUE])
      await page.getByText(name, { exact: false }).first().waitFor({ timeout: 15_000 });
    // A busy partition's page shows its waiting jobs.
    const target = busy[0]!;
    const expected = waiting[eventQueueNames(api.fleet.runtime.topology).indexOf(target)]!;
    await page.goto(`${base}/admin/queues/queue/${encodeURIComponent(target)}?status=waiting`);
    await page.getByText(target).first().waitFor({ timeout: 15_000 });
    await expect
      .poll(async () => page.locator('body').innerText(), { timeout: 15_000 })
      .toMatch(new RegExp(`Waiting\\s*${expected}\\b`, 'i'));
    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: `${OUTPUT}dashboard.png`, fullPage: true });
    await admin.close();
  }, 90_000);
});
