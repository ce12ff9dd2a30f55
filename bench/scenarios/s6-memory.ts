import { Redis } from 'ioredis';
import { defaultTokenCounter, PriceTable, type AcceptedEvent } from '@threadline/core';
import { SessionEngine } from '@threadline/engine';
import {
  EventProducer,
  eventQueueNames,
  EVENT_JOB_OPTIONS,
  type QueueTopology,
} from '@threadline/queue';
import { RedisSessionStore } from '@threadline/store';
import { startBenchRedis, usedMemory } from '../lib/bench-redis.ts';
import {
  contentBytes,
  conversationEvents,
  oneEventPerSession,
  seededRandom,
} from '../lib/fixtures.ts';
import { ENTRIES, rssBytes, startNodeProcess, type BenchProcess } from '../lib/processes.ts';
import { Progress } from '../lib/progress.ts';
import {
  completedCount,
  enqueueAll,
  obliteratePartitions,
  setPartitionsPaused,
} from '../lib/queue-drive.ts';
import type {
  Scenario,
  ScenarioContext,
  ScenarioResult,
  TargetResult,
} from '../lib/report-types.ts';
import { fmt, fmtBytes, mean, median } from '../lib/stats.ts';

const TENANT = 'bench';

interface SizeClass {
  name: string;
  chars: [number, number];
}

const CLASSES: SizeClass[] = [
  { name: 'short messages (~100 B)', chars: [80, 120] },
  { name: 'long messages (~1 KB)', chars: [900, 1100] },
];

interface StoreFootprint {
  name: string;
  sessions: number;
  events: number;
  contentPerEvent: number;
  bytesPerEvent: number;
  bytesPerSession: number;
  /** MEMORY USAGE of one session's keys, per event where it grows with events. */
  sample: { eventsPerEvent: number; idsPerEvent: number; state: number; eventsKeyPerEvent: number };
}

async function storeFootprint(
  admin: Redis,
  engine: SessionEngine,
  store: RedisSessionStore,
  name: string,
  sessions: number,
  perSession: number,
  options: Parameters<typeof conversationEvents>[3],
  tag: string,
): Promise<StoreFootprint> {
  const rand = seededRandom(tag.length * 97 + perSession);
  const m0 = await usedMemory(admin);
  for (let s = 0; s < sessions; s++)
    await engine.createSession(
      { tenant: TENANT, sessionId: `${tag}-s${s}` },
      { systemPrompt: 'You are a concise travel planner.' },
      '2026-01-01T00:00:00.000Z',
    );
  const m1 = await usedMemory(admin);
  let content = 0;
  for (let s = 0; s < sessions; s++) {
    const events: AcceptedEvent[] = conversationEvents(`${tag}-s${s}`, perSession, rand, options);
    content += events.reduce((n, e) => n + contentBytes(e), 0);
    for (let i = 0; i < events.length; i += 64)
      await engine.applyBatch(
        { tenant: TENANT, sessionId: `${tag}-s${s}` },
        events.slice(i, i + 64),
      );
  }
  const m2 = await usedMemory(admin);
  const keys = store.keysOf({ tenant: TENANT, sessionId: `${tag}-s0` });
  const usage = async (k: string) =>
    Number((await admin.call('MEMORY', 'USAGE', k, 'SAMPLES', '0')) ?? 0);
  return {
    name,
    sessions,
    events: sessions * perSession,
    contentPerEvent: content / (sessions * perSession),
    bytesPerEvent: (m2 - m1) / (sessions * perSession),
    bytesPerSession: (m1 - m0) / sessions,
    sample: {
      eventsPerEvent: (await usage(keys.events)) / perSession,
      idsPerEvent: (await usage(keys.ids)) / perSession,
      state: await usage(keys.state),
      eventsKeyPerEvent: 0,
    },
  };
}

/** What bench/gc-probe.ts prints after its full GC: `process.memoryUsage()` and the GC's time. */
interface GcProbe {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  gcMs: number;
}

