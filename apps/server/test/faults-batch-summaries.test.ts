import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { defaultTokenCounter, LIMITS, PriceTable, type SegmentRecord } from '@threadline/core';
import { createLlmSummarizerWithFallback, OpenAiCompatibleClient } from '@threadline/llm';
import { silentLogger } from '@threadline/observability';
import { RedisRuntime } from '@threadline/runtime';
import { startSessionWorker, type SessionWorkerHandle } from '@threadline/session-worker';
import { startSummarizerWorker, type SummarizerWorkerHandle } from '@threadline/summarizer';
import {
  deleteKeysWithPrefix,
  startFakeLlm,
  uniquePrefix,
  transcriptOf,
  type FakeLlm,
} from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';
import { buildServer } from '../src/server.ts';

/**
 * The loss scenario of a memory server that summarizes only what one write brought in, or
 * loses the turns of a large write while it seals: the biggest batch the API takes, in one
 * request, through the queues, the session worker and an LLM summarizer over HTTP.
 */

const url = testRedisUrl();
const prefix = uniquePrefix('faults-batch');
const apiKey = `key-${randomBytes(12).toString('hex')}`;
let llm: FakeLlm;
let worker: SessionWorkerHandle;
let summarizer: SummarizerWorkerHandle;
let runtime: RedisRuntime;
let app: FastifyInstance;

beforeAll(async () => {
  await defaultTokenCounter.prepare(['gpt-4o-mini']);
  const topology = { prefix, partitions: 4 };
  llm = await startFakeLlm({ seed: 3 });
  worker = await startSessionWorker({ redis: { url }, topology });
  summarizer = await startSummarizerWorker({
    redis: { url },
    topology,
    summarizer: createLlmSummarizerWithFallback({
      client: new OpenAiCompatibleClient({ baseUrl: llm.url, model: 'gpt-4o-mini' }),
      prices: new PriceTable(),
      tokens: defaultTokenCounter,
    }),
  });
  runtime = new RedisRuntime({ url, topology, tenant: 'runtime-tenant-unused' });
  app = await buildServer({
    runtime,
    apiKeys: { [apiKey]: 'acme' },
    adminKey: `admin-${randomBytes(12).toString('hex')}`,
    logger: silentLogger,
    rateLimit: false,
  });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await runtime?.close();
  await Promise.all([worker?.close(), summarizer?.close()]);
  await llm?.close();
  const redis = new Redis(url);
  await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
});

const marker = (i: number) => `[b${String(i).padStart(3, '0')}]`;

describe('a batch write of many messages', () => {
  it(`(d) summarizes all ${LIMITS.batchMaxEvents} events of one batch request: every sealed segment has its summary, and the summaries cover every event once`, async () => {
    const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
    const sessionId = 'batch-of-500';
    const created = await app.inject({
      method: 'POST',
      url: '/v1/sessions',
      headers,
      payload: { sessionId, infiniteContext: true, maxTurnsPerSegment: 4 },
    });
    expect(created.statusCode).toBe(201);

    const total = LIMITS.batchMaxEvents;
    const events = Array.from({ length: total }, (_, i) => {
      const eventId = `batch-${i}`;
      if (i % 7 === 6)
        return {
          type: 'tool_call',
          eventId,
          tool: 'ledger',
          arguments: { ref: marker(i) },
          result: { ok: true },
        };
      if (i % 2)
        return {
          type: 'assistant_message',
          eventId,
          content: `${marker(i)} noted.`,
          model: 'gpt-4o',
        };
      return { type: 'user_message', eventId, content: `${marker(i)} add item ${i}.` };
    });
    const sent = await app.inject({
      method: 'POST',
      url: `/v1/sessions/${sessionId}/events`,
      headers,
      payload: { events },
    });
    expect(sent.statusCode).toBe(202);
    expect(JSON.parse(sent.body)).toEqual({ accepted: events.map((e) => e.eventId) });

    const applied = await app.inject({
      method: 'GET',
      url: `/v1/sessions/${sessionId}/stats?waitFor=batch-${total - 1}&waitTimeoutMs=30000`,
      headers,
    });
    expect(applied.statusCode).toBe(200);
    await runtime.idle();

    const key = { tenant: 'acme', sessionId };
    const records = await runtime.store.readEvents(key, 0, total + 10);
    expect(records.map((r) => r.eventId)).toEqual(events.map((e) => e.eventId));

    const chainReply = await app.inject({
      method: 'GET',
      url: `/v1/sessions/${sessionId}/chain`,
      headers,
    });
    const { segments } = JSON.parse(chainReply.body) as { segments: SegmentRecord[] };
    const sealed = segments.slice(0, -1);
    const open = segments.at(-1)!;
    expect(sealed.length).toBeGreaterThan(50);
    // The chain covers seq 0 to the end without a gap or an overlap; each sealed segment is summarized.
    expect(segments[0]!.fromSeq).toBe(0);
    segments.slice(1).forEach((s, i) => expect(s.fromSeq).toBe(segments[i]!.toSeq));
    expect(open).toMatchObject({ status: 'open', toSeq: null });
    // Every sealed segment is summarized: by its own summary or by a catch-up summary attached to
    // a later segment; the summaries cover the sealed events end to end.
    for (const segment of sealed) expect(segment.status, segment.id).toBe('summarized');
    const summaries = sealed.flatMap((s) => (s.summary ? [s.summary] : []));
    summaries.forEach((summary, i) => {
      expect(summary.kind).toBe('llm');
      expect(summary.fromSeq).toBe(i === 0 ? 0 : summaries[i - 1]!.coversToSeq);
    });
    expect(summaries.at(-1)!.coversToSeq).toBe(open.fromSeq);

    // One LLM call per summary; every sealed event in exactly one of them, the open ones in none.
    const transcripts = llm.requests().map(transcriptOf);
    expect(transcripts).toHaveLength(summaries.length);
    for (const r of records) {
      const calls = transcripts.filter((t) => t.includes(marker(r.seq))).length;
      expect(calls, marker(r.seq)).toBe(r.seq < open.fromSeq ? 1 : 0);
    }

    const stats = await app.inject({
      method: 'GET',
      url: `/v1/sessions/${sessionId}/stats?allSegments=true`,
      headers,
    });
    expect(JSON.parse(stats.body)).toMatchObject({
      state: 'active',
      summaries: { made: summaries.length, llm: summaries.length, rejected: 0, pending: 0 },
    });
    // What the model gets next: the latest summary, then exactly the open segment's events.
    const window = await app.inject({
      method: 'GET',
      url: `/v1/sessions/${sessionId}/messages`,
      headers,
    });
    const { messages } = JSON.parse(window.body) as {
      messages: Array<{
        role: string;
        content: string | null;
        tool_calls?: Array<{ function: { arguments: string } }>;
      }>;
    };
    expect(messages[0]!.content).toContain(sealed.at(-1)!.summary!.text);
    const shown = messages
      .slice(1)
      .map((m) => m.content ?? m.tool_calls?.[0]?.function.arguments ?? '')
      .join('\n');
    for (const r of records)
      expect(shown.includes(marker(r.seq)), marker(r.seq)).toBe(r.seq >= open.fromSeq);
  });
});
