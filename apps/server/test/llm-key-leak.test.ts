/**
 * The LLM's errors never reach tenants: OpenAI's 401 says "Incorrect API key provided:
 * sk-proj-****wxyz", and the client's error names the LLM's URL. The summary's fallbackReason
 * (returned by GET /v1/sessions/:id/chain and /export) only says the kind of failure
 * (libs/llm tenantSafeReason); the full error goes to the summarizer's log (onFallback).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { defaultTokenCounter, PriceTable } from '@threadline/core';
import { createLlmSummarizerWithFallback, OpenAiCompatibleClient } from '@threadline/llm';
import { silentLogger } from '@threadline/observability';
import { RedisRuntime } from '@threadline/runtime';
import { startSessionWorker, type SessionWorkerHandle } from '@threadline/session-worker';
import { startSummarizerWorker, type SummarizerWorkerHandle } from '@threadline/summarizer';
import { deleteKeysWithPrefix, uniquePrefix } from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';
import { buildServer } from '../src/server.ts';

const url = testRedisUrl();
const prefix = uniquePrefix('llm-key-leak');
const tenantKey = `key-${randomBytes(12).toString('hex')}`;
const llmKey = `sk-proj-${randomBytes(16).toString('hex')}`;
let provider: http.Server;
let llmUrl: string;
let worker: SessionWorkerHandle;
let summarizer: SummarizerWorkerHandle;
let runtime: RedisRuntime;
let app: FastifyInstance;
const operatorLog: string[] = [];

beforeAll(async () => {
  await defaultTokenCounter.prepare(['gpt-4o-mini']);
  // A provider that refuses the key the way OpenAI does: masked, but with its last 4 characters.
  provider = http.createServer((request, response) => {
    const key = String(request.headers.authorization ?? '').replace(/^Bearer /, '');
    response.writeHead(401, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        error: {
          message: `Incorrect API key provided: ${key.slice(0, 8)}****${key.slice(-4)}.`,
          code: 'invalid_api_key',
        },
      }),
    );
  });
  await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
  llmUrl = `http://127.0.0.1:${(provider.address() as AddressInfo).port}/v1`;
  const topology = { prefix, partitions: 2 };
  worker = await startSessionWorker({ redis: { url }, topology });
  summarizer = await startSummarizerWorker({
    redis: { url },
    topology,
    summarizer: createLlmSummarizerWithFallback({
      client: new OpenAiCompatibleClient({ baseUrl: llmUrl, model: 'gpt-4o-mini', apiKey: llmKey }),
      prices: new PriceTable(),
      tokens: defaultTokenCounter,
      onFallback: (error) => operatorLog.push(String(error)),
    }),
  });
  runtime = new RedisRuntime({ url, topology, tenant: 'runtime-tenant-unused' });
  app = await buildServer({
    runtime,
    apiKeys: { [tenantKey]: 'acme' },
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
  provider?.close();
  const redis = new Redis(url);
  await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
});

describe('the LLM key', () => {
  it("never reaches a tenant, not even masked, nor the LLM's address", async () => {
    const headers = { authorization: `Bearer ${tenantKey}` };
    await app.inject({
      method: 'POST',
      url: '/v1/sessions',
      headers,
      payload: { sessionId: 'leak', infiniteContext: true, maxTurnsPerSegment: 2 },
    });
    await app.inject({
      method: 'POST',
      url: '/v1/sessions/leak/events',
      headers,
      payload: {
        events: Array.from({ length: 6 }, (_, i) => ({ type: 'user_message', content: `m${i}` })),
      },
    });
    let chain = '';
    for (let i = 0; i < 100 && !chain.includes('fallbackReason":"'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      chain = (await app.inject({ method: 'GET', url: '/v1/sessions/leak/chain', headers })).body;
    }
    expect(chain).toContain('"kind":"extractive"');
    expect(chain).not.toContain(`${llmKey.slice(0, 8)}****${llmKey.slice(-4)}`);
    expect(chain).not.toContain(llmUrl);
    expect(chain).toContain(
      '"fallbackReason":"LlmHttpError: the LLM answered 401 (after 1 LLM call)"',
    );
    const exported = (await app.inject({ method: 'GET', url: '/v1/sessions/leak/export', headers }))
      .body;
    expect(exported).toContain('the LLM answered 401');
    expect(exported).not.toContain(llmUrl);
    expect(exported).not.toContain(`****${llmKey.slice(-4)}`);
    // Operators still get the whole story, through onFallback (the summarizer logs it).
    expect(operatorLog.join('\n')).toContain(`POST ${llmUrl}/chat/completions answered 401`);
  });
});
