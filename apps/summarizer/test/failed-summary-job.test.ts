import { converseOneSegmentAtATime } from './one-segment-at-a-time.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue, UnrecoverableError } from 'bullmq';
import { Redis } from 'ioredis';
import type { Summarizer } from '@threadline/core';
import { summaryJobId, SUMMARIZE_QUEUE } from '@threadline/queue';
import { SessionManager } from '@threadline/sdk';
import { deleteKeysWithPrefix, uniquePrefix } from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';
import {
  extractive,
  startInProcessFleet,
  type InProcessFleet,
} from '../../session-worker/test/fleet.ts';

/**
 * A summarize job that fails for good by an ordinary failure (here its last attempt throws; with
 * the producer's 8 attempts that is after about two minutes of backoff, so the summarizer throws
 * an `UnrecoverableError`, which BullMQ fails at once): its session still gets a summary for the
 * segment, the cheap marked fallback, and leaves `summarizing`. (The stalled-out case, in
 * poison-summary-fleet.test.ts.)
 */

const url = testRedisUrl();
const prefix = uniquePrefix('failed-summary');
const TENANT = 'acme';
const FAILING = '<<this summary fails>>';
let fleet: InProcessFleet;
let redis: Redis;

/** The extractive summarizer, but a segment with {@link FAILING} in it fails for good. */
const failingOnMarker = (): Summarizer => {
  const inner = extractive();
  return {
    async summarize(input) {
      if (input.events.some((e) => e.content?.includes(FAILING)))
        throw new UnrecoverableError('the summary cannot be made');
      return inner.summarize(input);
    },
  };
};

beforeAll(async () => {
  redis = new Redis(url);
  fleet = await startInProcessFleet({
    url,
    prefix,
    partitions: 2,
    tenant: TENANT,
    summarizer: failingOnMarker(),
  });
});

afterAll(async () => {
  await fleet?.close();
  await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
});

describe('a summarize job that fails for good', () => {
  it('still answers the segment with the marked fallback, so the session leaves summarizing; the next segment is summarized as usual', async () => {
    const sessionId = 'fails-1';
    const sm = new SessionManager({
      runtime: fleet.runtime,
      sessionId,
      infiniteContext: true,
      maxTurnsPerSegment: 2,
    });
    await converseOneSegmentAtATime(sm, fleet.runtime.reader, TENANT, [
      'Plan a trip to Porto.',
      `Book the hotel. ${FAILING}`,
      'Now Madrid.',
    ]);
    const key = { tenant: TENANT, sessionId };
    // The answer to a failed job is sent after the job has failed: wait for the session itself.
    const deadline = Date.now() + 60_000;
    while ((await fleet.runtime.reader.session(key)).session.value !== 'active') {
      if (Date.now() > deadline) throw new Error('the session is still summarizing');
      await new Promise((r) => setTimeout(r, 50));
    }
    await fleet.runtime.idle();

    const summarize = new Queue(SUMMARIZE_QUEUE, { connection: redis, prefix });
    try {
      const job = await summarize.getJob(
        summaryJobId(
          TENANT,
          sessionId,
          (await fleet.runtime.reader.session(key)).session.context.life,
          1,
        ),
      );
      expect(await job!.getState()).toBe('failed');
      expect(job!.failedReason).toBe('the summary cannot be made');
    } finally {
      await summarize.close();
    }
    const [first, failed, next] = await fleet.runtime.reader.chain(key);
    expect(failed!.summary).toMatchObject({
      kind: 'extractive',
      fallbackReason: 'SummaryJobFailedError: the summary failed 1 time; it was not tried again',
      text: expect.stringContaining(
        `(not summarized in time: events ${failed!.fromSeq}–${failed!.toSeq! - 1} are missing from this summary)`,
      ),
    });
    for (const item of first!.summary!.items) expect(failed!.summary!.text).toContain(item.text);
    expect(next!.summary).toMatchObject({ kind: 'extractive', fallbackReason: null });
    const { session } = await fleet.runtime.reader.session(key);
    expect(session.context.pending).toEqual([]);
  });
});
