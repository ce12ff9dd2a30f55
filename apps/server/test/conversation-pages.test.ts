import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedisUrl } from '@threadline/testing/vitest';
import { ConversationAnswerSchema } from '../src/http-schemas.ts';
import { json, keys, problemOf, startTestApi, type TestApi } from './api-harness.ts';

/** `GET /v1/sessions/:id/conversation?limit=&after=&before=` through HTTP, on real Redis. */
const url = testRedisUrl();
let api: TestApi;

beforeAll(async () => {
  api = await startTestApi(url, { label: 'pages' });
});
afterAll(async () => {
  await api?.close();
});

const get = (path: string) => api.as(keys.tenantA, { method: 'GET', url: path });

async function page(query: string) {
  const response = await get(`/v1/sessions/pages-1/conversation?${query}`);
  expect(response.statusCode, response.body).toBe(200);
  return ConversationAnswerSchema.parse(json(response));
}

describe('the conversation in pages', () => {
  it('pages back from the newest entries and forward again by seq cursor', async () => {
    expect(
      (
        await api.as(keys.tenantA, {
          method: 'POST',
          url: '/v1/sessions',
          payload: { sessionId: 'pages-1' },
        })
      ).statusCode,
    ).toBe(201);
    const events = Array.from({ length: 12 }, (_, i) => [
      { type: 'user_message', content: `q${i}` },
      { type: 'tool_call', tool: 'search', arguments: { i }, result: { hits: i } },
      { type: 'assistant_message', content: `a${i}` },
    ]).flat();
    const response = await api.as(keys.tenantA, {
      method: 'POST',
      url: '/v1/sessions/pages-1/events',
      payload: { events },
    });
    const last = json<{ accepted: string[] }>(response).accepted.at(-1)!;

    const newest = await page(`limit=5&waitFor=${last}`);
    expect(newest.entries.map((e) => e.content)).toEqual(['a9', 'q10', 'a10', 'q11', 'a11']);
    expect(newest.page).toEqual({ limit: 5, olderBefore: 29, newerAfter: null });
    const older = await page(`limit=5&before=${newest.page.olderBefore}`);
    expect(older.entries.map((e) => e.content)).toEqual(['q7', 'a7', 'q8', 'a8', 'q9']);
    const forward = await page(`limit=5&after=${older.page.newerAfter}`);
    expect(forward.entries).toEqual(newest.entries);
    const first = await page('limit=2&after=0&includeTools=true');
    expect(first.entries.map((e) => e.role)).toEqual(['tool', 'assistant']);
    // Without paging parameters: every entry (fewer than the limit), as before.
    const all = await page('');
    expect(all.entries).toHaveLength(24);
    expect(all.page).toEqual({ limit: 1000, olderBefore: null, newerAfter: null });
  });

  it('refuses a page with both cursors, or a limit out of bounds, naming the field', async () => {
    expect(
      problemOf(await get('/v1/sessions/pages-1/conversation?after=1&before=5'), 400).errors,
    ).toEqual([
      {
        path: 'query.before',
        rule: 'give after (the next page) or before (the previous page), not both',
      },
    ]);
    expect(
      problemOf(await get('/v1/sessions/pages-1/conversation?limit=1001'), 400).errors,
    ).toEqual([{ path: 'query.limit', rule: 'expected a value <= 1000' }]);
    expect(problemOf(await get('/v1/sessions/pages-1/conversation?limit=0'), 400).errors).toEqual([
      { path: 'query.limit', rule: 'expected a value >= 1' },
    ]);
  });
});
