import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { SessionManager } from '@threadline/sdk';
import { deleteKeysWithPrefix, uniquePrefix } from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';
import type { Summarizer } from '@threadline/core';
import { extractive, startInProcessFleet, type InProcessFleet } from './fleet.ts';

const url = testRedisUrl();
const prefix = uniquePrefix('during');
let fleet: InProcessFleet;
let summarized = 0;

/** The extractive summary, but slow like an LLM: turns keep arriving while it is made. */
const slow: Summarizer = {
  async summarize(input) {
    summarized += 1;
    await new Promise((r) => setTimeout(r, 250));
    return extractive().summarize(input);
  },
};

beforeAll(async () => {
  fleet = await startInProcessFleet({ url, prefix, summarizer: slow });
});

afterAll(async () => {
  await fleet?.close();
  const redis = new Redis(url);
  await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
});

describe('a summary landing while new turns arrive', () => {
  it('never leaves a turn out of the context, and summarizes each turn once', async () => {
    const sm = new SessionManager({
      runtime: fleet.runtime,
      infiniteContext: true,
      maxTurnsPerSegment: 4,
    });
    const written: string[] = [];
    let sawPending = 0;
    for (let i = 0; i < 40; i++) {
      const text = `turn ${i}: the figure is ${i * 7}`;
      await (i % 2 ? sm.aiResponds(text) : sm.userSays(text));
      written.push(text);
      const { messages, report } = await sm.getContextWindow();
      if (report.pendingSummaryEvents > 0) sawPending += 1;
      const shown = new Set(messages.map((m) => m.content));
      written.forEach((t, seq) => {
        if (seq >= report.summaryCoversToSeq)
          expect(shown.has(t), `turn ${seq} missing after ${i}`).toBe(true);
      });
      await new Promise((r) => setTimeout(r, 15));
    }
    await fleet.runtime.idle();
    const chain = await sm.getChain();
    expect(chain.filter((s) => s.status === 'summarized')).toHaveLength(9);
    expect(chain.at(-1)!.status).toBe('open');
    // Once per event: segments sealed while a summary was being made share one catch-up
    // summary, and the summaries cover the sealed turns end to end.
    const summaries = chain.flatMap((s) => (s.summary ? [s.summary] : []));
    expect(summarized).toBe(summaries.length);
    expect(summarized).toBeLessThanOrEqual(9);
    summaries.forEach((summary, i) =>
      expect(summary.fromSeq).toBe(i === 0 ? 0 : summaries[i - 1]!.coversToSeq),
    );
    expect(summaries.at(-1)!.coversToSeq).toBe(chain.at(-1)!.fromSeq);
    expect(sawPending).toBeGreaterThan(0);
    expect((await sm.getStats()).summaries).toMatchObject({
      made: summaries.length,
      rejected: 0,
      pending: 0,
    });
  });
});
