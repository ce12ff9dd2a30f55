import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { defaultTokenCounter } from '@threadline/core';
import { RedisRuntime, SessionManager } from '@threadline/sdk';
import {
  deleteKeysWithPrefix,
  REFUSAL_TEXT,
  startFakeLlm,
  uniquePrefix,
  type FakeLlm,
} from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';
import { startSessionWorker, type SessionWorkerHandle } from '../src/session-worker.ts';
import { startThreadlineProcess, type ThreadlineProcess } from './faults-support.ts';

/**
 * An LLM that answers 200 with nothing usable, through the real summarizer process configured
 * from its environment: the answer is refused as a failure, retried, and the segment gets the
 * extractive summary, marked with why. (llm-summaries.test.ts covers the same in-process with
 * 100 000 characters of noise; here the noise is 50 000 tokens and more, the rule that refused
 * it is named, and the calls paid for are counted.)
 */

const url = testRedisUrl();
const prefix = uniquePrefix('faults-garbage');
const topology = { prefix, partitions: 2 };
/** Calls per summary, the first included (THREADLINE_LLM_MAX_ATTEMPTS). */
const ATTEMPTS = 2;
/** 50 000 tokens at the fake's 4 characters a token, and some. */
const NOISE_CHARS = 220_000;
let llm: FakeLlm;
let summarizer: ThreadlineProcess;
let worker: SessionWorkerHandle;
let runtime: RedisRuntime;

beforeAll(async () => {
  await defaultTokenCounter.prepare(['gpt-4o-mini']);
  llm = await startFakeLlm({ seed: 5, garbageRate: 1, noiseChars: NOISE_CHARS });
  [summarizer, worker] = await Promise.all([
    startThreadlineProcess('summarizer', {
      REDIS_URL: url,
      THREADLINE_PREFIX: prefix,
      THREADLINE_PARTITIONS: String(topology.partitions),
      THREADLINE_LLM_BASE_URL: llm.url,
      THREADLINE_LLM_MAX_ATTEMPTS: String(ATTEMPTS),
      THREADLINE_LLM_TIMEOUT_MS: '10000',
    }),
    startSessionWorker({ redis: { url }, topology }),
  ]);
  runtime = new RedisRuntime({ url, topology, tenant: 'acme' });
});

afterAll(async () => {
  await runtime?.close();
  await worker?.close();
  await summarizer?.terminate();
  await llm?.close();
  const redis = new Redis(url);
  await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
});

describe('useless LLM answers, through the summarizer process', () => {
  const cases = [
    {
      kind: 'empty',
      answer: 'an empty answer',
      rule: /^LlmBadOutputError: summary rejected \(empty\)/,
    },
    {
      kind: 'refusal',
      answer: 'a refusal',
      rule: /^LlmBadOutputError: summary rejected \(refusal\): .*I'm sorry/,
    },
    {
      kind: 'noise',
      answer: `${NOISE_CHARS} characters (over 50 000 tokens) of noise`,
      rule: /^LlmBadOutputError: summary rejected \(noise\): /,
    },
  ] as const;

  for (const { kind, answer, rule } of cases)
    it(`refuses ${answer} as a failure and lands the extractive summary, marked`, async () => {
      llm.reset();
      llm.configure({ garbageKind: kind });
      const sm = new SessionManager({
        runtime,
        infiniteContext: true,
        maxTurnsPerSegment: 2,
      });
      await sm.userSays('We need 12 seats on the Business plan from 3 January 2027.');
      await sm.aiResponds('Business costs 99 USD a month for up to 25 seats.');
      await sm.userSays('Go ahead.');
      await sm.getStats();
      await runtime.idle();

      const [sealed] = await sm.getChain();
      expect(sealed!.status).toBe('summarized');
      expect(sealed!.summary).toMatchObject({ kind: 'extractive', model: null });
      expect(sealed!.summary!.fallbackReason).toMatch(rule);
      expect(sealed!.summary!.fallbackReason).toMatch(
        new RegExp(`\\(after ${ATTEMPTS} LLM calls\\)$`),
      );
      expect(sealed!.summary!.text).toMatch(/12 seats/);
      expect(sealed!.summary!.text).not.toContain(REFUSAL_TEXT);
      // Every call was answered 200 with garbage and refused; none was taken as a summary.
      expect(llm.stats()).toMatchObject({ requests: ATTEMPTS, garbage: ATTEMPTS, ok: 0 });
      const stats = await sm.getStats({ allSegments: true });
      expect(stats.state).toBe('active');
      expect(stats.summaries).toMatchObject({ made: 1, extractive: 1, llm: 0, pending: 0 });
      const messages = await sm.getMessagesForLlm();
      expect(messages[0]!.content).toContain(sealed!.summary!.text);
    });
});
