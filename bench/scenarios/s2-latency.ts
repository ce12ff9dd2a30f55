import { Redis } from 'ioredis';
import type { AcceptedEvent } from '@threadline/core';
import { EventProducer, type EnqueuedJob, type QueueTopology } from '@threadline/queue';
import { startBenchRedis } from '../lib/bench-redis.ts';
import { conversationEvents, seededRandom } from '../lib/fixtures.ts';
import { cpuSeconds, runQueueWaitSeconds } from '../lib/processes.ts';
import { Progress } from '../lib/progress.ts';
import { obliteratePartitions, setPartitionsPaused } from '../lib/queue-drive.ts';
import type {
  Scenario,
  ScenarioContext,
  ScenarioResult,
  TargetResult,
} from '../lib/report-types.ts';
import { fmt, fmtSpread, percentile, spread } from '../lib/stats.ts';
import { measureDrain, startWorkers } from './s1-throughput.ts';

const TENANT = 'bench';
const PARTITIONS = 16;

type System = 'threadline' | 'noop';
const SYSTEMS: System[] = ['threadline', 'noop'];
const LABELS: Record<System, string> = {
  threadline: 'Threadline session worker',
  noop: 'bare BullMQ, no-op processor (baseline, same rate)',
};

/**
 * How long a job that could be fetched waited to be fetched, by what was before it in its
 * partition: `ready` is when it was both in Redis and its predecessor had finished.
 */
interface FetchGaps {
  /** The predecessor was still waiting or running when the job arrived (a backlog), and the same process took both. */
  backlogSame: number[];
  backlogOther: number[];
  /** The partition was idle when the job arrived; the predecessor ran in the same / the other process. */
  idleSame: number[];
  idleOther: number[];
}

interface LatencyRun {
  system: System;
  run: number;
  rate: number;
  achievedRate: number;
  jobs: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  waitP50: number;
  waitP99: number;
  processP50: number;
  processP99: number;
  workerCpuShare: number;
  /** Time the workers' main threads were runnable but waited for a CPU, ms per second of the run (both processes). */
  runQueueMsPerSecond: number;
  /** Share of jobs that arrived while their partition still had a job before them. */
  backlogShare: number;
  /** Wait of the jobs that arrived behind a backlog, p99. */
  gaps: FetchGaps;
  samples: number[];
}

/**
 * Sends one event per job at `rate` jobs/s for `seconds`, on a fixed schedule (a late timer
 * sends what is due at once), and returns the jobs it enqueued.
 */
async function pacedProducer(
  producer: EventProducer,
  events: AcceptedEvent[],
  rate: number,
  seconds: number,
): Promise<{ jobs: EnqueuedJob[]; seconds: number }> {
  const total = Math.min(events.length, Math.round(rate * seconds));
  const jobs: EnqueuedJob[] = [];
  const inFlight = new Set<Promise<void>>();
  const t0 = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate) + 1);
    while (sent < due) {
      const event = events[sent++]!;
      const p: Promise<void> = producer.enqueue(TENANT, [event], 1).then((j) => {
        jobs.push(...j);
        inFlight.delete(p);
      });
      inFlight.add(p);
    }
    const next = t0 + (sent / rate) * 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
  }
  await Promise.all(inFlight);
  return { jobs, seconds: (performance.now() - t0) / 1000 };
}

interface JobTimes {
  queue: string;
  accepted: number;
  processed: number;
  finished: number;
  /** The worker name BullMQ stores on the job (`pb`): host:pid of the process that took it. */
  by: string;
}

/** Job timestamps from the job hashes: created (accept), processedOn, finishedOn (applied and acknowledged). */
async function jobTimes(admin: Redis, prefix: string, jobs: EnqueuedJob[]): Promise<JobTimes[]> {
  const out: JobTimes[] = [];
  for (let i = 0; i < jobs.length; i += 2000) {
    const pipeline = admin.pipeline();
    for (const job of jobs.slice(i, i + 2000))
      pipeline.hmget(
        `${prefix}:${job.queue}:${job.jobId}`,
        'timestamp',
        'processedOn',
        'finishedOn',
        'pb',
      );
    const slice = jobs.slice(i, i + 2000);
    for (const [k, [error, value]] of ((await pipeline.exec()) ?? []).entries()) {
      if (error) throw error;
      const fields = value as (string | null)[];
      const [ts, processed, finished] = fields.slice(0, 3).map(Number);
      out.push({
        queue: slice[k]!.queue,
        accepted: ts!,
        processed: processed!,
        finished: finished!,
        by: fields[3] ?? '',
      });
    }
  }
  return out;
}

