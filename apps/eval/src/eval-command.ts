import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  parseCommandLine,
  renderCommandHelp,
  UsageError,
  wholeNumberFlag,
  type FlagSpec,
} from '@threadline/cli';
import { headlineRows, evalMarkdown, METHOD_LABELS } from './report/eval-markdown.ts';
import { renderEvalCharts } from './report/eval-charts.ts';
import { judge } from './report/aggregate.ts';
import { defaultOptions, type EvalOptions, type LlmTarget } from './run/eval-options.ts';
import { progressReporter, type ProgressStream } from './run/progress-reporter.ts';
import { runEval } from './run/run-eval.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const COMMAND = 'npm run eval --';
const USAGE = `${COMMAND} [--quick] [--seed N] [--conversations N] [--out PATH] [--llm-rows headline|all] [--no-llm]`;
const SUMMARY = `The context-quality evaluation. Generates realistic conversations (support, travel, coding,
shopping) with planted facts, tool-result-only artifacts and revised decisions; records them
through the SDK (embedded runtime) over a grid of token thresholds × summary caps × budgets; reads
the context after every seal and at the end; scores recall, latest-value-wins, continuation,
budget fill and compression against a truncation baseline and the frozen v1 (1ad38c6) summarizer.
With THREADLINE_EVAL_LLM_URL (and _KEY, _MODEL) the LLM rows use that OpenAI-compatible endpoint,
else the fake LLM of libs/testing on a loopback port.

Writes EVAL.md, apps/eval/charts/*.svg and apps/eval/results/latest.json (not committed).
--quick runs one short conversation per domain at one threshold, cap and budget, and writes to a
temporary directory (printed) unless --out is given. Progress on stderr, the headline on stdout.`;

const FLAGS: Record<string, FlagSpec> = {
  quick: { type: 'boolean', description: 'a smoke run in a few seconds (temporary output)' },
  seed: {
    type: 'string',
    valueName: 'N',
    description: 'seed of the conversations, 0 to 4294967295 (default 20260501)',
  },
  conversations: {
    type: 'string',
    valueName: 'N',
    description: 'conversations per domain, 1 to 100 (default 12; quick: 1)',
  },
  out: {
    type: 'string',
    valueName: 'PATH',
    description: 'where the markdown goes (default EVAL.md; quick: a temporary directory)',
  },
  'llm-rows': {
    type: 'string',
    valueName: 'headline|all',
    description: 'settings rows the LLM summarizer runs on (default headline)',
  },
  'no-llm': { type: 'boolean', description: 'skip the LLM rows' },
};

const FlagsSchema = z.object({
  quick: z.boolean().default(false),
  seed: wholeNumberFlag(0, 4_294_967_295).optional(),
  conversations: wholeNumberFlag(1, 100).optional(),
  out: z.string().min(1).optional(),
  'llm-rows': z.enum(['headline', 'all']).default('headline'),
  'no-llm': z.boolean().default(false),
});

/** THREADLINE_EVAL_LLM_*: read here and nowhere else. */
const LlmEnvSchema = z.object({
  THREADLINE_EVAL_LLM_URL: z.url({ error: 'expected an http(s) URL ending in /v1' }).optional(),
  THREADLINE_EVAL_LLM_KEY: z.string().optional(),
  THREADLINE_EVAL_LLM_MODEL: z.string().min(1).default('gpt-4o-mini'),
});

export interface EvalCommandIo {
  out(text: string): void;
  progress: ProgressStream | null;
  env: Record<string, string | undefined>;
  signal?: AbortSignal;
}

/** Where the markdown goes without --out: EVAL.md at the root; a quick run never writes there. */
export function defaultOutPath(quick: boolean): string {
  return quick ? join(tmpdir(), 'threadline-eval-quick', 'EVAL.md') : join(ROOT, 'EVAL.md');
}

