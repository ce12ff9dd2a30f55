import { converseOneSegmentAtATime } from './one-segment-at-a-time.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { SummarizeInput, Summarizer, SummaryOutcome } from '@threadline/core';
import { createIsolatedSummarizer, type IsolatedSummarizer } from '@threadline/llm';
import { SessionManager } from '@threadline/sdk';
import {
  deleteKeysWithPrefix,
  SPIN_MARKER,
  SPINNING_SUMMARIZER_MODULE,
  threadOfSummary,
  uniquePrefix,
} from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';
import { startInProcessFleet, type InProcessFleet } from '../../session-worker/test/fleet.ts';

/**
 * Summaries made in the worker threads of an isolated summarizer, through the real summarize
 * worker on a real Redis (a session worker and a summarizer in this process): a summary that
 * never ends, and the hostile 64 KB `a-a-a-…` message of the issue. Nothing here measures time:
 * a heartbeat on this (the main) thread counts its ticks while each summary is made, which an
 * event loop blocked by the summary could not do.
 */

const url = testRedisUrl();
const TENANT = 'acme';
const running: { fleet: InProcessFleet; pool: IsolatedSummarizer; prefix: string }[] = [];

afterEach(async () => {
  const redis = new Redis(url);
  for (const { fleet, pool, prefix } of running.splice(0)) {
    await fleet.close();
    await pool.close();
    await deleteKeysWithPrefix(redis, prefix);
  }
  await redis.quit();
});

interface Made {
  segmentIndex: number;
  outcome: SummaryOutcome;
  /** Heartbeat ticks on the main thread between the summary's start and its outcome. */
  heartbeatsWhileMaking: number;
}

/** `inner`, with a heartbeat `setInterval` on this thread counted while each summary is made. */
function heartbeatWatched(inner: Summarizer): {
  summarizer: Summarizer;
  made: Made[];
  stop(): void;
} {
  let ticks = 0;
  const heartbeat = setInterval(() => ticks++, 1);
  const made: Made[] = [];
  return {
    made,
    stop: () => clearInterval(heartbeat),
    summarizer: {
      async summarize(input: SummarizeInput) {
        const before = ticks;
        const outcome = await inner.summarize(input);
        made.push({
          segmentIndex: input.request.segmentIndex,
          outcome,
          heartbeatsWhileMaking: ticks - before,
        });
        return outcome;
      },
    },
  };
}

/** A fleet on its own prefix whose summarize worker uses `pool`, heartbeat-watched. */
async function fleetWith(pool: IsolatedSummarizer, label: string) {
  const prefix = uniquePrefix(label);
  const watched = heartbeatWatched(pool);
  const fleet = await startInProcessFleet({
    url,
    prefix,
    partitions: 2,
    tenant: TENANT,
    summarizer: watched.summarizer,
  });
  running.push({ fleet, pool, prefix });
  return { fleet, watched };
}

/**
 * One exchange per segment (two turns, `maxTurnsPerSegment: 2`), and a last user message that
 * seals the last of them.
 */
async function converse(fleet: InProcessFleet, sessionId: string, userTurns: string[]) {
  const sm = new SessionManager({
    runtime: fleet.runtime,
    sessionId,
    infiniteContext: true,
    maxTurnsPerSegment: 2,
  });
  await converseOneSegmentAtATime(sm, fleet.runtime.reader, TENANT, userTurns);
  await fleet.runtime.idle(120_000);
  const key = { tenant: TENANT, sessionId };
  return {
    chain: await fleet.runtime.reader.chain(key),
    session: (await fleet.runtime.reader.session(key)).session,
  };
}

describe('summaries in worker threads, through the summarize worker', () => {
  it('stops a summary that busy-loops in its thread at the timeout: the segment gets the marked fallback, the heartbeat kept firing meanwhile, and a new thread makes the next summary', async () => {
    const pool = createIsolatedSummarizer({
      module: SPINNING_SUMMARIZER_MODULE,
      timeoutMs: 1000,
      threads: 1,
    });
    const { fleet, watched } = await fleetWith(pool, 'isolated-spin');
    const { chain, session } = await converse(fleet, 'spin-1', [
      'Plan five days in Lisbon in May.',
      `Book the 9:39 train to Porto. ${SPIN_MARKER}`,
      'Find a hotel near Alfama.',
    ]);
    watched.stop();

    const [first, spun, after] = chain;
    expect(chain).toHaveLength(4);
    expect(spun!.summary).toMatchObject({
      kind: 'extractive',
      fallbackReason: 'SummaryTimeoutError: not made within 1000 ms (its thread was stopped)',
      // The previous summary's items as they were, and the events this one misses, named.
      text: expect.stringContaining(
        `(not summarized in time: events ${spun!.fromSeq}–${spun!.toSeq! - 1} are missing from this summary)`,
      ),
    });
    for (const item of first!.summary!.items) expect(spun!.summary!.text).toContain(item.text);
    // The main thread's heartbeat went on while the thread spun.
    const spinning = watched.made.find((m) => m.segmentIndex === 1)!;
    expect(spinning.heartbeatsWhileMaking).toBeGreaterThanOrEqual(3);
    // The spinning thread was terminated (a pool of one thread could not go on otherwise), and
    // the next summary was made normally, by the thread that replaced it.
    expect(after!.summary).toMatchObject({ kind: 'extractive', fallbackReason: null });
    expect(threadOfSummary(first!.summary!.text)).not.toBeNull();
    expect(threadOfSummary(after!.summary!.text)).not.toBe(threadOfSummary(first!.summary!.text));
    expect(pool.threadCounts.exited).toBe(1);
    expect(session.value).toBe('active');
    expect(session.context.pending).toEqual([]);
  });

  it('makes the summary of a 64 KB `a-a-a-…` message with the real extractive summarizer without blocking the main event loop, whatever it takes', async () => {
    // The hostile message: it stalled the process 15 s when summarized on its thread.
    const hostile = Array.from({ length: 32 * 1024 }, () => 'a').join('-');
    expect(hostile.length).toBeGreaterThanOrEqual(64 * 1024 - 1);
    const pool = createIsolatedSummarizer({ timeoutMs: 5000, threads: 1 });
    const { fleet, watched } = await fleetWith(pool, 'isolated-hostile');
    // The first segment is ordinary: its summary also starts the thread, so that the hostile
    // one is timed from a thread already loaded.
    const { chain, session } = await converse(fleet, 'hostile-1', [
      'Plan five days in Lisbon in May.',
      hostile,
    ]);
    watched.stop();

    expect(chain).toHaveLength(3);
    const summary = chain[1]!.summary!;
    expect(summary.kind).toBe('extractive');
    // Made in time or stopped at the timeout: either way marked for what it is.
    if (summary.fallbackReason !== null)
      expect(summary.fallbackReason).toBe(
        'SummaryTimeoutError: not made within 5000 ms (its thread was stopped)',
      );
    // The heartbeat kept ticking while it was made: a summary on this thread gets none.
    const made = watched.made.find((m) => m.segmentIndex === 1)!;
    expect(made.heartbeatsWhileMaking).toBeGreaterThanOrEqual(1);
    expect(session.value).toBe('active');
    expect(session.context.pending).toEqual([]);
  });
});
