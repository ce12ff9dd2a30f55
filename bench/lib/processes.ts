import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Entry points the bench runs as processes, as production runs them (`node --import tsx`). */
export const ENTRIES = {
  sessionWorker: `${ROOT}apps/session-worker/src/main.ts`,
  summarizer: `${ROOT}apps/summarizer/src/main.ts`,
  noopWorker: `${ROOT}bench/noop-worker.ts`,
  tokenizerProbe: `${ROOT}bench/tokenizer-probe.ts`,
  /** Preloaded into a worker process (with --expose-gc): SIGUSR2 runs a full GC and prints the memory. */
  gcProbe: `${ROOT}bench/gc-probe.ts`,
} as const;

export interface BenchProcess {
  child: ChildProcess;
  pid: number;
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  /** @defaultValue 60000 */
  timeoutMs?: number;
  /** Node flags placed before the entry, e.g. `--expose-gc`. */
  nodeArgs?: string[];
  /** Modules preloaded after tsx (so they may be TypeScript), e.g. {@link ENTRIES.gcProbe}. */
  imports?: string[];
}

/**
 * Starts `node [nodeArgs] --import tsx [--import …] <entry>` and resolves once its output
 * contains `readyText`.
 */
export async function startNodeProcess(
  entry: string,
  env: Record<string, string>,
  readyText: string,
  options: StartOptions = {},
): Promise<BenchProcess> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const args = [
    ...(options.nodeArgs ?? []),
    '--import',
    'tsx',
    ...(options.imports ?? []).flatMap((m) => ['--import', m]),
    entry,
  ];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + timeoutMs;
  while (!out.includes(readyText)) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${entry} exited early (${child.exitCode ?? child.signalCode}):\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${entry} was not ready within ${timeoutMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    child,
    pid: child.pid!,
    output: () => out,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Starts several processes at once. */
export async function startMany(
  n: number,
  start: () => Promise<BenchProcess>,
): Promise<BenchProcess[]> {
  return Promise.all(Array.from({ length: n }, start));
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/**
 * Seconds the process's main thread has spent runnable but waiting for a CPU (the run-queue
 * delay of /proc/<pid>/schedstat): how much a busy machine held it back.
 */
export function runQueueWaitSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/);
  return Number(fields[1]) / 1e9;
}

/** Resident set size of a process, in bytes, from /proc. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

/** Peak resident set size (VmHWM), in bytes. */
export function peakRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : Number.NaN;
}
