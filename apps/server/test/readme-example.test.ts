import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedisUrl } from '@threadline/testing/vitest';
import { json, keys, problemOf, startTestApi, type TestApi } from './api-harness.ts';

/**
 * The README's "Run the service" example, as written: the JSON bodies of its curl commands are
 * read from README.md and posted through the HTTP API (a change to the README that the API would
 * refuse fails here).
 */
const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('## Run the service'), readme.indexOf('## The SDK'));
/** The `-d '…'` bodies of the section's curl commands, in order. */
const bodies = [...section.matchAll(/-d '([^']*)'/g)].map((m) => JSON.parse(m[1]!) as unknown);

const url = testRedisUrl();
let api: TestApi;

beforeAll(async () => {
  api = await startTestApi(url, { label: 'readme' });
});
afterAll(async () => {
  await api?.close();
});

const post = (path: string, payload: unknown) =>
  api.as(keys.tenantA, { method: 'POST', url: path, payload: payload as object });
const get = (path: string) => api.as(keys.tenantA, { method: 'GET', url: path });

describe("the README's HTTP example", () => {
  it('has a create body and an events body with OpenAI-style usage', () => {
    expect(bodies).toHaveLength(2);
    expect(JSON.stringify(bodies[1])).toContain('"prompt_tokens":412');
  });

  it('runs as written: the snake_case usage is accepted and counted', async () => {
    const created = await post('/v1/sessions', bodies[0]);
    expect(created.statusCode, created.body).toBe(201);
    const sessionId = json<{ sessionId: string }>(created).sessionId;
    const sent = await post(`/v1/sessions/${sessionId}/events`, bodies[1]);
    expect(sent.statusCode, sent.body).toBe(202);
    const stats = json<{ completionTokens: number; aiMessages: number }>(
      await get(`/v1/sessions/${sessionId}/stats?waitFor=u-3`),
    );
    expect(stats.aiMessages).toBe(1);
    // The reported completion tokens win over our count of the reply.
    expect(stats.completionTokens).toBe(38);
    const conversation = json<{ entries: Array<{ role: string; model: string | null }> }>(
      await get(`/v1/sessions/${sessionId}/conversation`),
    );
    expect(conversation.entries.find((e) => e.role === 'assistant')?.model).toBe('gpt-4o');
  });

  it('refuses two spellings of one usage figure that disagree, naming the field (400)', async () => {
    const response = await post('/v1/sessions/readme-conflict/events', {
      type: 'assistant_message',
      content: 'Hi',
      usage: { promptTokens: 400, prompt_tokens: 412 },
    });
    const problem = problemOf(response, 400);
    expect(problem.errors).toEqual([
      {
        path: 'usage.prompt_tokens',
        rule: 'conflicts with usage.promptTokens (400); give each figure once, in one spelling',
      },
    ]);
  });
});