/** Splits each job's wait by whether its partition had a backlog when it arrived, and who took it. */
function fetchGaps(times: JobTimes[], keepFrom: number): { gaps: FetchGaps; backlogShare: number } {
  const gaps: FetchGaps = { backlogSame: [], backlogOther: [], idleSame: [], idleOther: [] };
  const byQueue = new Map<string, JobTimes[]>();
  for (const t of times) {
    const list = byQueue.get(t.queue) ?? [];
    list.push(t);
    byQueue.set(t.queue, list);
  }
  let backlog = 0;
  let n = 0;
  for (const list of byQueue.values()) {
    // One job at a time per partition: the order they ran in is the order they were processed.
    list.sort((a, b) => a.processed - b.processed || a.finished - b.finished);
    for (let i = 1; i < list.length; i++) {
      const job = list[i]!;
      const before = list[i - 1]!;
      if (job.accepted < keepFrom) continue;
      n++;
      const same = job.by === before.by;
      if (before.finished > job.accepted) {
        backlog++;
        (same ? gaps.backlogSame : gaps.backlogOther).push(job.processed - before.finished);
      } else (same ? gaps.idleSame : gaps.idleOther).push(job.processed - job.accepted);
    }
  }
  return { gaps, backlogShare: n === 0 ? 0 : backlog / n };
}

/** Latencies over this are drawn at it. */
const CHART_CAP_MS = 100;

/**
 * The latency chart: for each run, the share of jobs finished within x ms. Latencies are whole
 * milliseconds (BullMQ's stamps), so the distribution is exact with one point per distinct value.
 */
export function latencyChartSpec(
  series: Array<{ workers: string; run: string; samples: number[] }>,
  rate: number,
): Record<string, unknown> {
  const values = series.flatMap(({ workers, run, samples }) => {
    const counts = new Map<number, number>();
    for (const v of samples) {
      const x = Math.min(Math.max(0, Math.round(v)), CHART_CAP_MS);
      counts.set(x, (counts.get(x) ?? 0) + 1);
    }
    let seen = 0;
    return [...counts.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([latency, n]) => {
        seen += n;
        return {
          workers,
          run,
          series: `${workers}, ${run}`,
          latency,
          share: seen / samples.length,
        };
      });
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: 'Scenario 2: accept → applied latency at half the maximum rate',
      subtitle: `1 event per job, ${fmt(rate)} events/s, 2 worker processes; share of jobs finished within x ms, one line per run; values over ${CHART_CAP_MS} ms shown at ${CHART_CAP_MS}`,
    },
    data: { values },
    width: 520,
    height: 260,
    mark: { type: 'line', interpolate: 'step-after', clip: true },
    encoding: {
      x: {
        field: 'latency',
        type: 'quantitative',
        title: 'latency (ms), job created → job finished',
        scale: { domain: [0, CHART_CAP_MS] },
      },
      y: {
        field: 'share',
        type: 'quantitative',
        title: 'share of jobs',
        scale: { domain: [0.8, 1] },
      },
      color: { field: 'workers', type: 'nominal', title: null },
      detail: { field: 'series', type: 'nominal' },
    },
  };
}

