import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The real entry points, and the log line that says each one serves. */
const ENTRY_POINTS = {
  'session-worker': {
    main: '../src/main.ts',
    ready: /session worker serving partitions/,
  },
  summarizer: {
    main: '../../summarizer/src/main.ts',
    ready: /summarizer consuming/,
  },
  server: {
    main: '../../server/src/main.ts',
    ready: /listening on (http:\/\/\S+?) /,
  },
} as const;

export type ProcessKind = keyof typeof ENTRY_POINTS;

export interface ThreadlineProcess<Kind extends string = ProcessKind> {
  kind: Kind;
  child: ChildProcess;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** For the server: the URL it listens on. */
  url: string | null;
  output(): string;
  /** Sends SIGTERM; resolves with the exit code and how long the process took to exit. */
  terminate(): Promise<{ code: number | null; ms: number }>;
}

/**
 * Starts one of the real entry points (`node --import tsx <main>`) with `env` on top of this
 * process's environment, and waits until its log says it serves.
 */
export function startThreadlineProcess(
  kind: ProcessKind,
  env: Record<string, string>,
): Promise<ThreadlineProcess> {
  const entry = ENTRY_POINTS[kind];
  return startEntryPoint(
    { kind, main: new URL(entry.main, import.meta.url), ready: entry.ready },
    env,
  );
}

/**
 * Starts any entry point the same way (a test's own, such as a summarizer built with a test
 * summarizer): `ready` is the log line that says it serves (its first group, if any, is `url`).
 */
export async function startEntryPoint<Kind extends string>(
  entry: { kind: Kind; main: URL; ready: RegExp },
  env: Record<string, string>,
): Promise<ThreadlineProcess<Kind>> {
  const { kind } = entry;
  const main = fileURLToPath(entry.main);
  const child = spawn(process.execPath, ['--import', 'tsx', main], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  let match: RegExpExecArray | null;
  while (!(match = entry.ready.exec(out))) {
    if (child.exitCode !== null)
      throw new Error(`${kind} exited early (${child.exitCode}):\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${kind} did not start within 30 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    kind,
    child,
    exited,
    url: match[1] ?? null,
    output: () => out,
    async terminate() {
      const started = Date.now();
      child.kill('SIGTERM');
      const code = await exited;
      return { code, ms: Date.now() - started };
    },
  };
}

export type WorkerProcess = ThreadlineProcess;

/** Starts a session-worker process (the real entry point) and waits until it serves. */
export function spawnSessionWorker(env: Record<string, string>): Promise<WorkerProcess> {
  return startThreadlineProcess('session-worker', env);
}
