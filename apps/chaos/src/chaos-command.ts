import { z } from 'zod';
import {
  parseCommandLine,
  renderCommandHelp,
  UsageError,
  wholeNumberFlag,
  type FlagSpec,
} from '@threadline/cli';
import { renderChaosReport } from './chaos-report.ts';
import type { ProgressStream } from './progress-line.ts';
import { DEFAULT_CHAOS_OPTIONS, runChaos, type ChaosOptions } from './run-chaos.ts';

const COMMAND = 'npm run chaos --';
const USAGE = `${COMMAND} [--sessions N] [--events M] [--kill-interval S] [--seed X] [--rate R] [--json]`;
const SUMMARY = `The chaos run (issue 6): ${DEFAULT_CHAOS_OPTIONS.sessionWorkers} session-worker and ${DEFAULT_CHAOS_OPTIONS.summarizers} summarizer processes, the HTTP server, a fake LLM
failing 20% (5xx), 5% (timeout) and 5% (429 + Retry-After), and a redis-server of its own with
an AOF fsync'd on every write. The sessions (infinite context, small segments) are sent over HTTP
with their own eventIds, every batch twice; meanwhile a random worker is SIGKILLed (and
replaced) every couple of seconds, every Redis connection is killed once, and Redis is crashed
and restarted once on the same port. Requests that fail meanwhile are retried with the same
eventIds. Then every session is read back and checked: exactly the accepted events in the
accepted order, a summary on every sealed segment, nothing left summarizing, and the same chain
and stats as the embedded runtime fed the same events.

Progress goes to stderr, the report to stdout. Exit 0 with no violation, 1 with any (each is
printed), 2 for a wrong command line, 130 when stopped by SIGINT/SIGTERM (everything it started
is stopped first).`;

const FLAGS: Record<string, FlagSpec> = {
  sessions: {
    type: 'string',
    valueName: 'N',
    description: `sessions, 1 to 10000 (default ${DEFAULT_CHAOS_OPTIONS.sessions})`,
  },
  events: {
    type: 'string',
    valueName: 'M',
    description: `events per session, 1 to 2000 (default ${DEFAULT_CHAOS_OPTIONS.eventsPerSession})`,
  },
  'kill-interval': {
    type: 'string',
    valueName: 'seconds',
    description: `a worker is SIGKILLed about this often, 0.2 to 600 (default ${DEFAULT_CHAOS_OPTIONS.killIntervalMs / 1000})`,
  },
  seed: {
    type: 'string',
    valueName: 'X',
    description:
      'fixes the conversations, batches, resends, victims and LLM draws, 0 to 4294967295 (default: random, printed)',
  },
  rate: {
    type: 'string',
    valueName: 'R',
    description: `events sent per second, duplicates included, 1 to 100000 (default ${DEFAULT_CHAOS_OPTIONS.rate})`,
  },
  'quiesce-timeout': {
    type: 'string',
    valueName: 'seconds',
    description: `how long after the load every session must have settled, 1 to 3600 (default ${DEFAULT_CHAOS_OPTIONS.quiesceTimeoutMs / 1000})`,
  },
  timeout: {
    type: 'string',
    valueName: 'seconds',
    description: `the whole run, 10 to 86400 (default ${DEFAULT_CHAOS_OPTIONS.timeoutMs / 1000})`,
  },
  'keep-logs': {
    type: 'boolean',
    description: "keep the processes' logs even when the run is clean",
  },
  json: { type: 'boolean', description: 'print the report as JSON (figures and violations)' },
};

const secondsFlag = (min: number, max: number) =>
  z
    .string()
    .refine((t) => /^\d+(\.\d+)?$/.test(t) && Number(t) >= min && Number(t) <= max, {
      error: (issue) =>
        `expected a number of seconds from ${min} to ${max}, got ${JSON.stringify(issue.input)}`,
    })
    .transform((t) => Math.round(Number(t) * 1000));

const FlagsSchema = z.object({
  sessions: wholeNumberFlag(1, 10_000).default(DEFAULT_CHAOS_OPTIONS.sessions),
  events: wholeNumberFlag(1, 2000).default(DEFAULT_CHAOS_OPTIONS.eventsPerSession),
  'kill-interval': secondsFlag(0.2, 600).optional(),
  seed: wholeNumberFlag(0, 4_294_967_295).optional(),
  rate: wholeNumberFlag(1, 100_000).default(DEFAULT_CHAOS_OPTIONS.rate),
  'quiesce-timeout': secondsFlag(1, 3600).optional(),
  timeout: secondsFlag(10, 86_400).optional(),
  'keep-logs': z.boolean().default(false),
  json: z.boolean().default(false),
});

export interface ChaosCommandIo {
  out(text: string): void;
  /** Progress: a TTY gets a line redrawn in place. */
  progress: ProgressStream;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
}

/** Runs the chaos command line; resolves with the exit code. */
export async function runChaosCommand(
  argv: readonly string[],
  io: ChaosCommandIo,
): Promise<number> {
  let options: ChaosOptions;
  let json: boolean;
  try {
    const spec = { command: COMMAND, flags: FLAGS, schema: FlagsSchema };
    const { flags, help } = parseCommandLine(argv, spec);
    if (help) {
      io.out(renderCommandHelp({ command: COMMAND, usage: USAGE, summary: SUMMARY, flags: FLAGS }));
      return 0;
    }
    json = flags.json;
    options = {
      ...DEFAULT_CHAOS_OPTIONS,
      sessions: flags.sessions,
      eventsPerSession: flags.events,
      killIntervalMs: flags['kill-interval'] ?? DEFAULT_CHAOS_OPTIONS.killIntervalMs,
      seed: flags.seed ?? Math.floor(Math.random() * 4_294_967_296),
      rate: flags.rate,
      quiesceTimeoutMs: flags['quiesce-timeout'] ?? DEFAULT_CHAOS_OPTIONS.quiesceTimeoutMs,
      timeoutMs: flags.timeout ?? DEFAULT_CHAOS_OPTIONS.timeoutMs,
      keepLogs: flags['keep-logs'],
    };
  } catch (error) {
    if (error instanceof UsageError) {
      io.progress.write(`chaos: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
  try {
    const report = await runChaos(options, { progress: io.progress, signal: io.signal });
    io.out(json ? JSON.stringify(report, null, 2) : renderChaosReport(report));
    return report.violations.length === 0 ? 0 : 1;
  } catch (error) {
    if (io.signal.aborted) {
      io.progress.write('chaos: stopped by a signal; every process it started has been stopped\n');
      return 130;
    }
    if (error instanceof Error && error.name === 'TimeoutError') {
      io.progress.write(
        `chaos: the run did not finish within ${options.timeoutMs / 1000} s; everything it started has been stopped\n`,
      );
      return 1;
    }
    throw error;
  }
}