/** Asks the worker (preloaded with bench/gc-probe.ts) for a full GC and the memory it then retains. */
async function fullGc(worker: BenchProcess): Promise<GcProbe> {
  const seen = worker.output().split('gc-probe ').length;
  process.kill(worker.pid, 'SIGUSR2');
  const deadline = Date.now() + 10_000;
  for (;;) {
    const parts = worker.output().split('gc-probe ');
    if (parts.length > seen) return JSON.parse(parts.at(-1)!.split('\n')[0]!) as GcProbe;
    if (Date.now() > deadline) throw new Error('the worker did not answer the GC probe');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function run(ctx: ScenarioContext): Promise<ScenarioResult> {
  const t0 = performance.now();
  const sessions = ctx.quick ? 50 : 200;
  const perSession = ctx.quick ? 50 : 100;
  const touchTarget = ctx.quick ? 5_000 : 100_000;
  const checkpoints = ctx.quick
    ? [1000, 2500, 5000]
    : [1000, 10_000, 25_000, 50_000, 75_000, 100_000];
  const progress = new Progress('scenario 6 (memory)', CLASSES.length + 1 + touchTarget);
  const redis = await startBenchRedis();
  const conn = new Redis(redis.url, { maxRetriesPerRequest: null });
  await defaultTokenCounter.prepare(['gpt-4o-mini']);
  const footprints: StoreFootprint[] = [];
  const rss: Array<{
    sessions: number;
    rss: number;
    min: number;
    max: number;
    rssAfterGc: number;
    heapAfterGc: number;
    /** V8 heap reserved (used or not) after the GC, and memory outside it held by JS objects. */
    heapTotalAfterGc: number;
    externalAfterGc: number;
    seconds: number;
  }> = [];
  let queueRetention = { jobs: 0, bytesPerJob: Number.NaN };
  try {
    // Part 1: Redis bytes per stored event, written directly through the engine.
    const store = new RedisSessionStore({ redis: conn, prefix: 'mem' });
    const engine = new SessionEngine({
      store,
      meter: { tokens: defaultTokenCounter, prices: new PriceTable() },
    });
    for (const c of CLASSES) {
      progress.note(`store footprint: ${c.name}, ${sessions} sessions × ${perSession} events`);
      footprints.push(
        await storeFootprint(
          redis.admin,
          engine,
          store,
          c.name,
          sessions,
          perSession,
          { userChars: c.chars, assistantChars: c.chars, toolShare: 0 },
          `mem-${c.chars[0]}`,
        ),
      );
      progress.tick(1);
    }
    progress.note('store footprint: realistic mix (as in scenario 1)');
    footprints.push(
      await storeFootprint(
        redis.admin,
        engine,
        store,
        'realistic mix (60–1200 characters, 10% tool calls)',
        sessions,
        perSession,
        {},
        'mem-mix',
      ),
    );
    progress.tick(1);

    // Part 2: the RSS of one session-worker process as it touches more and more sessions.
    const topology: QueueTopology = { prefix: 'tl', partitions: 16 };
    const worker = await startNodeProcess(
      ENTRIES.sessionWorker,
      {
        REDIS_URL: redis.url,
        THREADLINE_PREFIX: topology.prefix,
        THREADLINE_PARTITIONS: String(topology.partitions),
      },
      'session worker serving partitions',
      { nodeArgs: ['--expose-gc'], imports: [ENTRIES.gcProbe] },
    );
    try {
      const producer = new EventProducer(conn, topology);
      const names = eventQueueNames(topology);
      const started = performance.now();
      let touched = 0;
      for (const target of checkpoints) {
        progress.note(
          `touching sessions ${fmt(touched + 1)}…${fmt(target)} (one event each, one session-worker process)`,
        );
        const ids = Array.from({ length: target - touched }, (_, i) => `touch-${touched + i}`);
        await setPartitionsPaused(redis.admin, topology, true);
        await enqueueAll(producer, TENANT, oneEventPerSession(ids, seededRandom(target)), 1);
        await setPartitionsPaused(redis.admin, topology, false);
        for (;;) {
          const done = await completedCount(redis.admin, topology.prefix, names);
          progress.update(CLASSES.length + 1 + done);
          if (done >= target) break;
          await new Promise((r) => setTimeout(r, 200));
        }
        touched = target;
        // Let the worker settle (idle, a GC cycle or two), then take the median of 9 readings over 2 s.
        await new Promise((r) => setTimeout(r, 1000));
        const readings: number[] = [];
        for (let i = 0; i < 9; i++) {
          readings.push(rssBytes(worker.pid));
          await new Promise((r) => setTimeout(r, 250));
        }
        const afterGc = await fullGc(worker);
        rss.push({
          sessions: target,
          rss: median(readings),
          min: Math.min(...readings),
          max: Math.max(...readings),
          rssAfterGc: afterGc.rss,
          heapAfterGc: afterGc.heapUsed,
          heapTotalAfterGc: afterGc.heapTotal,
          externalAfterGc: afterGc.external,
          seconds: (performance.now() - started) / 1000,
        });
      }
      await producer.close();
      // What the completed jobs kept by removeOnComplete cost in Redis, per job.
      const before = await usedMemory(redis.admin);
      const jobs = await completedCount(redis.admin, topology.prefix, names);
      await obliteratePartitions(redis.admin, topology);
      const after = await usedMemory(redis.admin);
      queueRetention = { jobs, bytesPerJob: (before - after) / jobs };
    } finally {
      await worker.stop();
    }
  } finally {
    conn.disconnect();
    await redis.stop();
  }
  progress.finish();

  const [short, long] = footprints;
  const slope =
    (long!.bytesPerEvent - short!.bytesPerEvent) / (long!.contentPerEvent - short!.contentPerEvent);
  const fixed = short!.bytesPerEvent - slope * short!.contentPerEvent;
  // The target is judged on the RSS after a full GC: what the worker retains, not when V8 last collected.
  const rss1k = rss[0]!.rssAfterGc;
  const rssN = rss.at(-1)!.rssAfterGc;
  const ratio = rssN / rss1k;
  const asIsRatio = rss.at(-1)!.rss / rss[0]!.rss;
  const targets: TargetResult[] = [
    {
      scenario: 6,
      name: 'Redis bytes per stored event vs its content bytes',
      target: '≤ 2× content + a fixed overhead',
      measured: `${fmt(slope, 2)}× content + ${fmtBytes(fixed)} per event (short: ${fmt(short!.bytesPerEvent)} B for ${fmt(short!.contentPerEvent)} B of content; long: ${fmt(long!.bytesPerEvent)} B for ${fmt(long!.contentPerEvent)} B)`,
      met: slope <= 2,
    },
    {
      scenario: 6,
      name: `session-worker RSS after touching ${fmt(touchTarget)} vs 1,000 sessions${ctx.quick ? ` (quick mode: ${fmt(touchTarget)} instead of 100,000)` : ''}`,
      target: 'ratio ≤ 1.2',
      measured: `${fmt(ratio, 2)} after a full GC (${fmtBytes(rssN)} vs ${fmtBytes(rss1k)}); ${fmt(asIsRatio, 2)} without forcing one (${fmtBytes(rss.at(-1)!.rss)} vs ${fmtBytes(rss[0]!.rss)})`,
      met: ratio <= 1.2,
    },
  ];
  const chartSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: 'Scenario 6: session-worker RSS by sessions touched',
      subtitle:
        'one process, one event per session; read after each step, idle, and after a full GC (bench/gc-probe.ts)',
    },
    data: {
      values: rss.flatMap((x) => [
        { sessions: x.sessions, reading: 'RSS as found', MiB: x.rss / (1024 * 1024) },
        { sessions: x.sessions, reading: 'RSS after a full GC', MiB: x.rssAfterGc / (1024 * 1024) },
        {
          sessions: x.sessions,
          reading: 'V8 heap used after the GC',
          MiB: x.heapAfterGc / (1024 * 1024),
        },
      ]),
    },
    width: 460,
    height: 240,
    mark: { type: 'line', point: true },
    encoding: {
      x: {
        field: 'sessions',
        type: 'quantitative',
        scale: { type: 'log' },
        title: 'sessions touched (log)',
      },
      y: { field: 'MiB', type: 'quantitative', scale: { zero: true }, title: 'MiB' },
      color: { field: 'reading', type: 'nominal', title: null },
    },
  };
  return {
    id: 6,
    title: 'Memory: Redis bytes per event, worker RSS per session',
    mode: ctx.quick ? 'quick' : 'full',
    ranAt: new Date().toISOString(),
    seconds: (performance.now() - t0) / 1000,
    method: [
      `Redis: \`INFO memory\` \`used_memory\` before and after writing ${fmt(sessions)} sessions × ${fmt(perSession)} events directly through \`SessionEngine\` (batches of 64, infinite context off), for short and long messages; the session’s own keys (state hash) are measured separately, when the sessions are created. Bytes per event = delta / events; content = the UTF-8 bytes of what was said (message text, or a tool call’s arguments and result as JSON). The overhead is fitted from the two sizes: bytes = slope × content + fixed. \`MEMORY USAGE\` of one session’s keys splits it by key.`,
      `RSS: one session-worker process (\`apps/session-worker/src/main.ts\`) gets one user message for each of ${fmt(touchTarget)} new sessions${ctx.quick ? ` (quick mode; the full run touches 100,000)` : ''}, enqueued in steps; after each step has been applied and the process has idled 1 s, its VmRSS is read from /proc 9 times over 2 s and the median kept (“as found”); then the bench asks the process for a full garbage collection (the worker runs with \`--expose-gc\` and the bench’s preload \`bench/gc-probe.ts\`, which answers SIGUSR2 with \`gc()\` and \`process.memoryUsage()\`), and the target is judged on the RSS after it: what the worker keeps, rather than when V8 last collected.`,
    ],
    tables: [
      {
        title: 'Redis bytes per stored event',
        columns: [
          'events',
          'content per event',
          'Redis bytes per event',
          'bytes / content',
          'of which the events LIST, per event',
          'of which the eventIds SET, per event',
          'per session (state hash, created empty)',
          'state hash after the events',
        ],
        rows: footprints.map((f) => [
          f.name,
          fmtBytes(f.contentPerEvent),
          fmtBytes(f.bytesPerEvent),
          fmt(f.bytesPerEvent / f.contentPerEvent, 2),
          fmtBytes(f.sample.eventsPerEvent),
          fmtBytes(f.sample.idsPerEvent),
          fmtBytes(f.bytesPerSession),
          fmtBytes(f.sample.state),
        ]),
      },
      {
        title: 'session-worker RSS',
        columns: [
          'sessions touched',
          'RSS after a full GC',
          'vs 1,000 sessions',
          'V8 heap used after the GC',
          'V8 heap reserved after the GC',
          'external (Buffers, WASM) after the GC',
          'rest of the RSS (code, native, allocator)',
          'RSS as found (median of 9 readings over 2 s, min–max)',
          'vs 1,000 sessions',
          'seconds since the first event',
        ],
        rows: rss.map((x) => [
          fmt(x.sessions),
          fmtBytes(x.rssAfterGc),
          fmt(x.rssAfterGc / rss1k, 2),
          fmtBytes(x.heapAfterGc),
          fmtBytes(x.heapTotalAfterGc),
          fmtBytes(x.externalAfterGc),
          fmtBytes(x.rssAfterGc - x.heapTotalAfterGc - x.externalAfterGc),
          `${fmtBytes(x.rss)} (${fmtBytes(x.min)}–${fmtBytes(x.max)})`,
          fmt(x.rss / rss[0]!.rss, 2),
          fmt(x.seconds, 0),
        ]),
      },
      {
        title: 'Queue retention (not part of the store)',
        columns: ['completed event jobs kept', 'Redis bytes per kept job', 'kept for'],
        rows: [
          [
            fmt(queueRetention.jobs),
            fmtBytes(queueRetention.bytesPerJob),
            `\`removeOnComplete\` ${JSON.stringify(EVENT_JOB_OPTIONS.removeOnComplete)} per partition (${fmt(16 * 20_000)} jobs at most with 16 partitions)`,
          ],
        ],
      },
    ],
    targets,
    findings: [
      `After a full GC the worker’s V8 heap holds ${fmtBytes(rss[0]!.heapAfterGc)} at 1,000 sessions and ${fmtBytes(rss.at(-1)!.heapAfterGc)} at ${fmt(rss.at(-1)!.sessions)} (×${fmt(rss.at(-1)!.heapAfterGc / rss[0]!.heapAfterGc, 2)}): the worker keeps nothing per session (it loads each session from Redis per job). Between those two readings the RSS after a full GC moved by ${fmtBytes(rss.at(-1)!.rssAfterGc - rss[0]!.rssAfterGc)}: the V8 heap reserved by ${fmtBytes(rss.at(-1)!.heapTotalAfterGc - rss[0]!.heapTotalAfterGc)}, external memory by ${fmtBytes(rss.at(-1)!.externalAfterGc - rss[0]!.externalAfterGc)}, and the rest (code, native allocations, memory the allocator keeps after a peak rather than returning it) by ${fmtBytes(rss.at(-1)!.rssAfterGc - rss.at(-1)!.heapTotalAfterGc - rss.at(-1)!.externalAfterGc - (rss[0]!.rssAfterGc - rss[0]!.heapTotalAfterGc - rss[0]!.externalAfterGc))}.`,
      `Fitted from the two sizes: ${fmt(slope, 2)} bytes of Redis per byte of content plus a fixed ${fmtBytes(fixed)} per event (the EventRecord’s JSON field names and measured values, the eventId in the \`ids\` SET, and Redis’s per-element overhead). Each session also costs ${fmtBytes(mean(footprints.map((f) => f.bytesPerSession)))} when created (its state hash with the snapshot JSON).`,
    ],
    chart: 's6-memory.svg',
    chartSpec,
    raw: { footprints, slope, fixed, rss, queueRetention },
  };
}

export const memoryScenario: Scenario = {
  id: 6,
  title: 'Memory: Redis bytes per event, worker RSS per session',
  run,
};