/** Runs `npm run eval`; resolves with the exit code. */
export async function runEvalCommand(argv: readonly string[], io: EvalCommandIo): Promise<number> {
  let options: EvalOptions;
  let out: string;
  try {
    const spec = { command: COMMAND, flags: FLAGS, schema: FlagsSchema };
    const { flags, help } = parseCommandLine(argv, spec);
    if (help) {
      io.out(renderCommandHelp({ command: COMMAND, usage: USAGE, summary: SUMMARY, flags: FLAGS }));
      return 0;
    }
    const env = LlmEnvSchema.safeParse(io.env);
    if (!env.success)
      throw new UsageError(
        env.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join('\n'),
      );
    const llm: LlmTarget = flags['no-llm']
      ? { kind: 'off' }
      : env.data.THREADLINE_EVAL_LLM_URL
        ? {
            kind: 'endpoint',
            url: env.data.THREADLINE_EVAL_LLM_URL,
            model: env.data.THREADLINE_EVAL_LLM_MODEL,
            ...(env.data.THREADLINE_EVAL_LLM_KEY
              ? { apiKey: env.data.THREADLINE_EVAL_LLM_KEY }
              : {}),
          }
        : { kind: 'fake' };
    const base = defaultOptions(flags.quick);
    options = {
      ...base,
      seed: flags.seed ?? base.seed,
      conversationsPerDomain: flags.conversations ?? base.conversationsPerDomain,
      llm,
      llmRows: flags['llm-rows'],
    };
    out = resolve(flags.out ?? defaultOutPath(flags.quick));
  } catch (error) {
    if (error instanceof UsageError) {
      io.out(error.message);
      return error.exitCode;
    }
    throw error;
  }

  const startedAt = new Date().toISOString();
  // The code measured is the one loaded now: read the commit before the run, not after it (a
  // commit made during a long run would otherwise be named).
  const commit = gitCommit();
  const progress = progressReporter(io.progress);
  const results = await runEval(options, progress, io.signal);
  progress.done();

  // The repository's EVAL.md goes with apps/eval/charts and apps/eval/results; any other
  // markdown path (the quick run's temporary one) with a charts/ and results.json beside it.
  const outputs =
    out === join(ROOT, 'EVAL.md')
      ? {
          results: join(ROOT, 'apps/eval/results/latest.json'),
          charts: join(ROOT, 'apps/eval/charts'),
        }
      : { results: join(dirname(out), 'results.json'), charts: join(dirname(out), 'charts') };
  await mkdir(dirname(outputs.results), { recursive: true });
  await writeFile(outputs.results, `${JSON.stringify({ startedAt, ...results }, null, 1)}\n`);
  await mkdir(outputs.charts, { recursive: true });
  const charts = await renderEvalCharts(results, outputs.charts);
  await mkdir(dirname(out), { recursive: true });
  const markdown = evalMarkdown(results, {
    command: `npm run eval${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
    startedAt,
    commit,
    machine: machine(),
    charts: charts.map((c) => ({
      title: c.title,
      path: relative(dirname(out), join(outputs.charts, c.file)),
    })),
    resultsPath: relative(ROOT, outputs.results).startsWith('..')
      ? outputs.results
      : relative(ROOT, outputs.results),
  });
  await writeFile(out, markdown);

  io.out(headlineSummary(results));
  const shown = (path: string) => {
    const rel = relative(process.cwd(), path);
    return rel.startsWith('..') ? path : rel;
  };
  io.out(
    `\nwrote ${shown(out)}, ${charts.length} charts in ${shown(outputs.charts)}, results in ${shown(outputs.results)} (${results.seconds.toFixed(0)} s)`,
  );
  return 0;
}

function headlineSummary(results: Awaited<ReturnType<typeof runEval>>): string {
  const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(1)}%`);
  const lines = ['Headline (budget 2000, default cap):'];
  for (const { method, threshold, aggregate: a, v1 } of headlineRows(results)) {
    const j = judge(a, method === 'v1' ? null : v1);
    const missed = Object.entries(j)
      .filter(([, met]) => met === false)
      .map(([k]) => k);
    lines.push(
      `  ${METHOD_LABELS[method]}, threshold ${threshold}, ${a.conversations} conversations: facts ${pct(a.factRecall)}, artifacts ${pct(a.artifactRecall)}, latest wins ${pct(a.latestWins)} (stale ${pct(a.staleOnly)}), continuation ${pct(a.continuationBoth)}, fill min ${pct(a.fillMinReported)} mean ${pct(a.fillMeanReported)}, over budget ${a.overBudget}, summary/replaced ${a.summaryRatio?.toFixed(3) ?? '–'}${missed.length ? `; missed: ${missed.join(', ')}` : ''}`,
    );
  }
  return lines.join('\n');
}

function gitCommit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${sha} (with uncommitted changes)` : sha;
  } catch {
    return 'unknown';
  }
}

function machine(): string {
  const cpu = cpus();
  return `${cpu[0]?.model.trim() ?? 'unknown CPU'} × ${cpu.length}, ${Math.round(totalmem() / 1024 ** 3)} GiB, Node ${process.version}, ${platform()} ${release()}, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} at the end`;
}
