import { Redis } from 'ioredis';
import type { AcceptedEvent } from '@threadline/core';
import { EventProducer, type QueueTopology } from '@threadline/queue';
import {
  localPortOf,
  monitorCommands,
  startBenchRedis,
  total,
  type BenchRedis,
  type CommandCensus,
} from '../lib/bench-redis.ts';
import { conversationEvents, seededRandom } from '../lib/fixtures.ts';
import {
  cpuSeconds,
  ENTRIES,
  startMany,
  startNodeProcess,
  type BenchProcess,
} from '../lib/processes.ts';
import { Progress } from '../lib/progress.ts';
import {
  enqueueAll,
  obliteratePartitions,
  resumeAndDrain,
  setPartitionsPaused,
  steadyRate,
} from '../lib/queue-drive.ts';
import type {
  Scenario,
  ScenarioContext,
  ScenarioResult,
  Table,
  TargetResult,
} from '../lib/report-types.ts';
import { scriptNamesBySha } from '../lib/script-names.ts';
import { fmt, fmtSpread, spread, type Spread } from '../lib/stats.ts';

export type System = 'noop' | 'threadline';
const SYSTEMS: System[] = ['noop', 'threadline'];
const LABELS: Record<System, string> = {
  noop: 'bare BullMQ, no-op processor',
  threadline: 'Threadline session worker (as shipped)',
};
const SHORT: Record<System, string> = {
  noop: 'bare BullMQ no-op',
  threadline: 'Threadline',
};
const CASES = [1, 8] as const;
const PARTITIONS = 16;
const WORKER_PROCESSES = 2;
const TENANT = 'bench';

interface Measurement {
  system: System;
  perJob: number;
  run: number;
  jobs: number;
  events: number;
  seconds: number;
  jobsPerSecond: number;
  eventsPerSecond: number;
  /** CPU ms per event: the two worker processes, and redis-server. */
  workerCpuMsPerEvent: number;
  redisCpuMsPerEvent: number;
  failed: number;
}

/** Events for `jobs` jobs of `perJob` events: sessions with a few jobs each, in conversation order. */
export function throughputEvents(
  jobs: number,
  perJob: number,
  seed: number,
  tag: string,
): AcceptedEvent[] {
  const rand = seededRandom(seed);
  const jobsPerSession = perJob === 1 ? 4 : 2;
  const sessions = Math.max(1, Math.ceil(jobs / jobsPerSession));
  const events: AcceptedEvent[] = [];
  let left = jobs;
  for (let s = 0; s < sessions && left > 0; s++) {
    const n = Math.min(jobsPerSession, left);
    left -= n;
    events.push(...conversationEvents(`${tag}-s${s}`, n * perJob, rand));
  }
  return events;
}

export function startWorkers(
  system: System,
  url: string,
  topology: QueueTopology,
  count = WORKER_PROCESSES,
): Promise<BenchProcess[]> {
  const env = {
    REDIS_URL: url,
    THREADLINE_PREFIX: topology.prefix,
    THREADLINE_PARTITIONS: String(topology.partitions),
  };
  return startMany(count, () =>
    system === 'noop'
      ? startNodeProcess(ENTRIES.noopWorker, env, 'noop workers serving partitions')
      : startNodeProcess(ENTRIES.sessionWorker, env, 'session worker serving partitions'),
  );
}

