/**
 * `npm run bench [-- --quick] [-- --only 1,3]`: runs the benchmark scenarios of issue 5, each
 * against a Redis of its own, and writes BENCHMARKS.md and one SVG chart per scenario.
 * Progress goes to stderr. Results are kept in bench/results/latest.json (not committed) so that
 * `--only` refreshes some scenarios and the document keeps the others, and `--render-only`
 * writes BENCHMARKS.md and the charts again from them (after an edit of bench/analysis.md)
 * without measuring anything.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { format, resolveConfig } from 'prettier';
import { renderChart } from '@threadline/testing/charts';
import { machineFacts } from './lib/machine.ts';
import { benchmarksMarkdown, type RunRecord } from './lib/markdown.ts';
import { guardNetwork } from './lib/network-guard.ts';
import type { Scenario, ScenarioResult } from './lib/report-types.ts';
import { throughputScenario } from './scenarios/s1-throughput.ts';
import { latencyScenario } from './scenarios/s2-latency.ts';
import { asyncSummariesScenario } from './scenarios/s3-async-summaries.ts';
import { summarizerScaleoutScenario } from './scenarios/s4-summarizer-scaleout.ts';
import { readCostScenario } from './scenarios/s5-read-cost.ts';
import { memoryScenario } from './scenarios/s6-memory.ts';
import { cpuProfileScenario } from './scenarios/s7-cpu-profile.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const RESULTS = `${ROOT}bench/results/latest.json`;
const SCENARIOS: Scenario[] = [
  throughputScenario,
  latencyScenario,
  asyncSummariesScenario,
  summarizerScaleoutScenario,
  readCostScenario,
  memoryScenario,
  cpuProfileScenario,
];

interface StoredResults {
  run: RunRecord | null;
  scenarios: Record<string, ScenarioResult>;
}

function loadAverage(): string {
  return existsSync('/proc/loadavg')
    ? readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
    : 'unknown';
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      help: { type: 'boolean', default: false },
      'render-only': { type: 'boolean', default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(
      'usage: npm run bench [-- --quick] [-- --only N[,M…]] [-- --render-only]\n',
    );
    return 0;
  }
  guardNetwork();
  if (values['render-only']) return renderOnly();
  const only = values.only ? values.only.split(',').map((s) => Number(s.trim())) : null;
  if (only?.some((n) => !SCENARIOS.some((s) => s.id === n))) {
    process.stderr.write(
      `--only: expected scenario numbers among ${SCENARIOS.map((s) => s.id).join(', ')}, got ${values.only}\n`,
    );
    return 2;
  }
  const quick = values.quick ?? false;
  const command = `npm run bench${quick || only ? ' --' : ''}${quick ? ' --quick' : ''}${only ? ` --only ${only.join(',')}` : ''}`;
  const startedAt = new Date().toISOString();
  const machine = machineFacts();
  const t0 = performance.now();
  const log = (line: string) => process.stderr.write(`${line}\n`);
  log(
    `threadline bench: ${quick ? 'quick' : 'full'} mode, ${machine.cores} cores, node ${machine.node}`,
  );

  const stored: StoredResults = existsSync(RESULTS)
    ? (JSON.parse(await readFile(RESULTS, 'utf8')) as StoredResults)
    : { run: null, scenarios: {} };
  const earlier = new Map<number, ScenarioResult>();
  await mkdir(`${ROOT}bench/charts`, { recursive: true });
  await mkdir(`${ROOT}bench/results`, { recursive: true });
  for (const scenario of SCENARIOS) {
    if (only && !only.includes(scenario.id)) continue;
    const loadStart = loadAverage();
    const result = await scenario.run({ quick, earlier, log });
    result.loadAverage = { start: loadStart, end: loadAverage() };
    earlier.set(scenario.id, result);
    stored.scenarios[String(scenario.id)] = result;
    if (result.chart && result.chartSpec)
      await renderChart(result.chartSpec, `${ROOT}bench/charts/${result.chart}`);
    for (const t of result.targets)
      log(
        `  ${t.met === null ? 'n/a   ' : t.met ? 'met   ' : 'MISSED'} ${t.name}: ${t.target} — ${t.measured}`,
      );
  }
  const run: RunRecord = {
    command,
    startedAt,
    seconds: (performance.now() - t0) / 1000,
    mode: quick ? 'quick' : 'full',
    only,
    machine,
  };
  stored.run = run;
  // Formatted as the repo's Prettier would, so that `npm run format:check` stays clean.
  await writeFile(
    RESULTS,
    await format(JSON.stringify(stored), { parser: 'json', ...(await resolveConfig(RESULTS)) }),
  );
  await writeMarkdown(
    run,
    Object.values(stored.scenarios).sort((a, b) => a.id - b.id),
  );
  log(`wrote BENCHMARKS.md and bench/charts/ in ${run.seconds.toFixed(0)} s`);
  return 0;
}

/** BENCHMARKS.md and the charts again from bench/results/latest.json, measuring nothing. */
async function renderOnly(): Promise<number> {
  if (!existsSync(RESULTS)) {
    process.stderr.write(`--render-only: no ${RESULTS}; run the bench first\n`);
    return 2;
  }
  const stored = JSON.parse(await readFile(RESULTS, 'utf8')) as StoredResults;
  if (!stored.run) {
    process.stderr.write(`--render-only: ${RESULTS} has no run record\n`);
    return 2;
  }
  const results = Object.values(stored.scenarios).sort((a, b) => a.id - b.id);
  for (const result of results)
    if (result.chart && result.chartSpec)
      await renderChart(result.chartSpec, `${ROOT}bench/charts/${result.chart}`);
  await writeMarkdown(stored.run, results);
  process.stderr.write('wrote BENCHMARKS.md and bench/charts/ from bench/results/latest.json\n');
  return 0;
}

async function writeMarkdown(run: RunRecord, results: ScenarioResult[]): Promise<void> {
  const analysisPath = `${ROOT}bench/analysis.md`;
  const analysis = existsSync(analysisPath) ? await readFile(analysisPath, 'utf8') : '';
  await writeFile(`${ROOT}BENCHMARKS.md`, benchmarksMarkdown(run, results, analysis));
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
