import { startFakeLlm, type FakeLlm, type FakeLlmOptions } from '@threadline/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  LlmBadOutputError,
  LlmConfigError,
  LlmHttpError,
  LlmRateLimitError,
  LlmTimeoutError,
  OpenAiCompatibleClient,
  type LlmMessage,
} from '../src/index.ts';

const running: FakeLlm[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((llm) => llm.close()));
});

async function fakeLlm(options: FakeLlmOptions = {}): Promise<FakeLlm> {
  const llm = await startFakeLlm(options);
  running.push(llm);
  return llm;
}

const messages: LlmMessage[] = [
  { role: 'system', content: 'Summarize the conversation.' },
  { role: 'user', content: 'Alice booked a flight to Oslo. She leaves on Monday.' },
];

/** A fetch that records what it was asked and answers `body` with `status`. */
function answering(body: string, status = 200, headers: Record<string, string> = {}) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const fetchFn: typeof fetch = async (url, init) => {
    calls.push({ url: String(url), init: init ?? {} });
    return new Response(body, {
      status,
      headers: { 'content-type': 'application/json', ...headers },
    });
  };
  return { calls, fetchFn };
}

describe('OpenAiCompatibleClient', () => {
  it('returns the text, the model and the usage of a chat completion', async () => {
    const llm = await fakeLlm();
    const client = new OpenAiCompatibleClient({ baseUrl: llm.url, model: 'llama3.1:8b' });
    const completion = await client.complete(messages);

    expect(completion.text).toBe(
      'Summary: Summarize the conversation. Alice booked a flight to Oslo.',
    );
    expect(completion.model).toBe('llama3.1:8b');
    expect(completion.promptTokens).toBe(
      Math.ceil(messages.map((m) => m.content).join('').length / 4),
    );
    expect(completion.completionTokens).toBe(Math.ceil(completion.text.length / 4));
    expect(completion.finishReason).toBe('stop');
    expect(llm.requests()[0]).toMatchObject({
      model: 'llama3.1:8b',
      messages,
      stream: false,
      temperature: 0.2,
    });
  });

  it('posts to {baseUrl}/chat/completions with a Bearer key only when one is set', async () => {
    const withKey = answering(JSON.stringify({ choices: [{ message: { content: 'ok' } }] }));
    await new OpenAiCompatibleClient({
      baseUrl: 'http://llm.internal/v1/',
      apiKey: 'sk-test',
      model: 'm',
      maxTokens: 64,
      temperature: null,
      fetch: withKey.fetchFn,
    }).complete(messages);
    const without = answering(JSON.stringify({ choices: [{ message: { content: 'ok' } }] }));
    await new OpenAiCompatibleClient({
      baseUrl: 'http://llm.internal/v1',
      model: 'm',
      fetch: without.fetchFn,
    }).complete(messages);

    const [sent] = withKey.calls;
    expect(sent?.url).toBe('http://llm.internal/v1/chat/completions');
    expect(sent?.init.method).toBe('POST');
    expect((sent?.init.headers as Record<string, string>)['authorization']).toBe('Bearer sk-test');
    expect(JSON.parse(String(sent?.init.body))).toEqual({
      model: 'm',
      messages,
      stream: false,
      max_tokens: 64,
    });
    expect(without.calls[0]?.init.headers).not.toHaveProperty('authorization');
  });

  it('reports 0 tokens when the answer has no usage, and joins text parts', async () => {
    const { fetchFn } = answering(
      JSON.stringify({
        choices: [
          {
            message: {
              content: [
                { type: 'text', text: 'Alice ' },
                { type: 'text', text: 'flies.' },
              ],
            },
          },
        ],
      }),
    );
    const completion = await new OpenAiCompatibleClient({
      baseUrl: 'http://x/v1',
      model: 'm',
      fetch: fetchFn,
    }).complete(messages);
    expect(completion).toEqual({
      text: 'Alice flies.',
      model: 'm',
      promptTokens: 0,
      completionTokens: 0,
      finishReason: null,
    });
  });

  it.each([
    ['not JSON', '<html>Bad gateway</html>'],
    ['no choices', JSON.stringify({ object: 'chat.completion' })],
  ])('throws a retryable LlmBadOutputError for an answer with %s', async (_name, body) => {
    const { fetchFn } = answering(body);
    const error = await new OpenAiCompatibleClient({
      baseUrl: 'http://x/v1',
      model: 'm',
      fetch: fetchFn,
    })
      .complete(messages)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmBadOutputError);
    expect(error).toMatchObject({ reason: 'malformed', retryable: true });
  });

  it("throws a retryable LlmHttpError for a 500, with the provider's error type but not its text", async () => {
    const llm = await fakeLlm({ failureRate: 1 });
    const error = await new OpenAiCompatibleClient({ baseUrl: llm.url, model: 'm' })
      .complete(messages)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmHttpError);
    expect(error).toMatchObject({ status: 500, retryable: true });
    expect((error as Error).message).toContain('answered 500 (provider error code server_error)');
    expect((error as Error).message).not.toContain('The server had an error');
  });

  it('throws LlmRateLimitError for a 429 with the wait the server asked for', async () => {
    const llm = await fakeLlm({ rateLimitRate: 1, retryAfterSeconds: 3 });
    const error = await new OpenAiCompatibleClient({ baseUrl: llm.url, model: 'm' })
      .complete(messages)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmRateLimitError);
    expect(error).toBeInstanceOf(LlmHttpError);
    expect(error).toMatchObject({ status: 429, retryable: true, retryAfterMs: 3000 });
  });

  it('reads Retry-After in seconds when retry-after-ms is absent', async () => {
    const { fetchFn } = answering(
      JSON.stringify({ error: { message: 'slow down', code: 'rate_limit_exceeded' } }),
      429,
      { 'Retry-After': '7' },
    );
    const error = await new OpenAiCompatibleClient({
      baseUrl: 'http://x/v1',
      model: 'm',
      fetch: fetchFn,
    })
      .complete(messages)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ retryAfterMs: 7000, providerCode: 'rate_limit_exceeded' });
    expect(String(error)).not.toContain('slow down');
  });

  it("keeps the status and the provider's error code, and none of its text, which may echo the key", async () => {
    const key = 'sk-proj-0123456789abcdefghij';
    const bodies = [
      { error: { message: `Incorrect API key provided: ${key}.`, code: 'invalid_api_key' } },
      { error: { message: `bad key ${key}`, type: 'invalid_request_error', code: null } },
      { error: { message: 'x', code: `key ${key} refused` } },
      { error: `Unauthorized: ${key}` },
      { message: key },
    ];
    const errors: LlmHttpError[] = [];
    for (const body of bodies) {
      const { fetchFn } = answering(JSON.stringify(body), 401);
      errors.push(
        (await new OpenAiCompatibleClient({
          baseUrl: 'http://x/v1',
          model: 'm',
          apiKey: key,
          fetch: fetchFn,
        })
          .complete(messages)
          .catch((e: unknown) => e)) as LlmHttpError,
      );
    }
    const { fetchFn: plainText } = answering(`401 Unauthorized for ${key}`, 401);
    errors.push(
      (await new OpenAiCompatibleClient({ baseUrl: 'http://x/v1', model: 'm', fetch: plainText })
        .complete(messages)
        .catch((e: unknown) => e)) as LlmHttpError,
    );
    expect(errors.map((e) => [e.status, e.providerCode])).toEqual([
      [401, 'invalid_api_key'],
      [401, 'invalid_request_error'],
      [401, null],
      [401, null],
      [401, null],
      [401, null],
    ]);
    expect(errors[0]!.message).toBe(
      'POST http://x/v1/chat/completions answered 401 (provider error code invalid_api_key) (check the API key and that it may use this model)',
    );
    for (const error of errors) {
      expect(
        JSON.stringify({ ...error, message: error.message, stack: error.stack }),
      ).not.toContain(key.slice(8, 18));
    }
  });

  it('takes the key out of what it quotes of an answer that is not a completion', async () => {
    const key = 'sk-proj-0123456789abcdefghij';
    const { fetchFn } = answering(
      `<html>proxy error for ${key} (${Buffer.from(key).toString('base64')})</html>`,
      200,
    );
    const error = (await new OpenAiCompatibleClient({
      baseUrl: 'http://x/v1',
      model: 'm',
      apiKey: key,
      fetch: fetchFn,
    })
      .complete(messages)
      .catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/is not JSON: "<html>proxy error for \[redacted\]/);
    expect(error.message).not.toContain(key.slice(8, 18));
    expect(error.message).not.toContain(Buffer.from(key).toString('base64').slice(4, 14));
  });

  it.each([
    [400, false],
    [404, false],
    [408, true],
    [409, true],
    [422, false],
    [425, true],
    [502, true],
    [503, true],
  ])('classifies status %i as retryable: %s', async (status, retryable) => {
    const { fetchFn } = answering(JSON.stringify({ error: 'nope' }), status);
    const error = await new OpenAiCompatibleClient({
      baseUrl: 'http://x/v1',
      model: 'm',
      fetch: fetchFn,
    })
      .complete(messages)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status, retryable });
  });

  it('says what to check on a 404 from a wrong base URL', async () => {
    const llm = await fakeLlm();
    const error = await new OpenAiCompatibleClient({
      baseUrl: `http://127.0.0.1:${llm.port}/v2`,
      model: 'm',
    })
      .complete(messages)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 404, retryable: false });
    expect((error as Error).message).toContain('check the base URL');
  });

  it('throws LlmTimeoutError when no answer comes within timeoutMs', async () => {
    const llm = await fakeLlm({ timeoutRate: 1 });
    const started = performance.now();
    const error = await new OpenAiCompatibleClient({ baseUrl: llm.url, model: 'm', timeoutMs: 200 })
      .complete(messages)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmTimeoutError);
    expect(error).toMatchObject({ timeoutMs: 200, retryable: true });
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  });

  it("throws the caller's abort reason, not a timeout, when the caller aborts", async () => {
    const llm = await fakeLlm({ timeoutRate: 1 });
    const reason = new Error('shutting down');
    const error = await new OpenAiCompatibleClient({ baseUrl: llm.url, model: 'm' })
      .complete(messages, { signal: abortAfter(50, reason) })
      .catch((e: unknown) => e);
    expect(error).toBe(reason);
  });

  it('names each bad option', () => {
    expect(
      () =>
        new OpenAiCompatibleClient({
          baseUrl: 'localhost:8000',
          model: ' ',
          timeoutMs: 0,
          temperature: 3,
        }),
    ).toThrow(LlmConfigError);
    expect(
      () =>
        new OpenAiCompatibleClient({
          baseUrl: 'https://api.openai.com/v1/chat/completions',
          model: 'm',
        }),
    ).toThrow(
      'baseUrl: expected the API root (e.g. https://api.openai.com/v1), without /chat/completions',
    );
  });
});

function abortAfter(ms: number, reason: unknown): AbortSignal {
  const controller = new AbortController();
  setTimeout(() => controller.abort(reason), ms);
  return controller.signal;
}