/** Prefills paused partitions with `jobs` jobs, resumes them and times the drain. */
export async function measureDrain(
  redis: BenchRedis,
  producerConn: Redis,
  topology: QueueTopology,
  procs: BenchProcess[],
  system: System,
  perJob: number,
  jobs: number,
  run: number,
  onProgress?: (share: number) => void,
): Promise<Measurement> {
  await setPartitionsPaused(redis.admin, topology, true);
  const producer = new EventProducer(producerConn, topology);
  const events = throughputEvents(jobs, perJob, 1000 + run * 10 + perJob, `r${run}j${perJob}`);
  const enqueued = await enqueueAll(producer, TENANT, events, perJob);
  await producer.close();
  const cpu0 = procs.reduce((s, p) => s + cpuSeconds(p.pid), 0);
  const redisCpu0 = cpuSeconds(redis.server.pid);
  const drain = await resumeAndDrain(redis.admin, topology, enqueued, {
    onProgress: (d) => onProgress?.(d / enqueued),
  });
  const cpu1 = procs.reduce((s, p) => s + cpuSeconds(p.pid), 0);
  const redisCpu1 = cpuSeconds(redis.server.pid);
  const jobsPerSecond = steadyRate(drain.timeline, enqueued);
  await obliteratePartitions(redis.admin, topology);
  return {
    system,
    perJob,
    run,
    jobs: enqueued,
    events: events.length,
    seconds: drain.seconds,
    jobsPerSecond,
    eventsPerSecond: jobsPerSecond * perJob,
    workerCpuMsPerEvent: ((cpu1 - cpu0) * 1000) / events.length,
    redisCpuMsPerEvent: ((redisCpu1 - redisCpu0) * 1000) / events.length,
    failed: drain.failed,
  };
}

/** Counts the commands Redis runs for `jobs` jobs (MONITOR), outside any timed measurement. */
async function census(
  redis: BenchRedis,
  producerConn: Redis,
  topology: QueueTopology,
  system: System,
  perJob: number,
  jobs: number,
): Promise<CommandCensus & { events: number; jobs: number }> {
  await setPartitionsPaused(redis.admin, topology, true);
  const producer = new EventProducer(producerConn, topology);
  const events = throughputEvents(jobs, perJob, 77 + perJob, `census${perJob}`);
  const enqueued = await enqueueAll(producer, TENANT, events, perJob);
  await producer.close();
  const ignore = new Set(
    [localPortOf(redis.admin), localPortOf(producerConn)].filter(
      (p): p is number => p !== undefined,
    ),
  );
  const result = await monitorCommands(redis.url, ignore, async () => {
    await resumeAndDrain(redis.admin, topology, enqueued, { pollMs: 50 });
  });
  await obliteratePartitions(redis.admin, topology);
  void system;
  return { ...result, events: events.length, jobs: enqueued };
}

