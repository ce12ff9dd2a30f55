import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { defaultTokenCounter, TokenCounter, type AcceptedEvent } from '@threadline/core';
import { RedisSessionStore } from '@threadline/store';
import {
  profileApply,
  STEP_LABELS,
  STEPS,
  type Step,
  type StepTimes,
} from '../lib/apply-profile.ts';
import { startBenchRedis } from '../lib/bench-redis.ts';
import { seededRandom, textOf } from '../lib/fixtures.ts';
import { ENTRIES } from '../lib/processes.ts';
import { Progress } from '../lib/progress.ts';
import type {
  Scenario,
  ScenarioContext,
  ScenarioResult,
  TargetResult,
} from '../lib/report-types.ts';
import { fmt, fmtBytes, fmtSpread, percentile, spread, type Spread } from '../lib/stats.ts';
import { throughputEvents } from './s1-throughput.ts';

const run$ = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TOKENIZERS = ['js-tiktoken', 'gpt-tokenizer', 'tiktoken'] as const;
type Tokenizer = (typeof TOKENIZERS)[number];

interface ProbeResult {
  which: Tokenizer;
  loadMs: number;
  rssAfterLoad: number;
  rssDelta: number;
  heapUsedAfterLoad: number;
  externalAfterLoad: number;
  rssAfterRun: number;
  usPerMessage: number;
  cpuUsPerMessage: number;
  p50Us: number;
  p99Us: number;
  counts: number[];
}

/**
 * ~1 KB messages of real text: 1000-character slices of the README files of the installed
 * packages (English prose, Markdown, code, URLs, some non-ASCII), plus generated chat text.
 * Deterministic: the same files in the same order on every machine with the same lockfile.
 */
function oneKbMessages(count: number): string[] {
  const readmes: string[] = [];
  for (const name of readdirSync(join(ROOT, 'node_modules')).sort()) {
    if (name.startsWith('.')) continue;
    if (name.startsWith('@')) {
      for (const sub of readdirSync(join(ROOT, 'node_modules', name)).sort())
        readmes.push(join(ROOT, 'node_modules', name, sub, 'README.md'));
    } else readmes.push(join(ROOT, 'node_modules', name, 'README.md'));
  }
  const out: string[] = [];
  const rand = seededRandom(7);
  for (const path of readmes) {
    if (out.length >= count * 0.8) break;
    if (!existsSync(path)) continue;
    const text = readFileSync(path, 'utf8');
    for (let i = 0; i + 1000 <= text.length && i < 6000 && out.length < count * 0.8; i += 1000)
      out.push(text.slice(i, i + 1000));
  }
  while (out.length < count) out.push(textOf(rand, 1000));
  return out;
}