async function waitUntilFinished(
  admin: Redis,
  prefix: string,
  jobs: EnqueuedJob[],
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const times = await jobTimes(admin, prefix, jobs.slice(-50));
    if (times.every((t) => Number.isFinite(t.finished) && t.finished > 0)) return;
    if (Date.now() > deadline) throw new Error('latency run: jobs not finished in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function run(ctx: ScenarioContext): Promise<ScenarioResult> {
  const t0 = performance.now();
  const runs = ctx.quick ? 2 : 3;
  const seconds = ctx.quick ? 2.5 : 8;
  const warmupSeconds = 1;
  const progress = new Progress('scenario 2 (latency)', runs * SYSTEMS.length + 1);
  const redis = await startBenchRedis();
  const producerConn = new Redis(redis.url, { maxRetriesPerRequest: null });
  const results: LatencyRun[] = [];
  let maxRate = Number.NaN;
  let maxRateSource = '';
  try {
    const s1 = ctx.earlier.get(1);
    const s1Rates = (
      s1?.raw as
        | { measurements?: Array<{ system: string; perJob: number; eventsPerSecond: number }> }
        | undefined
    )?.measurements
      ?.filter((m) => m.system === 'threadline' && m.perJob === 1)
      .map((m) => m.eventsPerSecond);
    if (s1Rates && s1Rates.length) {
      maxRate = spread(s1Rates).median;
      maxRateSource = 'the median maximum of scenario 1 in this invocation';
    } else {
      progress.note('measuring the maximum rate first (scenario 1 did not run in this invocation)');
      const topology: QueueTopology = { prefix: 'tlmax', partitions: PARTITIONS };
      await setPartitionsPaused(redis.admin, topology, true);
      const procs = await startWorkers('threadline', redis.url, topology);
      try {
        const m = await measureDrain(
          redis,
          producerConn,
          topology,
          procs,
          'threadline',
          1,
          ctx.quick ? 1500 : 4000,
          99,
        );
        maxRate = m.eventsPerSecond;
      } finally {
        await Promise.all(procs.map((p) => p.stop()));
      }
      maxRateSource =
        'a drain measured at the start of this scenario (scenario 1 did not run in this invocation)';
    }
    progress.tick(1, `max ${fmt(maxRate)} events/s`);
    const rate = maxRate / 2;
    for (let r = 0; r < runs; r++) {
      const order = r % 2 === 0 ? SYSTEMS : [...SYSTEMS].reverse();
      for (const system of order) {
        const rand = seededRandom(500 + r);
        // 1 event per job; events of 400 sessions, interleaved as independent users would send them.
        const perSession = 64;
        const sessions = Array.from({ length: 400 }, (_, i) =>
          conversationEvents(`lat${r}-s${i}`, perSession, rand),
        );
        const events: AcceptedEvent[] = [];
        for (let i = 0; i < perSession; i++) for (const list of sessions) events.push(list[i]!);
        const topology: QueueTopology = {
          prefix: `${system === 'threadline' ? 'tl' : 'noop'}${r}`,
          partitions: PARTITIONS,
        };
        await setPartitionsPaused(redis.admin, topology, true);
        progress.note(`run ${r + 1}/${runs}: starting 2 ${system} worker processes`);
        const procs = await startWorkers(system, redis.url, topology);
        try {
          const admin = redis.admin;
          await obliteratePartitions(admin, topology);
          // obliterate leaves the partitions paused: resume them for a live run.
          await setPartitionsPaused(admin, topology, false);
          const producer = new EventProducer(producerConn, topology);
          const cpu0 = procs.reduce((n, p) => n + cpuSeconds(p.pid), 0);
          const rq0 = procs.reduce((n, p) => n + runQueueWaitSeconds(p.pid), 0);
          const sent = await pacedProducer(producer, events, rate, seconds);
          await waitUntilFinished(admin, topology.prefix, sent.jobs);
          const cpu1 = procs.reduce((n, p) => n + cpuSeconds(p.pid), 0);
          const rq1 = procs.reduce((n, p) => n + runQueueWaitSeconds(p.pid), 0);
          await producer.close();
          const times = await jobTimes(admin, topology.prefix, sent.jobs);
          const first = Math.min(...times.map((t) => t.accepted));
          const keepFrom = first + warmupSeconds * 1000;
          const kept = times.filter((t) => t.accepted >= keepFrom);
          const lat = kept.map((t) => t.finished - t.accepted);
          const wait = kept.map((t) => t.processed - t.accepted);
          const proc = kept.map((t) => t.finished - t.processed);
          const { gaps, backlogShare } = fetchGaps(times, keepFrom);
          results.push({
            system,
            run: r,
            rate,
            achievedRate: sent.jobs.length / sent.seconds,
            jobs: kept.length,
            p50: percentile(lat, 50),
            p90: percentile(lat, 90),
            p99: percentile(lat, 99),
            max: Math.max(...lat),
            waitP50: percentile(wait, 50),
            waitP99: percentile(wait, 99),
            processP50: percentile(proc, 50),
            processP99: percentile(proc, 99),
            workerCpuShare: (cpu1 - cpu0) / sent.seconds / 2,
            runQueueMsPerSecond: ((rq1 - rq0) * 1000) / sent.seconds,
            backlogShare,
            gaps,
            samples: lat,
          });
          progress.tick(1, `run ${r + 1}/${runs} ${system}: p99 ${percentile(lat, 99)} ms`);
        } finally {
          await Promise.all(procs.map((p) => p.stop()));
        }
      }
    }
  } finally {
    producerConn.disconnect();
    await redis.stop();
  }
  progress.finish();

  const of = (system: System) => results.filter((r) => r.system === system);
  const sp = (f: keyof LatencyRun, system: System = 'threadline') =>
    spread(of(system).map((r) => r[f] as number));
  const p99 = sp('p99');
  /** Same-run ratio of the p99s, run by run. */
  const p99Ratio = spread(
    of('threadline').map((r) => r.p99 / (of('noop').find((n) => n.run === r.run)?.p99 ?? NaN)),
  );
  const targets: TargetResult[] = [
    {
      scenario: 2,
      name: 'accept → applied p99 at half the max rate',
      target: 'p99 ≤ 20 ms',
      measured: `${fmtSpread(p99, 0, ' ms')} (p50 ${fmtSpread(sp('p50'), 0, ' ms')}) at ${fmt(results[0]?.rate ?? NaN)} events/s; bare BullMQ no-op workers at the same rate in the same runs: p99 ${fmtSpread(sp('p99', 'noop'), 0, ' ms')} (ours / no-op ${fmtSpread(p99Ratio, 1)}×)`,
      met: p99.median <= 20,
    },
  ];
  const chartSpec = latencyChartSpec(
    results.map((r) => ({
      workers: r.system === 'threadline' ? 'Threadline' : 'bare BullMQ no-op',
      run: `run ${r.run + 1}`,
      samples: r.samples,
    })),
    results[0]?.rate ?? NaN,
  );

  const pooled = (system: System, k: keyof FetchGaps) => of(system).flatMap((r) => r.gaps[k]);
  const gapCell = (values: number[]) =>
    values.length === 0
      ? '—'
      : `${fmt(values.length)}: ${fmt(percentile(values, 50))} / ${fmt(percentile(values, 99))} / ${fmt(Math.max(...values))}`;
  const gapRows = SYSTEMS.map((system) => [
    LABELS[system],
    `${fmtSpread(spread(of(system).map((r) => r.backlogShare * 100)))}%`,
    gapCell(pooled(system, 'backlogSame')),
    gapCell(pooled(system, 'backlogOther')),
    gapCell(pooled(system, 'idleSame')),
    gapCell(pooled(system, 'idleOther')),
  ]);
  const tl = (k: keyof FetchGaps) => pooled('threadline', k);
  const backlogJobs = tl('backlogSame').length + tl('backlogOther').length;
  const idleJobs = tl('idleSame').length + tl('idleOther').length;

  return {
    id: 2,
    title: 'Latency: accept → applied at half the maximum rate',
    mode: ctx.quick ? 'quick' : 'full',
    ranAt: new Date().toISOString(),
    seconds: (performance.now() - t0) / 1000,
    method: [
      `The maximum rate is ${maxRateSource} (${fmt(maxRate)} events/s, 1 event per job, 2 session-worker processes); the producer then sends single-event jobs at half of it (${fmt(maxRate / 2)} events/s) on a fixed schedule for ${seconds} s per run, from the bench process, through \`EventProducer.enqueue\`, to 400 sessions. Latency is read from each job’s own hash: \`timestamp\` (set by the producer when it enqueues: accept) to \`finishedOn\` (set by the worker after the commit, when it acknowledges the job: applied), so it includes the enqueue, the wait in the partition, the apply and the acknowledgement. The first ${warmupSeconds} s of each run are left out. ${runs} runs.`,
      `Baseline, same run: the same jobs at the same rate through 2 processes of the bare BullMQ no-op workers of scenario 1 (same Worker options, same partitions with global concurrency 1, same Redis), so what the machine and BullMQ add to the tail is measured next to what the session worker adds. The two kinds alternate which goes first; each gets its own processes, started before and stopped after its measurement.`,
      `Where a job waits: both kinds of workers store their process (\`host:pid\`, BullMQ’s \`name\` option) on every job they take (\`pb\`), so each job’s wait can be split by what was before it in its partition. A job that arrived while the one before it was still waiting or running (a backlog) could be fetched only when that one finished: its fetch delay is \`processedOn\` − the predecessor’s \`finishedOn\`. A job that arrived in an idle partition could be fetched at once: its delay is \`processedOn\` − \`timestamp\`.`,
    ],
    tables: [
      {
        title: `Latency in ms — median of ${runs} runs (min–max)`,
        columns: [
          'workers',
          'rate sent (events/s)',
          'jobs measured per run',
          'p50',
          'p90',
          'p99',
          'max',
          'wait in queue p50 / p99',
          'processing p50 / p99',
          'worker CPU use (of 2 cores)',
          'workers waiting for a CPU (ms per s, both processes)',
        ],
        rows: SYSTEMS.map((system) => [
          LABELS[system],
          fmtSpread(sp('achievedRate', system)),
          fmtSpread(sp('jobs', system)),
          fmtSpread(sp('p50', system)),
          fmtSpread(sp('p90', system)),
          fmtSpread(sp('p99', system)),
          fmtSpread(sp('max', system)),
          `${fmtSpread(sp('waitP50', system))} / ${fmtSpread(sp('waitP99', system))}`,
          `${fmtSpread(sp('processP50', system))} / ${fmtSpread(sp('processP99', system))}`,
          `${fmtSpread(spread(of(system).map((r) => r.workerCpuShare * 100)))}%`,
          fmtSpread(sp('runQueueMsPerSecond', system)),
        ]),
      },
      {
        title:
          'Fetch delay in ms by what was before the job in its partition — jobs: p50 / p99 / max, all runs pooled',
        columns: [
          'workers',
          'jobs that arrived behind a backlog',
          'backlog, predecessor in the same process',
          'backlog, predecessor in the other process',
          'idle partition, predecessor in the same process',
          'idle partition, predecessor in the other process',
        ],
        rows: gapRows,
      },
    ],
    targets,
    findings: [
      `Where the time goes (medians of the runs): waiting in the partition p50 ${fmt(sp('waitP50').median)} ms / p99 ${fmt(sp('waitP99').median)} ms, applying and acknowledging p50 ${fmt(sp('processP50').median)} ms / p99 ${fmt(sp('processP99').median)} ms. BullMQ stamps jobs in whole milliseconds, so p50s of 0–2 ms are at the resolution limit. The no-op baseline at the same rate, in the same runs, has a p99 of ${fmtSpread(sp('p99', 'noop'), 0, ' ms')}.`,
      `What the tail is made of is CPU: a process’s 16 partitions share one event loop, so when the process is held back every partition it holds waits, and a partition that falls behind builds a backlog that drains at the process’s pace (${fmtSpread(spread(of('threadline').map((r) => r.backlogShare * 100)))}% of our jobs arrived behind one, ${fmtSpread(spread(of('noop').map((r) => r.backlogShare * 100)))}% of the no-op jobs). The session workers use ${fmtSpread(spread(of('threadline').map((r) => ((r.workerCpuShare * 2) / r.achievedRate) * 1000)), 2)} ms of CPU per job against ${fmtSpread(spread(of('noop').map((r) => ((r.workerCpuShare * 2) / r.achievedRate) * 1000)), 2)} ms for the no-op workers, and on this shared machine their main threads waited ${fmtSpread(sp('runQueueMsPerSecond'))} ms per second for a CPU (no-op: ${fmtSpread(sp('runQueueMsPerSecond', 'noop'))}; run-queue delay from /proc/<pid>/schedstat). The runs where the other engineers’ test suites took the cores are the runs with the long tails.`,
      `Fetching is not where jobs wait. Of ${fmt(backlogJobs)} jobs that arrived behind a backlog, ${fmt(tl('backlogSame').length)} were taken by the process that ran the job before them, ${fmt(percentile(tl('backlogSame'), 99))} ms (p99) after it finished: BullMQ’s \`moveToFinished\` fetches the next job of the partition in the same script (\`fetchNextJob\`), and with global concurrency 1 a job added while the partition is busy sets no marker (\`addBaseMarkerIfNeeded\` skips a maxed queue), so the other process’s worker stays blocked and never competes. Of ${fmt(idleJobs)} jobs that arrived in an idle partition, ${fmt(tl('idleOther').length)} were taken by the other process (Redis wakes the client blocked longest on the marker’s \`BZPOPMIN\`) with a delay p50 ${fmt(percentile(tl('idleOther'), 50))} / p99 ${fmt(percentile(tl('idleOther'), 99))} ms. \`drainDelay\` (1 s) only bounds how long an idle worker blocks before it asks again; a new job’s marker wakes it at once, so it adds nothing here.`,
    ],
    chart: 's2-latency.svg',
    chartSpec,
    raw: { maxRate, runs: results.map(({ samples: _s, gaps: _g, ...r }) => r) },
  };
}

export const latencyScenario: Scenario = {
  id: 2,
  title: 'Latency: accept → applied at half the maximum rate',
  run,
};
