import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { defaultTokenCounter, PriceTable, type SummaryRequest } from '@threadline/core';
import { SessionEngine } from '@threadline/engine';
import { EventProducer, SUMMARIZE_QUEUE, type QueueTopology } from '@threadline/queue';
import { RedisSessionStore } from '@threadline/store';
import { startFakeLlm } from '@threadline/testing';
import { startBenchRedis } from '../lib/bench-redis.ts';
import { conversationEvents, seededRandom } from '../lib/fixtures.ts';
import { cpuSeconds, ENTRIES, startNodeProcess, type BenchProcess } from '../lib/processes.ts';
import { Progress } from '../lib/progress.ts';
import type {
  Scenario,
  ScenarioContext,
  ScenarioResult,
  TargetResult,
} from '../lib/report-types.ts';
import { fmt, fmtSpread, spread } from '../lib/stats.ts';

const LLM_LATENCY_MS = 500;
/** THREADLINE_SUMMARIZER_CONCURRENCY, the summarizer's default. */
const CONCURRENCY = 8;
const POOL_SIZES = [1, 2, 4] as const;
const TENANT = 'bench';

interface PoolRun {
  run: number;
  processes: number;
  jobs: number;
  seconds: number;
  perSecond: number;
  /** The ceiling of the pool: processes × concurrency / LLM latency. */
  ideal: number;
  llmMaxInFlight: number;
  cpuMsPerSummary: number;
}

/** Sessions with one sealed segment waiting for its summary; returns their requests. */
async function sealedSessions(
  engine: SessionEngine,
  count: number,
  tag: string,
): Promise<SummaryRequest[]> {
  const rand = seededRandom(count + tag.length);
  const requests: SummaryRequest[] = [];
  for (let i = 0; i < count; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, async (_, k) => {
        const key = { tenant: TENANT, sessionId: `${tag}-s${i + k}` };
        await engine.createSession(
          key,
          {
            infiniteContext: true,
            maxTurnsPerSegment: 6,
            systemPrompt: 'You help with travel bookings.',
          },
          '2026-01-01T00:00:00.000Z',
        );
        // 6 turns fill segment 0; the 7th turn seals it.
        const events = conversationEvents(key.sessionId, 8, rand, { toolShare: 0 });
        const outcome = await engine.applyBatch(key, events);
        if (!outcome.inFlight) throw new Error(`session ${key.sessionId} did not seal`);
        requests.push(outcome.inFlight);
      }),
    );
  }
  return requests;
}

