import { afterEach, describe, expect, it } from 'vitest';
import {
  REFUSAL_TEXT,
  startFakeLlm,
  type ChatCompletionResponse,
  type FakeLlm,
  type FakeLlmOptions,
} from '../src/index.ts';

const running: FakeLlm[] = [];

async function start(opts?: FakeLlmOptions): Promise<FakeLlm> {
  const llm = await startFakeLlm(opts);
  running.push(llm);
  return llm;
}

const conversation = {
  model: 'gpt-test',
  messages: [
    { role: 'system', content: 'Summarize the conversation. Keep names.' },
    { role: 'user', content: 'Alice booked a flight to Oslo. She leaves on Monday.' },
    { role: 'assistant', content: 'Noted, have a good trip.' },
  ],
};

function chat(
  llm: FakeLlm,
  init: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal } = {},
) {
  return fetch(`${llm.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: JSON.stringify(init.body ?? conversation),
    ...(init.signal ? { signal: init.signal } : {}),
  });
}

async function content(response: Response): Promise<string> {
  const body = (await response.json()) as ChatCompletionResponse;
  return body.choices[0]?.message.content ?? 'no choice';
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((llm) => llm.close()));
});

describe('startFakeLlm', () => {
  it('answers a chat completion in OpenAI format with a summary derived from the input', async () => {
    const llm = await start();

    const response = await chat(llm);
    const body = (await response.json()) as ChatCompletionResponse;

    expect(llm.url).toBe(`http://127.0.0.1:${llm.port}/v1`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(body).toMatchObject({
      object: 'chat.completion',
      model: 'gpt-test',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Summary: Summarize the conversation. Alice booked a flight to Oslo.',
          },
          finish_reason: 'stop',
        },
      ],
    });
    expect(body.id).toMatch(/^chatcmpl-/);
    expect(body.created).toBeGreaterThan(1_600_000_000);
    const promptChars = conversation.messages.map((m) => m.content).join('').length;
    expect(body.usage).toEqual({
      prompt_tokens: Math.ceil(promptChars / 4),
      completion_tokens: Math.ceil((body.choices[0]?.message.content.length ?? 0) / 4),
      total_tokens:
        Math.ceil(promptChars / 4) + Math.ceil((body.choices[0]?.message.content.length ?? 0) / 4),
    });
    expect(llm.stats()).toMatchObject({ requests: 1, ok: 1, failures: 0, inFlight: 0 });
    expect(llm.requests()).toEqual([conversation]);
  });

  it('reads text parts of a message as its content', async () => {
    const llm = await start();

    const response = await chat(llm, {
      body: {
        messages: [{ role: 'user', content: [{ type: 'text', text: 'Parts work too. Really.' }] }],
      },
    });

    expect(await content(response)).toBe('Summary: Parts work too.');
  });

  it('answers with the reply function when one is given', async () => {
    const llm = await start({ reply: (request) => `saw ${request.messages.length} messages` });

    expect(await content(await chat(llm))).toBe('saw 3 messages');
  });

  it('lists its model on GET /v1/models', async () => {
    const llm = await start({ model: 'fake-summarizer' });

    const response = await fetch(`${llm.url}/models`);

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      object: 'list',
      data: [{ id: 'fake-summarizer', object: 'model' }],
    });
  });

  it('answers 400 with a message naming the field when messages is missing', async () => {
    const llm = await start();

    const response = await chat(llm, { body: { model: 'x' } });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { message: expect.stringMatching(/^messages: /) },
    });
    expect(llm.stats().badRequests).toBe(1);
  });

  it('answers 500 with an OpenAI error body when failureRate is 1', async () => {
    const llm = await start({ failureRate: 1 });

    const response = await chat(llm);

    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ error: { type: 'server_error' } });
    expect(llm.stats()).toMatchObject({ requests: 1, ok: 0, failures: 1 });
  });

  it('answers 429 with Retry-After when rateLimitRate is 1', async () => {
    const llm = await start({ rateLimitRate: 1, retryAfterSeconds: 2.5 });

    const response = await chat(llm);

    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('3');
    expect(response.headers.get('retry-after-ms')).toBe('2500');
    expect(await response.json()).toMatchObject({ error: { code: 'rate_limit_exceeded' } });
    expect(llm.stats().rateLimited).toBe(1);
  });

  it('never answers a timed-out request, so the client abort fires', async () => {
    const llm = await start({ timeoutRate: 1 });

    const attempt = chat(llm, { signal: AbortSignal.timeout(200) });

    await expect(attempt).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(llm.stats()).toMatchObject({ requests: 1, timeouts: 1, maxInFlight: 1 });
    await expect.poll(() => llm.stats().inFlight).toBe(0);
  });

  it('closes at once even while requests hang', async () => {
    const llm = await start({ timeoutRate: 1 });
    const hanging = chat(llm).catch((error: unknown) => error);
    await expect.poll(() => llm.stats().timeouts).toBe(1);

    const startedAt = Date.now();
    await llm.close();

    expect(Date.now() - startedAt).toBeLessThan(1000);
    expect(await hanging).toBeInstanceOf(Error);
  });

  it.each([
    ['empty', ''],
    ['refusal', REFUSAL_TEXT],
  ] as const)(
    'answers 200 with %s garbage when garbageRate is 1',
    async (garbageKind, expected) => {
      const llm = await start({ garbageRate: 1, garbageKind });

      const response = await chat(llm);

      expect(response.status).toBe(200);
      expect(await content(response)).toBe(expected);
      expect(llm.stats()).toMatchObject({ garbage: 1, ok: 0 });
    },
  );

  it('answers 200 with noiseChars characters of noise for noise garbage', async () => {
    const llm = await start({ garbageRate: 1, garbageKind: 'noise', noiseChars: 50_000 });

    const noise = await content(await chat(llm));

    expect(noise).toHaveLength(50_000);
    expect(noise).not.toContain('Summary:');
  });

  it('mixes all three garbage kinds when garbageKind is mixed', async () => {
    const llm = await start({ garbageRate: 1, garbageKind: 'mixed', noiseChars: 100, seed: 7 });

    const kinds = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const text = await content(await chat(llm));
      kinds.add(
        text === ''
          ? 'empty'
          : text === REFUSAL_TEXT
            ? 'refusal'
            : text.length === 100
              ? 'noise'
              : text,
      );
    }

    expect([...kinds].sort()).toEqual(['empty', 'noise', 'refusal']);
  });

  it('waits latencyMs before answering', async () => {
    const llm = await start({ latencyMs: 150 });

    const startedAt = performance.now();
    await (await chat(llm)).json();

    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(145);
  });

  it('draws the latency from a [min, max] range', async () => {
    const llm = await start({ latencyMs: [60, 90], seed: 1 });

    for (let i = 0; i < 3; i++) {
      const startedAt = performance.now();
      await (await chat(llm)).json();
      const elapsed = performance.now() - startedAt;
      expect(elapsed).toBeGreaterThanOrEqual(55);
      expect(elapsed).toBeLessThan(500);
    }
  });

  it('counts concurrent requests in maxInFlight', async () => {
    const llm = await start({ latencyMs: 100 });

    await Promise.all(Array.from({ length: 5 }, () => chat(llm).then((r) => r.json())));

    expect(llm.stats()).toMatchObject({ requests: 5, ok: 5, inFlight: 0, maxInFlight: 5 });
  });

  it('answers 401 unless the request carries the configured API key', async () => {
    const llm = await start({ apiKey: 'sk-fake' });

    const missing = await chat(llm);
    const wrong = await chat(llm, { headers: { authorization: 'Bearer sk-other' } });
    const right = await chat(llm, { headers: { authorization: 'Bearer sk-fake' } });

    expect([missing.status, wrong.status, right.status]).toEqual([401, 401, 200]);
    expect(llm.stats()).toMatchObject({ requests: 3, unauthorized: 2, ok: 1 });
  });

  it('gives the same sequence of outcomes for the same seed', async () => {
    const options: FakeLlmOptions = {
      failureRate: 0.3,
      rateLimitRate: 0.2,
      garbageRate: 0.2,
      seed: 42,
    };
    const first = await start(options);
    const second = await start(options);

    const statuses = async (llm: FakeLlm) => {
      const out: string[] = [];
      for (let i = 0; i < 40; i++) {
        const response = await chat(llm);
        out.push(`${response.status}:${(await response.text()).length > 0}`);
      }
      return out;
    };
    const a = await statuses(first);
    const b = await statuses(second);

    expect(a).toEqual(b);
    expect(new Set(a.map((s) => s.split(':')[0]))).toEqual(new Set(['200', '429', '500']));
    expect(first.stats()).toEqual(second.stats());
  });

  it('changes behaviour at runtime through configure', async () => {
    const llm = await start({ failureRate: 1 });
    expect((await chat(llm)).status).toBe(500);

    llm.configure({ failureRate: 0 });

    expect((await chat(llm)).status).toBe(200);
  });

  it('rejects an invalid option with a message naming it', async () => {
    const llm = await start();

    expect(() => llm.configure({ failureRate: 1.5 })).toThrow(
      'fake LLM option failureRate: expected a number from 0 to 1, got 1.5',
    );
    await expect(startFakeLlm({ latencyMs: [50, 10] })).rejects.toThrow(/latencyMs/);
  });

  it('keeps only the most recent request bodies', async () => {
    const llm = await start({ maxRecordedRequests: 2 });

    for (const n of [1, 2, 3])
      await chat(llm, { body: { messages: [{ role: 'user', content: `turn ${n}` }] } });

    expect(llm.requests().map((r) => r.messages[0]?.content)).toEqual(['turn 2', 'turn 3']);
  });

  it('forgets counters and requests on reset', async () => {
    const llm = await start();
    await chat(llm);

    llm.reset();

    expect(llm.stats()).toMatchObject({ requests: 0, ok: 0, maxInFlight: 0 });
    expect(llm.requests()).toEqual([]);
  });
});