async function probe(which: Tokenizer, file: string): Promise<ProbeResult> {
  const { stdout } = await run$(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', ENTRIES.tokenizerProbe, which, file],
    { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as ProbeResult;
}

/** The shipped worker's counter (gpt-tokenizer) and the alternative it replaced (js-tiktoken). */
type Counter = 'gpt-tokenizer' | 'js-tiktoken';
const SHIPPED: Counter = 'gpt-tokenizer';
const ALTERNATIVE: Counter = 'js-tiktoken';

interface ProfileRun {
  perJob: number;
  counter: Counter;
  run: number;
  times: StepTimes;
}

function jobsOf(events: AcceptedEvent[], perJob: number): AcceptedEvent[][] {
  const jobs: AcceptedEvent[][] = [];
  let i = 0;
  while (i < events.length) {
    const sessionId = events[i]!.sessionId;
    const job: AcceptedEvent[] = [];
    while (i < events.length && job.length < perJob && events[i]!.sessionId === sessionId)
      job.push(events[i++]!);
    jobs.push(job);
  }
  return jobs;
}

async function run(ctx: ScenarioContext): Promise<ScenarioResult> {
  const t0 = performance.now();
  const runs = ctx.quick ? 1 : 3;
  const eventsPerProfile = ctx.quick ? 800 : 4000;
  const messages = ctx.quick ? 200 : 1000;
  const progress = new Progress(
    'scenario 7 (CPU per event, tokenizers)',
    runs * 4 + runs * TOKENIZERS.length,
  );
  const profiles: ProfileRun[] = [];
  const probes: ProbeResult[] = [];
  const redis = await startBenchRedis();
  const conn = new Redis(redis.url);
  const dir = await mkdtemp(join(tmpdir(), 'threadline-bench-'));
  try {
    // The shipped worker counts with core's defaultTokenCounter (gpt-tokenizer); the alternative
    // is the same TokenCounter on js-tiktoken, the library it counted with before.
    const jsTiktoken = new TokenCounter({ tokenizer: 'js-tiktoken' });
    if (defaultTokenCounter.tokenizer !== SHIPPED)
      throw new Error(`defaultTokenCounter counts with ${defaultTokenCounter.tokenizer}`);
    await defaultTokenCounter.prepare(['gpt-4o-mini']);
    await jsTiktoken.prepare(['gpt-4o-mini']);
    const counters: Array<[Counter, TokenCounter]> = [
      [SHIPPED, defaultTokenCounter],
      [ALTERNATIVE, jsTiktoken],
    ];
    // Warm the whole path up (JIT, connections, script cache) with both counters, untimed.
    for (const [name, counter] of counters) {
      const store = new RedisSessionStore({ redis: conn, prefix: `warm${name.slice(0, 3)}` });
      await profileApply(store, counter, 'bench', jobsOf(throughputEvents(600, 1, 699, 'warm'), 1));
    }
    for (let r = 0; r < runs; r++) {
      for (const perJob of [1, 8]) {
        for (const [name, counter] of r % 2 === 0 ? counters : [...counters].reverse()) {
          const store = new RedisSessionStore({
            redis: conn,
            prefix: `p${r}${perJob}${name.slice(0, 3)}`,
          });
          const events = throughputEvents(
            Math.ceil(eventsPerProfile / perJob),
            perJob,
            700 + r,
            `prof${perJob}`,
          );
          const jobs = jobsOf(events, perJob);
          const warm = Math.ceil(jobs.length / 10);
          await profileApply(store, counter, 'bench', jobs.slice(0, warm));
          const times = await profileApply(store, counter, 'bench', jobs.slice(warm));
          profiles.push({ perJob, counter: name, run: r, times });
          progress.tick(1, `profile ${perJob} event(s)/job, ${name}`);
        }
      }
    }
    const all = oneKbMessages(messages + 100);
    const file = join(dir, 'messages.json');
    await writeFile(file, JSON.stringify({ warmup: all.slice(0, 100), measured: all.slice(100) }));
    for (let r = 0; r < runs; r++) {
      const order = [...TOKENIZERS.slice(r % 3), ...TOKENIZERS.slice(0, r % 3)];
      for (const which of order) {
        probes.push(await probe(which, file));
        progress.tick(1, `tokenizer ${which}`);
      }
    }
    const measured = all.slice(100);
    const bytes = measured.reduce((n, m) => n + Buffer.byteLength(m), 0) / measured.length;
    progress.finish();
    return report(
      ctx,
      profiles,
      probes,
      runs,
      bytes,
      measured.length,
      (performance.now() - t0) / 1000,
    );
  } finally {
    conn.disconnect();
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

function report(
  ctx: ScenarioContext,
  profiles: ProfileRun[],
  probes: ProbeResult[],
  runs: number,
  bytes: number,
  messageCount: number,
  seconds: number,
): ScenarioResult {
  const stepSpread = (
    perJob: number,
    counter: ProfileRun['counter'],
    step: Step,
    kind: 'cpu' | 'wall',
  ): Spread =>
    spread(
      profiles
        .filter((p) => p.perJob === perJob && p.counter === counter)
        .map((p) =>
          kind === 'cpu'
            ? (p.times.cpuMs[step] * 1000) / p.times.events
            : (p.times.wallMs[step].reduce((a, b) => a + b, 0) * 1000) / p.times.events,
        ),
    );
  const totalSpread = (perJob: number, counter: ProfileRun['counter']) =>
    spread(
      profiles
        .filter((p) => p.perJob === perJob && p.counter === counter)
        .map((p) => (STEPS.reduce((n, s) => n + p.times.cpuMs[s], 0) * 1000) / p.times.events),
    );
  const profileRows: string[][] = [];
  for (const step of STEPS) {
    const row = [STEP_LABELS[step]];
    for (const perJob of [1, 8]) {
      const cpu = stepSpread(perJob, SHIPPED, step, 'cpu');
      const total = totalSpread(perJob, SHIPPED).median;
      row.push(
        fmtSpread(cpu, 1),
        `${fmt((cpu.median / total) * 100, 0)}%`,
        fmtSpread(stepSpread(perJob, SHIPPED, step, 'wall'), 1),
        fmtSpread(stepSpread(perJob, ALTERNATIVE, step, 'cpu'), 1),
      );
    }
    profileRows.push(row);
  }
  profileRows.push([
    '**total**',
    fmtSpread(totalSpread(1, SHIPPED), 1),
    '100%',
    '',
    fmtSpread(totalSpread(1, ALTERNATIVE), 1),
    fmtSpread(totalSpread(8, SHIPPED), 1),
    '100%',
    '',
    fmtSpread(totalSpread(8, ALTERNATIVE), 1),
  ]);
  const gcSpread = (perJob: number, counter: ProfileRun['counter']) =>
    spread(
      profiles
        .filter((p) => p.perJob === perJob && p.counter === counter)
        .map((p) => (p.times.gcMs * 1000) / p.times.events),
    );
  /** Same-run ratio: the alternative's total over the shipped one's, run by run. */
  const totalRatio = (perJob: number) => {
    const of = (c: Counter) =>
      profiles
        .filter((p) => p.perJob === perJob && p.counter === c)
        .sort((a, b) => a.run - b.run)
        .map((p) => STEPS.reduce((n, st) => n + p.times.cpuMs[st], 0) / p.times.events);
    const a = of(ALTERNATIVE);
    const b = of(SHIPPED);
    return spread(a.map((x, i) => x / b[i]!));
  };
  const compare = [1, 8].map((perJob) => [
    String(perJob),
    fmtSpread(stepSpread(perJob, SHIPPED, 'measure', 'cpu'), 1),
    fmtSpread(stepSpread(perJob, ALTERNATIVE, 'measure', 'cpu'), 1),
    fmtSpread(totalSpread(perJob, SHIPPED), 1),
    fmtSpread(totalSpread(perJob, ALTERNATIVE), 1),
    `${fmtSpread(totalRatio(perJob), 2)}×`,
    fmtSpread(gcSpread(perJob, SHIPPED), 1),
    fmtSpread(gcSpread(perJob, ALTERNATIVE), 1),
  ]);

  const byTok = (w: Tokenizer) => probes.filter((p) => p.which === w);
  const ref = byTok('js-tiktoken')[0]!.counts;
  const mismatches = (w: Tokenizer) => byTok(w)[0]!.counts.filter((c, i) => c !== ref[i]).length;
  const tokRows = TOKENIZERS.map((w) => {
    const ps = byTok(w);
    const s = (f: (p: ProbeResult) => number) => spread(ps.map(f));
    return [
      w,
      fmtSpread(
        s((p) => p.usPerMessage),
        1,
      ),
      fmtSpread(
        s((p) => p.p99Us),
        1,
      ),
      fmtSpread(
        s((p) => p.loadMs),
        0,
      ),
      `${fmtBytes(s((p) => p.rssDelta).median)}`,
      `${fmtBytes(s((p) => p.rssAfterRun).median)}`,
      fmt(ref.reduce((a, b) => a + b, 0) / ref.length, 1),
      mismatches(w) === 0
        ? `identical (${fmt(messageCount)} of ${fmt(messageCount)})`
        : `${mismatches(w)} differ`,
    ];
  });
  const speed = (w: Tokenizer) => spread(byTok(w).map((p) => p.usPerMessage)).median;
  const allMatch = TOKENIZERS.every((w) => mismatches(w) === 0);
  const targets: TargetResult[] = [
    {
      scenario: 7,
      name: 'profile per event (validation, tokens, machine, Redis) and tokenizers compared, counts matching',
      target: 'a table; counts must match',
      measured: `${fmt(totalSpread(1, SHIPPED).median, 0)} µs CPU per event in-process as shipped (1 event/job; ${fmt(totalSpread(1, ALTERNATIVE).median, 0)} µs with js-tiktoken), token counting ${fmt((stepSpread(1, SHIPPED, 'measure', 'cpu').median / totalSpread(1, SHIPPED).median) * 100, 0)}%; per 1 KB message js-tiktoken ${fmt(speed('js-tiktoken'), 0)} µs, tiktoken ${fmt(speed('tiktoken'), 0)} µs, gpt-tokenizer ${fmt(speed('gpt-tokenizer'), 0)} µs; counts ${allMatch ? 'identical' : 'DIFFER'}`,
      met: allMatch,
    },
  ];
  const chartValues = STEPS.flatMap((step) =>
    [1, 8].flatMap((perJob) =>
      [SHIPPED, ALTERNATIVE].map((counter) => ({
        job: `${perJob}/job, ${counter}${counter === SHIPPED ? ' (shipped)' : ''}`,
        step: STEP_LABELS[step].split(' (')[0],
        us: stepSpread(perJob, counter, step, 'cpu').median,
      })),
    ),
  );
  const tokValues = TOKENIZERS.map((w) => ({ tokenizer: w, us: speed(w) }));
  const chartSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: 'Scenario 7: worker CPU per event by step, and tokenizers on 1 KB messages',
      subtitle:
        'in-process profile of the engine’s steps (median of runs); tokenizers each in a fresh process',
    },
    resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
    hconcat: [
      {
        data: { values: chartValues },
        width: 320,
        height: 240,
        mark: 'bar',
        encoding: {
          x: {
            field: 'job',
            type: 'nominal',
            title: null,
            sort: null,
            axis: { labelAngle: -20, labelLimit: 200 },
          },
          y: { field: 'us', type: 'quantitative', title: 'CPU µs per event', stack: 'zero' },
          color: {
            field: 'step',
            type: 'nominal',
            title: 'step',
            legend: { orient: 'bottom', columns: 2, labelLimit: 260 },
          },
        },
      },
      {
        data: { values: tokValues },
        width: 200,
        height: 240,
        mark: 'bar',
        encoding: {
          x: { field: 'tokenizer', type: 'nominal', title: null, axis: { labelAngle: 0 } },
          y: { field: 'us', type: 'quantitative', title: 'µs per 1 KB message (o200k_base)' },
          color: { field: 'tokenizer', type: 'nominal', legend: null },
        },
      },
    ],
  };
  return {
    id: 7,
    title: 'Where a worker’s CPU goes per event; tokenizers',
    mode: ctx.quick ? 'quick' : 'full',
    ranAt: new Date().toISOString(),
    seconds,
    method: [
      `Profile: the steps of \`SessionEngine.applyBatch\` and the session worker’s validation, called in their order in this process (\`bench/lib/apply-profile.ts\`) on the scenario’s Redis, over the same realistic events as scenario 1 (${fmt(Math.round(profiles[0]?.times.events ?? 0))} events per profile after a 10% warm-up), with \`performance.now()\` (wall) and \`process.cpuUsage()\` (CPU of this process) around each step. BullMQ’s own cost per job (fetching, locking, acknowledging) is not in this table: scenario 1 measures it as the no-op workers’ CPU per job. ${runs} run(s), median (min–max).`,
      `Tokenizers: each in a fresh \`node --expose-gc\` process (\`bench/tokenizer-probe.ts\`), o200k_base (gpt-4o, gpt-4o-mini), counting the tokens of the same ${fmt(messageCount)} messages of ${fmt(bytes, 0)} bytes on average (1000-character slices of the README files of the installed packages — prose, Markdown, code, URLs — and generated chat text) after a warm-up on 100 others; special-token text is counted as ordinary text by all three, as the API does with message content. Installed as bench-only devDependencies from the registry: \`gpt-tokenizer\` 4.0.0 (pure JS) and \`tiktoken\` 1.0.22 (WASM, shipped in the package: nothing is downloaded at install or run time). ${runs} run(s), order rotated.`,
    ],
    tables: [
      {
        title:
          "Worker CPU per event, by step: as shipped (gpt-tokenizer), and the same steps with `new TokenCounter({ tokenizer: 'js-tiktoken' })` — µs, median (min–max)",
        columns: [
          'step',
          '1 event/job: CPU µs, shipped',
          'share',
          'wall µs',
          'CPU µs with js-tiktoken',
          '8 events/job: CPU µs, shipped',
          'share',
          'wall µs',
          'CPU µs with js-tiktoken',
        ],
        rows: profileRows,
      },
      {
        title:
          'Shipped (gpt-tokenizer) vs the alternative (js-tiktoken), same run — CPU µs per event, median (min–max)',
        columns: [
          'events per job',
          'token counting, gpt-tokenizer (shipped)',
          'token counting, js-tiktoken',
          'total, gpt-tokenizer (shipped)',
          'total, js-tiktoken',
          'js-tiktoken / shipped (run by run)',
          'GC pauses per event, gpt-tokenizer (µs)',
          'GC pauses per event, js-tiktoken (µs)',
        ],
        rows: compare,
      },
      {
        title: 'Tokenizers on the same 1 KB messages (o200k_base)',
        columns: [
          'tokenizer',
          'µs per message (mean)',
          'p99 µs',
          'load ms (import + first encode)',
          'RSS added by loading',
          'process RSS after the run',
          'tokens per message',
          'counts vs js-tiktoken',
        ],
        rows: tokRows,
      },
    ],
    targets,
    findings: [
      `Decision: the workers count with gpt-tokenizer (core’s \`defaultTokenCounter\`). Its counts are identical to js-tiktoken’s (here ${mismatches('gpt-tokenizer') === 0 ? 'on all' : `NOT on all: ${mismatches('gpt-tokenizer')} differ out of`} ${fmt(messageCount)} messages; in the repo, the property test \`libs/core/src/tokens/token-counter.test.ts\` checks both encodings on prose, code, unicode and special-token text), it counts a 1 KB message ${fmt(speed('js-tiktoken') / speed('gpt-tokenizer'), 1)}× faster (${fmt(speed('gpt-tokenizer'), 0)} vs ${fmt(speed('js-tiktoken'), 0)} µs) and loading it adds ${fmtBytes(spread(byTok('gpt-tokenizer').map((p) => p.rssDelta)).median)} of RSS against ${fmtBytes(spread(byTok('js-tiktoken').map((p) => p.rssDelta)).median)}. In the worker’s own steps, token counting takes ${fmt(stepSpread(1, SHIPPED, 'measure', 'cpu').median, 1)} µs per event instead of ${fmt(stepSpread(1, ALTERNATIVE, 'measure', 'cpu').median, 1)} (1 event per job). js-tiktoken stays available as \`new TokenCounter({ tokenizer: 'js-tiktoken' })\` and is the reference the property test checks gpt-tokenizer against. tiktoken (WASM) takes ${fmt(speed('tiktoken'), 0)} µs per message here (${fmt(speed('tiktoken') / speed('gpt-tokenizer'), 2)}× gpt-tokenizer’s time) and adds the least RSS, but it is a WASM module whose encoders must be freed by hand (\`encoder.free()\`), for no gain in counting speed over gpt-tokenizer, so it is not used.`,
    ],
    chart: 's7-cpu-profile.svg',
    chartSpec,
    raw: {
      profiles: profiles.map((p) => ({
        perJob: p.perJob,
        counter: p.counter,
        run: p.run,
        events: p.times.events,
        cpuMs: p.times.cpuMs,
        wallP50Us: Object.fromEntries(
          STEPS.map((s) => [s, percentile(p.times.wallMs[s], 50) * 1000]),
        ),
      })),
      probes: probes.map(({ counts: _c, ...p }) => p),
    },
  };
}

export const cpuProfileScenario: Scenario = {
  id: 7,
  title: 'Where a worker’s CPU goes per event; tokenizers',
  run,
};