async function run(ctx: ScenarioContext): Promise<ScenarioResult> {
  const t0 = performance.now();
  const runs = ctx.quick ? 2 : 3;
  const targetSeconds = ctx.quick ? 0.8 : 3;
  /** At most this many events per measurement (the no-op workers drain 8-event jobs very fast). */
  const maxEvents = ctx.quick ? 20_000 : 80_000;
  // First guesses of the job counts; each later run sizes itself from the rate it measured.
  const jobsFor = new Map<string, number>([
    ['noop-1', ctx.quick ? 2500 : 8000],
    ['noop-8', ctx.quick ? 2000 : 6000],
    ['threadline-1', ctx.quick ? 1200 : 3000],
    ['threadline-8', ctx.quick ? 300 : 800],
  ]);
  const progress = new Progress('scenario 1 (throughput)', runs * 4 + 4);
  const redis = await startBenchRedis();
  const producerConn = new Redis(redis.url, { maxRetriesPerRequest: null });
  const measurements: Measurement[] = [];
  const censuses = new Map<string, CommandCensus & { events: number; jobs: number }>();
  try {
    for (let r = 0; r < runs; r++) {
      const order = [...SYSTEMS.slice(r % 2), ...SYSTEMS.slice(0, r % 2)];
      for (const system of order) {
        const topology: QueueTopology = {
          prefix: `${system === 'threadline' ? 'tl' : system}${r}`,
          partitions: PARTITIONS,
        };
        await setPartitionsPaused(redis.admin, topology, true);
        progress.note(
          `run ${r + 1}/${runs}: starting ${WORKER_PROCESSES} ${system} worker processes`,
        );
        const procs = await startWorkers(system, redis.url, topology);
        try {
          for (const perJob of CASES) {
            const key = `${system}-${perJob}`;
            const jobs = jobsFor.get(key)!;
            const m = await measureDrain(
              redis,
              producerConn,
              topology,
              procs,
              system,
              perJob,
              jobs,
              r,
              (share) => {
                if (share >= 1) progress.tick(1, `run ${r + 1}/${runs} ${key}`);
              },
            );
            if (m.failed > 0)
              throw new Error(
                `${m.failed} ${system} jobs failed:\n${procs.map((p) => p.output()).join('\n')}`,
              );
            measurements.push(m);
            jobsFor.set(
              key,
              Math.max(
                200,
                Math.min(
                  Math.round(maxEvents / perJob),
                  Math.round(m.jobsPerSecond * targetSeconds),
                ),
              ),
            );
          }
          if (r === 0) {
            for (const perJob of CASES) {
              progress.note(
                `counting Redis commands per job (MONITOR) for ${system}, ${perJob} event(s) per job`,
              );
              censuses.set(
                `${system}-${perJob}`,
                await census(
                  redis,
                  producerConn,
                  topology,
                  system,
                  perJob,
                  perJob === 1 ? 300 : 60,
                ),
              );
              progress.tick(1);
            }
          }
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
  return report(
    ctx,
    measurements,
    censuses,
    (performance.now() - t0) / 1000,
    runs,
    targetSeconds,
    maxEvents,
  );
}

function pick(ms: Measurement[], system: System, perJob: number): Measurement[] {
  return ms.filter((m) => m.system === system && m.perJob === perJob).sort((a, b) => a.run - b.run);
}

function ratioSpread(
  ms: Measurement[],
  num: [System, number],
  den: [System, number],
  numField: 'eventsPerSecond' | 'jobsPerSecond',
  denField: 'eventsPerSecond' | 'jobsPerSecond',
): Spread {
  const a = pick(ms, ...num);
  const b = pick(ms, ...den);
  return spread(a.map((m, i) => m[numField] / b[i]![denField]));
}

function report(
  ctx: ScenarioContext,
  ms: Measurement[],
  censuses: Map<string, CommandCensus & { events: number; jobs: number }>,
  seconds: number,
  runs: number,
  targetSeconds: number,
  maxEvents: number,
): ScenarioResult {
  const s = (system: System, perJob: number, field: keyof Measurement) =>
    spread(pick(ms, system, perJob).map((m) => m[field] as number));
  const ratio1 = ratioSpread(
    ms,
    ['threadline', 1],
    ['noop', 1],
    'eventsPerSecond',
    'eventsPerSecond',
  );
  const ratio8 = ratioSpread(
    ms,
    ['threadline', 8],
    ['noop', 8],
    'eventsPerSecond',
    'jobsPerSecond',
  );
  const ratio8vs1 = ratioSpread(
    ms,
    ['threadline', 8],
    ['noop', 1],
    'eventsPerSecond',
    'jobsPerSecond',
  );

  const rows: string[][] = [];
  for (const perJob of CASES)
    for (const system of SYSTEMS) {
      rows.push([
        LABELS[system],
        String(perJob),
        fmtSpread(s(system, perJob, 'jobsPerSecond')),
        fmtSpread(s(system, perJob, 'eventsPerSecond')),
        fmtSpread(s(system, perJob, 'workerCpuMsPerEvent'), 3),
        fmtSpread(s(system, perJob, 'redisCpuMsPerEvent'), 3),
        fmt(pick(ms, system, perJob).reduce((n, m) => n + m.events, 0)),
      ]);
    }
  const tables: Table[] = [
    {
      title: `Throughput, 2 worker processes, ${PARTITIONS} partitions with global concurrency 1 — median of ${runs} runs (min–max)`,
      columns: [
        'workers',
        'events per job',
        'jobs/s',
        'events/s',
        'worker CPU ms per event (2 processes)',
        'redis-server CPU ms per event',
        'events measured',
      ],
      rows,
    },
  ];

  const names = scriptNamesBySha();
  const censusRows: string[][] = [];
  for (const perJob of CASES)
    for (const system of SYSTEMS) {
      const c = censuses.get(`${system}-${perJob}`);
      if (!c) continue;
      const scripts = [...c.scripts.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([sha, n]) => `${names.get(sha) ?? sha} ${fmt(n / c.jobs, 2)}`)
        .join(', ');
      const plain = [...c.client.entries()]
        .filter(([cmd]) => cmd !== 'evalsha' && cmd !== 'eval')
        .sort((a, b) => b[1] - a[1])
        .map(([cmd, n]) => `${cmd.toUpperCase()} ${fmt(n / c.jobs, 2)}`)
        .join(', ');
      censusRows.push([
        system,
        String(perJob),
        fmt(total(c.client) / c.jobs, 2),
        fmt(total(c.client) / c.events, 2),
        fmt(total(c.lua) / c.events, 1),
        scripts,
        plain,
      ]);
    }
  tables.push({
    title:
      'Redis commands per job, counted with MONITOR on a separate small run (the bench’s own connections left out)',
    columns: [
      'workers',
      'events per job',
      'commands sent per job',
      'commands sent per event',
      'commands run inside Lua per event',
      'scripts per job (EVALSHA)',
      'plain commands per job',
    ],
    rows: censusRows,
  });

  const targets: TargetResult[] = [
    {
      scenario: 1,
      name: 'events/s vs no-op jobs/s, 1 event per job',
      target: 'ratio ≥ 0.8',
      measured: `${fmtSpread(ratio1, 2)} (${fmt(s('threadline', 1, 'eventsPerSecond').median)} vs ${fmt(s('noop', 1, 'jobsPerSecond').median)}/s)`,
      met: ratio1.median >= 0.8,
    },
    {
      scenario: 1,
      name: 'events/s with 8 events per job vs no-op jobs/s',
      target: '≥ 3×',
      measured: `${fmtSpread(ratio8, 2)}× the no-op rate on the same 8-event jobs (${fmt(s('threadline', 8, 'eventsPerSecond').median)} events/s vs ${fmt(s('noop', 8, 'jobsPerSecond').median)} jobs/s); ${fmtSpread(ratio8vs1, 2)}× the 1-event no-op rate`,
      met: ratio8.median >= 3,
    },
  ];

  const chartValues = ms.map((m) => ({
    case: `${m.perJob} event${m.perJob > 1 ? 's' : ''} per job`,
    workers: SHORT[m.system],
    metric: 'events/s',
    value: m.eventsPerSecond,
    run: m.run + 1,
  }));
  const chartSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: 'Scenario 1: events applied per second, 2 worker processes',
      subtitle: `median bar, one dot per run; ${ctx.quick ? 'quick' : 'full'} mode`,
    },
    data: { values: chartValues },
    facet: { column: { field: 'case', type: 'nominal', title: null } },
    spec: {
      width: 220,
      height: 260,
      layer: [
        {
          mark: { type: 'bar', opacity: 0.75 },
          encoding: {
            x: { field: 'workers', type: 'nominal', title: null, axis: { labelAngle: 0 } },
            y: { aggregate: 'median', field: 'value', type: 'quantitative', title: 'events/s' },
            color: { field: 'workers', type: 'nominal', legend: null },
          },
        },
        {
          mark: { type: 'point', filled: true, color: 'black' },
          encoding: {
            x: { field: 'workers', type: 'nominal' },
            y: { field: 'value', type: 'quantitative' },
          },
        },
      ],
    },
  };

  return {
    id: 1,
    title: 'Throughput against the queue’s own ceiling',
    mode: ctx.quick ? 'quick' : 'full',
    ranAt: new Date().toISOString(),
    seconds,
    method: [
      `Two processes of each kind, started as production starts them (\`node --import tsx apps/session-worker/src/main.ts\`, and \`bench/noop-worker.ts\` for the baseline), on one Redis started for the scenario, ${PARTITIONS} partitions with \`setGlobalConcurrency(1)\`. The no-op workers use the session worker’s Worker options (concurrency 1, 4 s locks, 2 s stalled checks, \`drainDelay\` 1, one shared connection) and get exactly the same jobs (same \`EventProducer\`, same payloads, another key prefix), so the only difference is what the processor does.`,
      `Each measurement pauses the partitions, enqueues the jobs (realistic conversations: user messages of 60–400 characters, assistant replies of 150–1200, a tool call after 10% of user messages; 4 jobs per session with 1 event per job, 2 jobs of 8 events per session with batches), resumes them and samples the completed count every 25 ms; the rate is taken between 10% and 90% of the jobs, so the start and the tail do not count. Job counts are sized from the previous run to last about ${targetSeconds} s (at most ${fmt(maxEvents)} events). The two kinds alternate which goes first from run to run; ${runs} runs. CPU is read from /proc for the worker processes and redis-server over the same interval.`,
    ],
    tables,
    targets,
    findings: findings(ms, censuses, ratio1),
    chart: 's1-throughput.svg',
    chartSpec,
    raw: {
      measurements: ms,
      censuses: Object.fromEntries(
        [...censuses].map(([k, c]) => [
          k,
          {
            jobs: c.jobs,
            events: c.events,
            client: Object.fromEntries(c.client),
            lua: Object.fromEntries(c.lua),
            scripts: Object.fromEntries(
              [...c.scripts].map(([sha, n]) => [names.get(sha) ?? sha, n]),
            ),
          },
        ]),
      ),
    },
  };
}

/** Why the ratios are what they are, from the CPU and the command census of this run. */
function findings(
  ms: Measurement[],
  censuses: Map<string, CommandCensus & { events: number; jobs: number }>,
  ratio1: Spread,
): string[] {
  const cpu = (system: System, perJob: number) =>
    spread(pick(ms, system, perJob).map((m) => m.workerCpuMsPerEvent + m.redisCpuMsPerEvent))
      .median;
  const noop1 = cpu('noop', 1);
  const ours1 = cpu('threadline', 1);
  const ours8 = cpu('threadline', 8);
  const noop8job = cpu('noop', 8) * 8;
  const rt = (k: string) => {
    const c = censuses.get(k);
    return c ? total(c.client) / c.jobs : Number.NaN;
  };
  return [
    `Both kinds of workers are CPU-bound here: 2 cores run the worker processes, redis-server and the bench’s own polling. Per event with 1 event per job, the no-op workers and Redis use ${fmt(noop1, 3)} ms of CPU and the session workers and Redis ${fmt(ours1, 3)} ms, so CPU alone predicts a ratio of ${fmt(noop1 / ours1, 2)} (measured ${fmt(ratio1.median, 2)}). The session worker adds ${fmt(rt('threadline-1') - rt('noop-1'), 1)} Redis commands per job (${fmt(rt('threadline-1'), 1)} vs ${fmt(rt('noop-1'), 1)}: the snapshot HMGET and the SMISMEMBER pre-check, sent together so the worker waits for one reply, and the commit EVALSHA) and the per-event work that scenario 7 breaks down (token counting, XState, JSON).`,
    `With 8 events per job the session workers use ${fmt(ours8, 3)} ms of CPU per event against ${fmt(noop8job, 3)} ms per no-op job: the per-job costs (BullMQ’s fetch and acknowledge, the store’s two waits on Redis) are shared by 8 events, but the per-event work is not, and on this machine it is of the same order as a whole no-op job. Reaching 3× the no-op job rate would need ≤ ${fmt(noop8job / 3, 3)} ms per event.`,
  ];
}

export const throughputScenario: Scenario = {
  id: 1,
  title: 'Throughput against the queue’s own ceiling',
  run,
};
