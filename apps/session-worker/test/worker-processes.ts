import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

export interface WorkerProcess {
  child: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
  output(): string;
}

/** Starts a session-worker process (the real entry point) and waits until it serves. */
export async function spawnSessionWorker(env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  while (!out.includes('session worker serving partitions')) {
    if (child.exitCode !== null)
      throw new Error(`session worker exited early (${child.exitCode}):\n${out}`);
    if (Date.now() > deadline) throw new Error(`session worker did not start within 30 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, exited, output: () => out };
}
