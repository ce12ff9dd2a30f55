import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { defaultTokenCounter, PriceTable } from '@threadline/core';
import { createLlmSummarizerWithFallback, OpenAiCompatibleClient } from '@threadline/llm';
import { SessionManager } from '@threadline/sdk';
import {
  deleteKeysWithPrefix,
  startFakeLlm,
  uniquePrefix,
  type FakeLlm,
} from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';
import { startInProcessFleet, type InProcessFleet } from './fleet.ts';

const url = testRedisUrl();
const prefix = uniquePrefix('llm');
let fleet: InProcessFleet;
let llm: FakeLlm;

beforeAll(async () => {
  llm = await startFakeLlm({ latencyMs: 20, seed: 7 });
  const client = new OpenAiCompatibleClient({
    baseUrl: llm.url,
    model: 'gpt-4o-mini',
    timeoutMs: 500,
  });
  const summarizer = createLlmSummarizerWithFallback({
    client,
    prices: new PriceTable(),
    tokens: defaultTokenCounter,
    maxAttempts: 3,
    baseDelayMs: 10,
    maxDelayMs: 50,
    // As apps/summarizer wires it: a 429 pauses the whole pool through BullMQ's rate limiter.
    onRateLimit: (ms) => fleet.summarizers[0]!.rateLimit(ms),
  });
  fleet = await startInProcessFleet({ url, prefix, summarizer });
});

beforeEach(() => {
  llm.reset();
  llm.configure({ failureRate: 0, timeoutRate: 0, rateLimitRate: 0, garbageRate: 0 });
});

afterAll(async () => {
  await fleet?.close();
  await llm?.close();
  const redis = new Redis(url);
  await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
});

async function conversationThatSeals(): Promise<SessionManager> {
  const sm = new SessionManager({
    runtime: fleet.runtime,
    infiniteContext: true,
    maxTurnsPerSegment: 2,
  });
  await sm.userSays('We need 12 seats on the Business plan from 3 January 2027.');
  await sm.aiResponds('Business costs 99 USD a month for up to 25 seats.', { model: 'gpt-4o' });
  await sm.userSays('Go ahead.');
  await sm.getStats();
  await fleet.runtime.idle();
  return sm;
}

describe('summaries by an LLM over HTTP', () => {
  it('attaches the LLM summary with its model, tokens and cost recorded on the session', async () => {
    const sm = await conversationThatSeals();
    const [sealed] = await sm.getChain();
    expect(sealed!.summary).toMatchObject({
      kind: 'llm',
      model: 'gpt-4o-mini',
      fallbackReason: null,
      attempts: 1,
    });
    expect(sealed!.summary!.completionTokens).toBeGreaterThan(0);
    expect(sealed!.summary!.costNano).toBeGreaterThan(0);
    const stats = await sm.getStats({ allSegments: true });
    expect(stats.summaries).toMatchObject({ made: 1, llm: 1, pending: 0 });
    expect(stats.summaries.costNano).toBe(sealed!.summary!.costNano);
    expect(llm.stats().ok).toBe(1);
  });

  it('falls back to the extractive summary, marked, when the LLM fails every time, and leaves summarizing', async () => {
    llm.configure({ failureRate: 1 });
    const sm = await conversationThatSeals();
    const [sealed] = await sm.getChain();
    expect(sealed!.summary!.kind).toBe('extractive');
    expect(sealed!.summary!.fallbackReason).toMatch(/500/);
    expect(sealed!.summary!.text).toMatch(/12 seats/);
    expect(llm.stats().failures).toBe(3);
    expect((await sm.getStats()).state).toBe('active');
  });

  it('honours a 429 Retry-After: the pool is rate limited in BullMQ, the call waits, then the LLM summary lands', async () => {
    llm.configure({ rateLimitRate: 1, retryAfterSeconds: 1 });
    const sm = new SessionManager({
      runtime: fleet.runtime,
      infiniteContext: true,
      maxTurnsPerSegment: 1,
    });
    await sm.userSays('First: the deposit is 300 EUR.');
    const started = Date.now();
    await sm.userSays('Second.');
    await sm.getStats();
    const queue = fleet.runtime.producer.queue('{summarize}');
    // The 429 arrives within the first call; the pool's limiter key then carries its Retry-After.
    let ttl = 0;
    while (Date.now() - started < 3000 && ttl <= 0) {
      ttl = await queue.getRateLimitTtl();
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(ttl).toBeGreaterThan(0);
    llm.configure({ rateLimitRate: 0 });
    await fleet.runtime.idle();
    const [sealed] = await sm.getChain();
    expect(sealed!.summary).toMatchObject({ kind: 'llm', attempts: 2 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(llm.stats().rateLimited).toBeGreaterThanOrEqual(1);
  });

  it('rejects empty, refusing or noisy LLM output as failures and falls back', async () => {
    for (const garbageKind of ['empty', 'refusal', 'noise'] as const) {
      llm.reset();
      llm.configure({ garbageRate: 1, garbageKind });
      const sm = await conversationThatSeals();
      const [sealed] = await sm.getChain();
      expect(sealed!.summary, garbageKind).toMatchObject({ kind: 'extractive' });
      expect(sealed!.summary!.fallbackReason, garbageKind).toMatch(/LlmBadOutputError/);
    }
  });
});
