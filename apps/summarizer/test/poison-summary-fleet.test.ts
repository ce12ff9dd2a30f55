import { converseOneSegmentAtATime } from './one-segment-at-a-time.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { defaultTokenCounter } from '@threadline/core';
import { summaryJobId, SUMMARIZE_QUEUE } from '@threadline/queue';
import { RedisRuntime, SessionManager } from '@threadline/sdk';
import { deleteKeysWithPrefix, uniquePrefix } from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';
import {
  startSessionWorker,
  type SessionWorkerHandle,
} from '../../session-worker/src/session-worker.ts';
import {
  startEntryPoint,
  type ThreadlineProcess,
} from '../../session-worker/test/worker-processes.ts';
import { STALLED_OUT_REASON } from '../src/failed-summary-answer.ts';

/**
 * A poison summarize job across a fleet of summarizer processes: a segment whose summary kills
 * the process that makes it (`fixtures/self-killing-summarizer.ts` SIGKILLs itself on the
 * marker). With `maxStalledCount` 1 the job is handed to a second process after the first dies,
 * and failed when it stalls again, instead of killing every process that takes it; the session
 * still gets a summary for that segment (the marked fallback, made without running the code that
 * failed) and leaves `summarizing`; the other sessions' summaries keep landing throughout.
 *
 * Two summarizer processes serve; each that dies is replaced at once, as an orchestrator would.
 */

const url = testRedisUrl();
const prefix = uniquePrefix('poison-summary');
const topology = { prefix, partitions: 2 };
const TENANT = 'acme';
const MARKER = '<<kills-its-summarizer>>';
/** The summarize worker's `maxStalledCount` (its default, which the test processes keep). */
const MAX_STALLED_COUNT = 1;
/** Deaths after which the test stops replacing processes (a poison job spreading). */
const REPLACEMENT_LIMIT = 6;

type SummarizerProcess = ThreadlineProcess<'self-killing-summarizer'>;

/** The summarizer processes, each replaced when it dies (SIGKILLed by its poison segment). */
class SummarizerFleet {
  readonly serving = new Set<SummarizerProcess>();
  readonly died: { pid: number | undefined; output: string }[] = [];
  readonly starting = new Set<Promise<unknown>>();
  #stopping = false;