async function run(ctx: ScenarioContext): Promise<ScenarioResult> {
  const t0 = performance.now();
  const runs = ctx.quick ? 1 : 3;
  /** Rounds of `processes × concurrency` summaries per measurement. */
  const waves = ctx.quick ? 4 : 8;
  const progress = new Progress('scenario 4 (summarizer scale-out)', runs * POOL_SIZES.length);
  const redis = await startBenchRedis();
  const llm = await startFakeLlm({ latencyMs: LLM_LATENCY_MS, seed: 4 });
  const conn = new Redis(redis.url, { maxRetriesPerRequest: null });
  const topology: QueueTopology = { prefix: 'tl', partitions: 16 };
  await defaultTokenCounter.prepare(['gpt-4o-mini']);
  const store = new RedisSessionStore({ redis: conn, prefix: topology.prefix });
  const engine = new SessionEngine({
    store,
    meter: { tokens: defaultTokenCounter, prices: new PriceTable() },
  });
  const producer = new EventProducer(conn, topology);
  const queue = new Queue(SUMMARIZE_QUEUE, { connection: conn, prefix: topology.prefix });
  const results: PoolRun[] = [];
  const env = {
    REDIS_URL: redis.url,
    THREADLINE_PREFIX: topology.prefix,
    THREADLINE_PARTITIONS: String(topology.partitions),
    THREADLINE_LLM_BASE_URL: llm.url,
    THREADLINE_LLM_MODEL: 'gpt-4o-mini',
    THREADLINE_SUMMARIZER_CONCURRENCY: String(CONCURRENCY),
  };
  const procs: BenchProcess[] = [];
  try {
    for (let r = 0; r < runs; r++) {
      for (const size of POOL_SIZES) {
        progress.note(`run ${r + 1}/${runs}: ${size} summarizer process(es)`);
        await queue.pause();
        while (procs.length < size)
          procs.push(await startNodeProcess(ENTRIES.summarizer, env, 'summarizer consuming'));
        const jobs = size * CONCURRENCY * waves;
        const requests = await sealedSessions(engine, jobs, `r${r}p${size}`);
        for (const request of requests) await producer.requestSummary(TENANT, request);
        llm.reset();
        const before = await queue.getCompletedCount();
        const cpu0 = procs.reduce((s, p) => s + cpuSeconds(p.pid), 0);
        const started = performance.now();
        await queue.resume();
        for (;;) {
          const done = (await queue.getCompletedCount()) - before;
          if (done >= jobs) break;
          const failed = await queue.getFailedCount();
          if (failed > 0) throw new Error(`${failed} summarize jobs failed`);
          if (performance.now() - started > 120_000)
            throw new Error(`only ${done} of ${jobs} summaries in 120 s`);
          await new Promise((res) => setTimeout(res, 20));
        }
        const seconds = (performance.now() - started) / 1000;
        const cpu1 = procs.reduce((s, p) => s + cpuSeconds(p.pid), 0);
        const ideal = (size * CONCURRENCY * 1000) / LLM_LATENCY_MS;
        results.push({
          run: r,
          processes: size,
          jobs,
          seconds,
          perSecond: jobs / seconds,
          ideal,
          llmMaxInFlight: llm.stats().maxInFlight,
          cpuMsPerSummary: ((cpu1 - cpu0) * 1000) / jobs,
        });
        progress.tick(1, `${size} process(es): ${fmt(jobs / seconds, 1)} summaries/s`);
      }
      await Promise.all(procs.splice(0).map((p) => p.stop()));
    }
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    await queue.close();
    await producer.close();
    conn.disconnect();
    await llm.close();
    await redis.stop();
  }
  progress.finish();

  const by = (size: number) =>
    results.filter((x) => x.processes === size).sort((a, b) => a.run - b.run);
  const base = by(1);
  const linearRatio = (size: number) =>
    spread(by(size).map((x, i) => x.perSecond / (size * base[i]!.perSecond)));
  const rows = POOL_SIZES.map((size) => [
    String(size),
    fmt(by(size)[0]?.jobs ?? NaN),
    fmtSpread(spread(by(size).map((x) => x.perSecond)), 1),
    fmt((size * CONCURRENCY * 1000) / LLM_LATENCY_MS, 0),
    fmtSpread(spread(by(size).map((x) => x.perSecond / x.ideal)), 2),
    size === 1 ? '1 (the base)' : fmtSpread(linearRatio(size), 2),
    fmtSpread(spread(by(size).map((x) => x.llmMaxInFlight))),
    fmtSpread(spread(by(size).map((x) => x.cpuMsPerSummary)), 1),
  ]);
  const worst = Math.min(...POOL_SIZES.filter((s) => s > 1).map((s) => linearRatio(s).median));
  const targets: TargetResult[] = [
    {
      scenario: 4,
      name: 'summaries/s with 2 and 4 summarizer processes vs linear',
      target: '≥ 0.9 × linear',
      measured: POOL_SIZES.filter((s) => s > 1)
        .map(
          (s) =>
            `${s} processes: ${fmtSpread(linearRatio(s), 2)}× (${fmt(spread(by(s).map((x) => x.perSecond)).median, 1)}/s)`,
        )
        .join('; '),
      met: worst >= 0.9,
    },
  ];
  const chartValues = results.flatMap((x) => [
    { processes: x.processes, series: 'measured', value: x.perSecond },
    {
      processes: x.processes,
      series: 'linear (1-process rate × processes)',
      value: x.processes * base[x.run]!.perSecond,
    },
  ]);
  const chartSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: 'Scenario 4: summaries per second by summarizer processes',
      subtitle: `fake LLM at ${LLM_LATENCY_MS} ms, concurrency ${CONCURRENCY} per process; median line, one dot per run`,
    },
    data: { values: chartValues },
    width: 420,
    height: 260,
    layer: [
      {
        mark: { type: 'line', point: false },
        encoding: {
          x: {
            field: 'processes',
            type: 'quantitative',
            scale: { domain: [0, 4.5] },
            axis: { values: [1, 2, 4] },
            title: 'summarizer processes',
          },
          y: { aggregate: 'median', field: 'value', type: 'quantitative', title: 'summaries/s' },
          color: { field: 'series', type: 'nominal', title: null },
          strokeDash: { field: 'series', type: 'nominal', legend: null },
        },
      },
      {
        mark: { type: 'point', filled: true },
        transform: [{ filter: "datum.series === 'measured'" }],
        encoding: {
          x: { field: 'processes', type: 'quantitative' },
          y: { field: 'value', type: 'quantitative' },
          color: { field: 'series', type: 'nominal' },
        },
      },
    ],
  };
  return {
    id: 4,
    title: 'Summarizer scale-out',
    mode: ctx.quick ? 'quick' : 'full',
    ranAt: new Date().toISOString(),
    seconds: (performance.now() - t0) / 1000,
    method: [
      `1, 2 and 4 summarizer processes (\`node --import tsx apps/summarizer/src/main.ts\`, \`THREADLINE_LLM_BASE_URL\` pointing at the fake OpenAI-compatible LLM answering in ${LLM_LATENCY_MS} ms, default concurrency ${CONCURRENCY} per process). Each measurement prepares fresh sessions whose first segment is sealed and waiting (written directly with \`SessionEngine\`), puts their summarize jobs on the paused \`{summarize}\` queue (${waves} rounds of processes × ${CONCURRENCY} jobs), resumes it and times until all are completed. A summary here is the whole job: load the session, read the segment’s events, build the prompt, call the LLM over HTTP, validate the answer, enqueue the \`summary_ready\` event. No session worker runs, so the answers wait in the partitions (they are not part of what is measured). Linear is the 1-process rate of the same run times the number of processes; the pool’s ceiling is processes × ${CONCURRENCY} / ${LLM_LATENCY_MS / 1000} s. ${runs} run(s).`,
    ],
    tables: [
      {
        title: `Summaries per second — median of ${runs} run(s) (min–max)`,
        columns: [
          'processes',
          'summaries per measurement',
          'summaries/s',
          'ceiling (processes × concurrency / latency)',
          'share of the ceiling',
          'vs linear',
          'LLM requests in flight at most',
          'summarizer CPU ms per summary',
        ],
        rows,
      },
    ],
    targets,
    findings: [],
    chart: 's4-summarizer-scaleout.svg',
    chartSpec,
    raw: { results },
  };
}

export const summarizerScaleoutScenario: Scenario = { id: 4, title: 'Summarizer scale-out', run };
