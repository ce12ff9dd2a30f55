import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedisUrl } from '@threadline/testing/vitest';
import { SummariesAnswerSchema } from '../src/http-schemas.ts';
import { json, keys, problemOf, startTestApi, type TestApi } from './api-harness.ts';

/** `GET /v1/sessions/:id/summaries?limit=&after=` through HTTP, on real Redis, with a summarizer worker. */
const url = testRedisUrl();
let api: TestApi;

beforeAll(async () => {
  api = await startTestApi(url, { label: 'summaries' });
});
afterAll(async () => {
  await api?.close();
});

const get = (path: string) => api.as(keys.tenantA, { method: 'GET', url: path });

async function page(sessionId: string, query: string) {
  const response = await get(`/v1/sessions/${sessionId}/summaries?${query}`);
  expect(response.statusCode, response.body).toBe(200);
  return SummariesAnswerSchema.parse(json(response));
}

/** Polls the chain until every sealed segment is summarized (the summarizer works in the background). */
async function untilSummarized(sessionId: string, sealed: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const chain = json<{ segments: Array<{ status: string }> }>(
      await get(`/v1/sessions/${sessionId}/chain`),
    );
    const done = chain.segments.filter((s) => s.status === 'summarized').length;
    if (done >= sealed) return;
    if (Date.now() > deadline) throw new Error(`${done} of ${sealed} segments summarized`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the summaries of a session', () => {
  it('lists each landed summary with its kind, covered range, tokens and cost, a page at a time', async () => {
    const sessionId = 'summaries-1';
    const created = await api.as(keys.tenantA, {
      method: 'POST',
      url: '/v1/sessions',
      payload: { sessionId, infiniteContext: true, maxTurnsPerSegment: 2 },
    });
    expect(created.statusCode).toBe(201);
    expect((await page(sessionId, '')).summaries).toEqual([]);

    // 10 turns, 2 a segment: 5 segments sealed (the last one when the 11th turn arrives).
    const events = Array.from({ length: 11 }, (_, i) =>
      i % 2
        ? {
            type: 'assistant_message',
            content: `Order ORD-${i} ships on day ${i}.`,
            model: 'gpt-4o',
          }
        : { type: 'user_message', content: `Where is order ORD-${i + 1}?` },
    );
    const posted = await api.as(keys.tenantA, {
      method: 'POST',
      url: `/v1/sessions/${sessionId}/events`,
      payload: { events },
    });
    const last = json<{ accepted: string[] }>(posted).accepted.at(-1)!;
    expect((await get(`/v1/sessions/${sessionId}/stats?waitFor=${last}`)).statusCode).toBe(200);
    await untilSummarized(sessionId, 5);

    const all = await page(sessionId, '');
    expect(all.page).toEqual({ limit: 100, nextAfter: null });
    expect(all.summaries.length).toBeGreaterThan(0);
    // The summaries cover every sealed event once, in order: seq 0 to 10, no gap, no overlap.
    expect(all.summaries[0]!.fromSeq).toBe(0);
    all.summaries.forEach((summary, i) => {
      if (i > 0) expect(summary.fromSeq).toBe(all.summaries[i - 1]!.toSeq);
      expect(summary.kind).toBe('extractive');
      expect(summary.model).toBeNull();
      expect(summary.fallbackReason).toBeNull();
      expect(summary.contextTokens).toBeGreaterThan(0);
      expect(summary.costNano).toBe(0);
      expect(summary.segmentId).toBe(`${sessionId}.s${summary.segmentIndex}`);
      expect(summary.firstSegmentIndex).toBeLessThanOrEqual(summary.segmentIndex);
      expect(summary.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    });
    expect(all.summaries.at(-1)!.toSeq).toBe(10);
    expect(all.summaries.at(-1)!.segmentIndex).toBe(4);

    // Pages of 2, by cursor: the same summaries, each once.
    const walked = [];
    let after: number | null = null;
    do {
      const next = await page(sessionId, `limit=2${after === null ? '' : `&after=${after}`}`);
      expect(next.summaries.length).toBeLessThanOrEqual(2);
      walked.push(...next.summaries);
      after = next.page.nextAfter;
    } while (after !== null);
    expect(walked).toEqual(all.summaries);
    // Past the newest summary: an empty page, no cursor.
    expect(await page(sessionId, 'after=4')).toMatchObject({
      summaries: [],
      page: { limit: 100, nextAfter: null },
    });
  });

  it('refuses a limit out of bounds or a cursor that is not a whole number, naming the field', async () => {
    expect(
      problemOf(await get('/v1/sessions/summaries-1/summaries?limit=101'), 400).errors,
    ).toEqual([{ path: 'query.limit', rule: 'expected a value <= 100' }]);
    expect(problemOf(await get('/v1/sessions/summaries-1/summaries?limit=0'), 400).errors).toEqual([
      { path: 'query.limit', rule: 'expected a value >= 1' },
    ]);
    expect(problemOf(await get('/v1/sessions/summaries-1/summaries?after=-1'), 400).errors).toEqual(
      [{ path: 'query.after', rule: 'expected a whole number' }],
    );
    expect(problemOf(await get('/v1/sessions/summaries-1/summaries?cursor=3'), 400).errors).toEqual(
      [{ path: 'query.cursor', rule: expect.stringMatching(/^unknown field/) }],
    );
    expect(problemOf(await get('/v1/sessions/no-such/summaries'), 404).detail).toBe(
      'session "no-such" does not exist: create it with POST /v1/sessions',
    );
  });
});