  start(): Promise<SummarizerProcess> {
    const started = startEntryPoint(
      {
        kind: 'self-killing-summarizer',
        main: new URL('./fixtures/self-killing-summarizer.ts', import.meta.url),
        ready: /summarizer consuming/,
      },
      {
        REDIS_URL: url,
        THREADLINE_PREFIX: prefix,
        THREADLINE_PARTITIONS: String(topology.partitions),
        TEST_POISON_MARKER: MARKER,
      },
    ).then((proc) => {
      this.serving.add(proc);
      void proc.exited.then(() => {
        this.serving.delete(proc);
        if (this.#stopping) return;
        this.died.push({ pid: proc.child.pid, output: proc.output() });
        if (this.died.length < REPLACEMENT_LIMIT) void this.start();
      });
      return proc;
    });
    this.starting.add(started);
    void started.finally(() => this.starting.delete(started)).catch(() => undefined);
    return started;
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.allSettled([...this.starting]);
    await Promise.all([...this.serving].map((p) => p.terminate()));
  }
}

/** The life of a session of the tenant (its summary job ids carry it). */
async function lifeOf(sessionId: string): Promise<string> {
  return (await runtime.reader.session({ tenant: TENANT, sessionId })).session.context.life;
}

let fleet: SummarizerFleet;
let worker: SessionWorkerHandle;
let runtime: RedisRuntime;
let redis: Redis;

beforeAll(async () => {
  await defaultTokenCounter.prepare(['gpt-4o-mini']);
  redis = new Redis(url, { maxRetriesPerRequest: null });
  fleet = new SummarizerFleet();
  [worker] = await Promise.all([
    startSessionWorker({ redis: { url }, topology, lockDurationMs: 3000, stalledIntervalMs: 1000 }),
    fleet.start(),
    fleet.start(),
  ]);
  runtime = new RedisRuntime({ url, topology, tenant: TENANT });
}, 90_000);

afterAll(async () => {
  await runtime?.close();
  await worker?.close();
  await fleet?.stop();
  await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
});

/** Exchanges of two turns (one segment each with `maxTurnsPerSegment: 2`), then a last message. */
async function converse(sessionId: string, userTurns: string[]): Promise<void> {
  const sm = new SessionManager({
    runtime,
    sessionId,
    infiniteContext: true,
    maxTurnsPerSegment: 2,
  });
  await converseOneSegmentAtATime(sm, runtime.reader, TENANT, userTurns);
}

/** Waits (at most 120 s) until every session is `active` with no summary pending. */
async function settled(sessionIds: string[]): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const sessions = await Promise.all(
      sessionIds.map(
        async (sessionId) => (await runtime.reader.session({ tenant: TENANT, sessionId })).session,
      ),
    );
    const waiting = sessionIds.filter(
      (_, i) => sessions[i]!.value !== 'active' || sessions[i]!.context.pending.length > 0,
    );
    if (waiting.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(
        `still summarizing: ${waiting.join(', ')}; deaths: ${fleet.died.length}\n` +
          fleet.died.map((d) => d.output.slice(-1500)).join('\n---\n'),
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a poison summarize job across a fleet of summarizer processes', () => {
  it('fails the job after the stalled limit instead of handing it on forever: at most maxStalledCount + 1 processes die, the other sessions keep getting summaries, and the poisoned session gets the marked fallback and leaves summarizing', async () => {
    const healthy = ['healthy-1', 'healthy-2', 'healthy-3', 'healthy-4'];
    const poisoned = 'poisoned-1';
    // The poisoned session's first segment is ordinary; its second holds the marker. The healthy
    // ones talk meanwhile, and go on talking while the fleet loses processes to it.
    await Promise.all([
      converse(poisoned, ['Plan five days in Lisbon in May.', `Book the 9:39 train. ${MARKER}`]),
      ...healthy.map((id) => converse(id, ['Plan a trip to Porto.', 'Book the hotel.'])),
    ]);
    await Promise.all(
      healthy.map((id) => converse(id, ['Now plan Madrid.', 'And a train to Seville.'])),
    );
    await settled([poisoned, ...healthy]);

    // The job is failed for good, as stalled too often (BullMQ's deferred failure).
    const summarize = new Queue(SUMMARIZE_QUEUE, { connection: redis, prefix });
    try {
      const job = await summarize.getJob(summaryJobId(TENANT, poisoned, await lifeOf(poisoned), 1));
      expect(await job!.getState()).toBe('failed');
      expect(job!.failedReason).toBe(STALLED_OUT_REASON);
    } finally {
      await summarize.close();
    }
    // It killed the process that took it, and the one it was handed to; none after.
    expect(fleet.died.length).toBeGreaterThanOrEqual(1);
    expect(fleet.died.length).toBeLessThanOrEqual(MAX_STALLED_COUNT + 1);
    for (const death of fleet.died)
      expect(death.output).toMatch(/poison segment poisoned-1\.s1: SIGKILLing myself/);

    // The poisoned segment has the marked fallback: the summary before it as it was, and the
    // events it misses, named; the session is active again.
    const [first, poisonedSegment] = await runtime.reader.chain({
      tenant: TENANT,
      sessionId: poisoned,
    });
    expect(poisonedSegment!.status).toBe('summarized');
    expect(poisonedSegment!.summary).toMatchObject({
      kind: 'extractive',
      fallbackReason:
        'SummaryJobStalledError: the summarizers taking this summary died or hung 2 times; it was not tried again',
      text: expect.stringContaining(
        `(not summarized in time: events ${poisonedSegment!.fromSeq}–${poisonedSegment!.toSeq! - 1} are missing from this summary)`,
      ),
    });
    for (const item of first!.summary!.items)
      expect(poisonedSegment!.summary!.text).toContain(item.text);

    // Every sealed segment of the other sessions has its summary.
    for (const sessionId of healthy) {
      const chain = await runtime.reader.chain({ tenant: TENANT, sessionId });
      expect(chain).toHaveLength(5);
      for (const segment of chain.slice(0, -1)) {
        expect(segment.status, segment.id).toBe('summarized');
        expect(segment.summary?.kind, segment.id).toBe('extractive');
      }
    }
  });
});
