import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedisUrl } from '@threadline/testing/vitest';
import { SessionInfoAnswerSchema } from '../src/http-schemas.ts';
import { json, keys, problemOf, startTestApi, type TestApi } from './api-harness.ts';

/** `GET /v1/sessions/:id` through HTTP, on real Redis, with a session worker and a summarizer. */
const url = testRedisUrl();
let api: TestApi;

beforeAll(async () => {
  api = await startTestApi(url, { label: 'session-info' });
});
afterAll(async () => {
  await api?.close();
});

const get = (path: string) => api.as(keys.tenantA, { method: 'GET', url: path });

describe('a session read as a whole', () => {
  it('gives the config, metadata, parent, state and counts the session has', async () => {
    const created = await api.as(keys.tenantA, {
      method: 'POST',
      url: '/v1/sessions',
      payload: {
        sessionId: 'info-1',
        parentId: 'info-parent',
        metadata: { channel: 'web', userTier: 'gold' },
        systemPrompt: 'You are a travel agent.',
        infiniteContext: true,
        maxTurnsPerSegment: 2,
      },
    });
    expect(created.statusCode).toBe(201);
    const fresh = SessionInfoAnswerSchema.parse(json(await get('/v1/sessions/info-1')));
    expect(fresh).toMatchObject({
      sessionId: 'info-1',
      parentId: 'info-parent',
      metadata: { channel: 'web', userTier: 'gold' },
      config: { infiniteContext: true, maxTurnsPerSegment: 2, tokenThreshold: 4000 },
      state: 'active',
      hasSystemPrompt: true,
      counts: { events: 0, segments: 1, pendingSegments: 0, summaryInFlight: false },
    });
    expect(fresh.counts.totals.turns).toBe(0);

    const posted = await api.as(keys.tenantA, {
      method: 'POST',
      url: '/v1/sessions/info-1/events',
      payload: {
        events: [
          { type: 'user_message', content: 'A flight to Oslo on May 3.' },
          { type: 'tool_call', tool: 'search_flights', arguments: { to: 'OSL' }, result: [] },
          { type: 'assistant_message', content: 'None that day; May 4?', model: 'gpt-4o' },
          { type: 'user_message', content: 'May 4 is fine.' },
          { type: 'assistant_message', content: 'Booked SK4411.', model: 'gpt-4o' },
        ],
      },
    });
    const last = json<{ accepted: string[] }>(posted).accepted.at(-1)!;
    const applied = SessionInfoAnswerSchema.parse(
      json(await get(`/v1/sessions/info-1?waitFor=${last}`)),
    );
    // 4 turns, 2 a segment: the first segment sealed when the third turn came.
    expect(applied.counts).toMatchObject({ events: 5, segments: 2 });
    expect(applied.counts.totals).toMatchObject({
      events: 5,
      turns: 4,
      userMessages: 2,
      assistantMessages: 2,
      toolCalls: 1,
    });
    expect(applied.counts.totals.costNano).toBeGreaterThan(0);
    expect(applied.updatedAt >= fresh.updatedAt).toBe(true);

    await api.fleet.runtime.idle();
    const summarized = SessionInfoAnswerSchema.parse(json(await get('/v1/sessions/info-1')));
    expect(summarized.counts).toMatchObject({ pendingSegments: 0, summaryInFlight: false });
    expect(summarized.counts.summaries).toMatchObject({ made: 1, extractive: 1 });
    expect(summarized.state).toBe('active');
  });

  it('answers 404 for an unknown session and names an unknown query field', async () => {
    expect(problemOf(await get('/v1/sessions/no-such-info'), 404).detail).toBe(
      'session "no-such-info" does not exist: create it with POST /v1/sessions',
    );
    expect(problemOf(await get('/v1/sessions/info-1?children=true'), 400).errors).toEqual([
      { path: 'query.children', rule: expect.stringMatching(/^unknown field/) },
    ]);
    expect(problemOf(await get('/v1/sessions/info-1?waitTimeoutMs=0'), 400).errors).toEqual([
      { path: 'query.waitTimeoutMs', rule: 'expected a value >= 1' },
    ]);
  });
});
