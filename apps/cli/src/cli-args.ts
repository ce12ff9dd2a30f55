import { z } from 'zod';

/**
 * The command line was wrong (unknown command or flag, a flag without its value, a value that
 * breaks its rule): the process exits 2 and says which flag and which rule.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = 2;
}

/** One flag of a command, as `--help` shows it. */
export interface FlagSpec {
  type: 'string' | 'boolean';
  /** What the value is, for the usage line (`--rate <events/s>`). */
  valueName?: string;
  description: string;
}

export interface CommandLineSpec<S extends z.ZodType> {
  /** The command, for messages: `threadline loadgen`. */
  command: string;
  flags: Record<string, FlagSpec>;
  /** Validates and converts the flag values; keys are the flag names without `--`. */
  schema: S;
  /** Names of the positional arguments, in order; all required. @defaultValue [] */
  positionals?: string[];
}

export interface ParsedCommandLine<T> {
  flags: T;
  positionals: string[];
  help: boolean;
}

/**
 * Parses `argv` (the words after the command) against the command's flags. `--flag value`,
 * `--flag=value` and `--` (the rest are positionals) are understood; `-h`/`--help` asks for
 * help. Every problem is a {@link UsageError} naming the flag and the rule:
 * `--rate: expected a whole number from 1 to 100000, got "fast"`.
 */
export function parseCommandLine<S extends z.ZodType>(
  argv: readonly string[],
  spec: CommandLineSpec<S>,
): ParsedCommandLine<z.output<S>> {
  const raw: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') ? arg.slice(2, eq === -1 ? undefined : eq) : arg.slice(1);
    const flag = arg.startsWith('--') ? spec.flags[name] : undefined;
    if (!flag)
      throw new UsageError(
        `${spec.command}: unknown option "${eq === -1 ? arg : arg.slice(0, eq)}" (see ${spec.command} --help)`,
      );
    if (flag.type === 'boolean') {
      if (eq !== -1) throw new UsageError(`--${name}: takes no value, got "${arg.slice(eq + 1)}"`);
      raw[name] = true;
      continue;
    }
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        value = next;
        i++;
      }
    }
    if (value === undefined)
      throw new UsageError(
        `--${name}: expected a value${flag.valueName ? ` (${flag.valueName})` : ''}`,
      );
    raw[name] = value;
  }
  if (help) return { flags: undefined as z.output<S>, positionals, help };

  const names = spec.positionals ?? [];
  if (positionals.length < names.length)
    throw new UsageError(
      `${spec.command}: missing <${names[positionals.length]}> (see ${spec.command} --help)`,
    );
  if (positionals.length > names.length)
    throw new UsageError(
      `${spec.command}: unexpected argument "${positionals[names.length]}" (see ${spec.command} --help)`,
    );

  const parsed = spec.schema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (issue) => `--${String(issue.path[0] ?? '?')}: ${issue.message}`,
    );
    throw new UsageError(lines.join('\n'));
  }
  return { flags: parsed.data, positionals, help };
}

/** A flag holding a whole number in `[min, max]`; the rule is said in the error. */
export function wholeNumberFlag(min: number, max: number) {
  return z
    .string()
    .refine((text) => /^\d+$/.test(text) && Number(text) >= min && Number(text) <= max, {
      error: (issue) =>
        `expected a whole number from ${min} to ${max}, got ${JSON.stringify(issue.input)}`,
    })
    .transform(Number);
}

/** The `--help` text of a command: usage line, summary, flags. */
export function renderCommandHelp(spec: {
  command: string;
  usage: string;
  summary: string;
  flags: Record<string, FlagSpec>;
}): string {
  const rows = Object.entries(spec.flags).map(([name, flag]) => [
    `--${name}${flag.valueName ? ` <${flag.valueName}>` : ''}`,
    flag.description,
  ]);
  rows.push(['-h, --help', 'show this help']);
  const width = Math.max(...rows.map(([left]) => left!.length));
  return [
    `usage: ${spec.usage}`,
    '',
    spec.summary,
    '',
    'options:',
    ...rows.map(([left, right]) => `  ${left!.padEnd(width)}  ${right}`),
    '',
  ].join('\n');
}
