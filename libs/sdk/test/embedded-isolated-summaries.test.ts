import { afterAll, describe, expect, it } from 'vitest';
import { createIsolatedSummarizer } from '@threadline/llm';
import { SPIN_MARKER, SPINNING_SUMMARIZER_MODULE, threadOfSummary } from '@threadline/testing';
import { EmbeddedRuntime, SessionManager } from '../src/index.ts';

/**
 * The embedded runtime with its extractive summaries made in worker threads: opt-in (the
 * default stays on the caller's thread), by passing an isolated summarizer as `extractive`.
 */

const pool = createIsolatedSummarizer({
  module: SPINNING_SUMMARIZER_MODULE,
  timeoutMs: 1000,
  threads: 1,
});
afterAll(() => pool.close());

describe('EmbeddedRuntime with an isolated extractive summarizer', () => {
  it('makes its summaries in the pool, and a summary that never ends becomes the marked fallback', async () => {
    const runtime = new EmbeddedRuntime({ extractive: pool });
    const sm = new SessionManager({ runtime, infiniteContext: true, maxTurnsPerSegment: 2 });
    // One segment at a time: each summary lands before the next segment is sealed.
    for (const text of ['Plan a trip to Porto.', `Book the hotel. ${SPIN_MARKER}`, 'Now Madrid.']) {
      await sm.userSays(text);
      await sm.aiResponds('Noted.');
      await sm.flush();
    }
    await sm.userSays('Thanks.');
    await sm.flush();
    const [first, spun, next] = await sm.getChain();
    expect(threadOfSummary(first!.summary!.text)).not.toBeNull();
    expect(spun!.summary).toMatchObject({
      kind: 'extractive',
      fallbackReason: 'SummaryTimeoutError: not made within 1000 ms (its thread was stopped)',
    });
    expect(next!.summary).toMatchObject({ kind: 'extractive', fallbackReason: null });
    await runtime.close();
  });
});
