/** What a command gets: its words, the environment (read once by main), and where to write. */
export interface CommandContext {
  /** The words after the command's name. */
  argv: string[];
  /** `process.env`, passed down from main.ts: nothing else in the CLI reads it. */
  env: Readonly<Record<string, string | undefined>>;
  /** A line (or block) for stdout: results. */
  out(text: string): void;
  /** A line (or block) for stderr: progress and problems. */
  err(text: string): void;
}

/** A `threadline` command. Resolves with the exit code: 0 done, 1 failed, 2 wrong usage or configuration. */
export interface Command {
  run(ctx: CommandContext): Promise<number>;
}

/**
 * A command as main.ts lists it: its name and summary up front, its module loaded only when it
 * runs (so that `demo` does not load the HTTP server, and starts fast).
 */
export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Command>;
}
