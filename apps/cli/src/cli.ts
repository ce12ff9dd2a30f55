import { UsageError } from './cli-args.ts';
import { ConfigError } from './cli-config.ts';
import type { CommandContext, CommandEntry } from './command.ts';

/** Every command, in the order `--help` lists them. */
const COMMANDS: CommandEntry[] = [
  {
    name: 'start',
    summary:
      'server + session worker + summarizer in one process (a private redis-server when REDIS_URL is unset)',
    load: async () => (await import('./commands/start.ts')).startCommand,
  },
  {
    name: 'demo',
    summary:
      'play simulated conversations end to end (embedded, in this process, when REDIS_URL is unset)',
    load: async () => (await import('./commands/demo.ts')).demoCommand,
  },
  {
    name: 'loadgen',
    summary:
      'send N sessions × M events at R events/s (HTTP or queue); print events/s and p50/p99 latency',
    load: async () => (await import('./commands/loadgen.ts')).loadgenCommand,
  },
  {
    name: 'inspect',
    summary:
      "print a session from Redis: chain, segments' status, summaries, stats (--json for machines)",
    load: async () => (await import('./commands/inspect.ts')).inspectCommand,
  },
];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: threadline <command> [options]',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run "threadline <command> --help" for its options. Configuration comes from the environment',
    '(REDIS_URL, REDIS_CLUSTER_NODES, THREADLINE_*, PORT, HOST, LOG_LEVEL).',
    'Exit codes: 0 done, 1 failed, 2 wrong usage or configuration.',
  ].join('\n');
}

/** Where a run writes: stdout for results, stderr for progress and problems. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: CliIo = {
  out: (text) => void process.stdout.write(`${text}\n`),
  err: (text) => void process.stderr.write(`${text}\n`),
};

/**
 * Runs one `threadline` command line and resolves with the exit code: 0 done, 1 failed, 2 wrong
 * usage or configuration (the message names the flag or variable and the rule).
 */
export async function runCli(
  argv: string[],
  env: Readonly<Record<string, string | undefined>>,
  io: CliIo = processIo,
): Promise<number> {
  const [name, ...rest] = argv;
  const ctx: CommandContext = { argv: rest, env, out: io.out, err: io.err };
  if (name === undefined) {
    io.err(usage());
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    if (topic === undefined) {
      io.out(usage());
      return 0;
    }
    return runCli([topic, '--help'], env, io);
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    const what = name.startsWith('-') ? `unknown option "${name}"` : `unknown command "${name}"`;
    io.err(
      `threadline: ${what}: expected one of ${COMMANDS.map((c) => c.name).join(', ')}\n\n${usage()}`,
    );
    return 2;
  }
  try {
    return await (await entry.load()).run(ctx);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      ctx.err(`threadline ${name}: ${error.message}`);
      return error.exitCode;
    }
    throw error;
  }
}
