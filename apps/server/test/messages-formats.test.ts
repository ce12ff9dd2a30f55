import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedisUrl } from '@threadline/testing/vitest';
import { MessagesAnswerSchema } from '../src/http-schemas.ts';
import { json, keys, problemOf, startTestApi, type TestApi } from './api-harness.ts';

/** `GET /v1/sessions/:id/messages?format=…` through HTTP, on real Redis with workers. */
const url = testRedisUrl();
let api: TestApi;

beforeAll(async () => {
  api = await startTestApi(url, { label: 'formats' });
});
afterAll(async () => {
  await api?.close();
});

const post = (path: string, payload: unknown) =>
  api.as(keys.tenantA, { method: 'POST', url: path, payload: payload as object });
const get = (path: string) => api.as(keys.tenantA, { method: 'GET', url: path });

async function send(sessionId: string, payload: unknown): Promise<string> {
  const response = await post(`/v1/sessions/${sessionId}/events`, payload);
  expect(response.statusCode, response.body).toBe(202);
  return json<{ accepted: string[] }>(response).accepted.at(-1)!;
}

type Answer = Record<string, unknown> & {
  report: {
    stablePrefixTokens: number;
    system: number;
    summary: number;
    used: number;
    tokenCount: string;
  };
};

async function read(id: string, query: string): Promise<Answer> {
  const response = await get(`/v1/sessions/${id}/messages?${query}`);
  expect(response.statusCode, response.body).toBe(200);
  const body = json<Answer>(response);
  // What the server answers is what its OpenAPI document says it answers.
  expect(MessagesAnswerSchema.safeParse(body).success).toBe(true);
  return body;
}

describe('the messages route in provider formats', () => {
  it('gives the context as an Anthropic, Gemini or Responses request body, with a cache breakpoint after the summary', async () => {
    const created = await post('/v1/sessions', {
      sessionId: 'formats-1',
      systemPrompt: 'You are a support agent.',
      infiniteContext: true,
      maxTurnsPerSegment: 4,
    });
    expect(created.statusCode).toBe(201);
    const id = 'formats-1';
    await send(id, {
      events: [
        { type: 'user_message', content: 'My order ORD-5512 has not arrived.' },
        { type: 'assistant_message', content: 'Sorry, which date was it due?' },
        { type: 'user_message', content: 'March 3. I paid 84.90 EUR.' },
        { type: 'assistant_message', content: 'Thanks, noted: due March 3, 84.90 EUR.' },
        // The segment is full: this message seals it, and a summary of it lands.
        { type: 'user_message', content: 'Where is it now?' },
        { type: 'user_message', content: 'Tracking is JD0146000033.' },
        {
          type: 'tool_call',
          tool: 'carrier_status',
          arguments: { tracking: 'JD0146000033' },
          error: 'carrier API timed out',
        },
        {
          type: 'tool_call',
          tool: 'carrier_status',
          arguments: { tracking: 'JD0146000033' },
          result: { lastScan: 'Leipzig hub' },
        },
      ],
    });
    const last = await send(id, {
      type: 'assistant_message',
      content: 'It was last scanned at the Leipzig hub.',
    });
    await get(`/v1/sessions/${id}/stats?waitFor=${last}`);
    await api.fleet.runtime.idle();

    const openai = await read(id, '');
    expect(await read(id, 'format=openai')).toEqual(openai);
    expect(openai.report.tokenCount).toBe('exact');
    expect(openai.report.stablePrefixTokens).toBe(openai.report.system + openai.report.summary);
    expect(openai.report.summary).toBeGreaterThan(0);

    const anthropic = await read(id, 'format=anthropic');
    expect(anthropic.report).toMatchObject({
      tokenCount: 'estimated',
      used: openai.report.used,
    });
    expect(anthropic['system']).toEqual([{ type: 'text', text: 'You are a support agent.' }]);
    const messages = anthropic['messages'] as Array<{
      role: string;
      content: Array<Record<string, unknown>>;
    }>;
    expect(messages.map((m) => m.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
      'user',
      'assistant',
    ]);
    // The summary, then the two user messages of the window, merged into one user turn; the
    // breakpoint on the summary's block, the last of the stable prefix.
    expect(messages[0]!.content).toHaveLength(3);
    expect(messages[0]!.content[0]).toMatchObject({
      type: 'text',
      text: expect.stringContaining('ORD-5512'),
      cache_control: { type: 'ephemeral' },
    });
    expect(messages.flatMap((m) => m.content).filter((b) => b['cache_control'])).toHaveLength(1);
    expect(messages[2]!.content[0]).toMatchObject({
      type: 'tool_result',
      is_error: true,
      content: 'carrier API timed out',
    });
    expect(messages[1]!.content[0]!['id']).toBe(messages[2]!.content[0]!['tool_use_id']);

    const gemini = await read(id, 'format=gemini');
    expect(gemini['systemInstruction']).toEqual({ parts: [{ text: 'You are a support agent.' }] });
    expect((gemini['contents'] as Array<{ role: string }>).map((c) => c.role)).toEqual([
      'user',
      'model',
      'user',
      'model',
      'user',
      'model',
    ]);

    const responses = await read(id, 'format=responses&budget=4000');
    expect(responses['instructions']).toBe('You are a support agent.');
    const input = responses['input'] as Array<Record<string, unknown>>;
    expect(input.filter((i) => i['type'] === 'function_call')).toHaveLength(2);
    expect(input.filter((i) => i['type'] === 'function_call_output')).toHaveLength(2);

    // A new reply does not move the stable prefix: a provider's cache keeps serving it.
    const more = await send(id, { type: 'assistant_message', content: 'Anything else?' });
    const after = await read(id, `format=anthropic&waitFor=${more}`);
    expect(after.report.stablePrefixTokens).toBe(anthropic.report.stablePrefixTokens);
    expect((after['messages'] as typeof messages)[0]!.content[0]).toEqual(messages[0]!.content[0]);
  });

  it('refuses an unknown format with a problem naming the field and the formats it takes', async () => {
    const created = await post('/v1/sessions', { sessionId: 'formats-bad' });
    expect(created.statusCode).toBe(201);
    const problem = problemOf(await get('/v1/sessions/formats-bad/messages?format=claude'), 400);
    expect(problem.errors).toEqual([
      {
        path: 'query.format',
        rule: 'expected one of "openai", "anthropic", "gemini", "responses"',
      },
    ]);
  });

  it('documents the format parameter and the answer of each format in the OpenAPI document', async () => {
    const document = json<{
      paths: Record<
        string,
        Record<
          string,
          {
            parameters: Array<{ name: string; schema: unknown }>;
            responses: Record<string, unknown>;
          }
        >
      >;
      components: { schemas: Record<string, { anyOf?: unknown[] }> };
    }>(await api.as(null, { method: 'GET', url: '/docs/openapi.json' }));
    const operation = document.paths['/v1/sessions/{id}/messages']!['get']!;
    expect(operation.parameters.find((p) => p.name === 'format')?.schema).toEqual({
      type: 'string',
      enum: ['openai', 'anthropic', 'gemini', 'responses'],
    });
    expect(operation.responses['200']).toEqual({
      description: 'The context and its budget report',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/MessagesAnswer' } } },
    });
    expect(document.components.schemas['MessagesAnswer']!.anyOf).toHaveLength(4);
  });
});
