import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type WorkerRole = 'session-worker' | 'summarizer';
export const WORKER_ROLES: readonly WorkerRole[] = ['session-worker', 'summarizer'];

/** The repository root: children run from it, so that `--import tsx` resolves. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Each role's real entry point, and the log line that says it serves. */
const ENTRY: Record<WorkerRole, { main: string; ready: string }> = {
  'session-worker': {
    main: join(ROOT, 'apps/session-worker/src/main.ts'),
    ready: 'session worker serving partitions',
  },
  summarizer: { main: join(ROOT, 'apps/summarizer/src/main.ts'), ready: 'summarizer consuming' },
};

export interface WorkerProcess {
  /** `session-worker-3`: the role and the how-manieth process of it this run started. */
  readonly name: string;
  readonly role: WorkerRole;
  readonly pid: number;
  /** True once it logged that it serves; false again once it exited. */
  ready: boolean;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last few kilobytes it printed. */
  tail(): string;
}

export interface WorkerFleetOptions {
  /** Environment of every child (REDIS_URL, THREADLINE_*, LOG_LEVEL …), added to this process's. */
  env: Record<string, string>;
  /** Extra environment by role (the summarizers' LLM). */
  roleEnv?: Partial<Record<WorkerRole, Record<string, string>>>;
  /** Where each child's output goes, one file per process. */
  logDir: string;
  /** @defaultValue 60000 */
  readyTimeoutMs?: number;
}

const TAIL_CHARS = 8000;

/**
 * The worker processes of a run, started from their real entry points
 * (`node --import tsx apps/<role>/src/main.ts`) and told apart by name. Nothing here decides
 * what to kill: the chaos schedule does.
 */
export class WorkerFleet {
  private readonly processes = new Set<{ info: WorkerProcess; child: ChildProcess }>();
  private readonly started: Record<WorkerRole, number> = { 'session-worker': 0, summarizer: 0 };
  private readonly logs = new Set<WriteStream>();

  /** Whatever happens to this process (an exit, a second Ctrl-C), no worker outlives it. */
  private readonly killOnExit = () => this.killAllNow();

  constructor(private readonly options: WorkerFleetOptions) {
    process.once('exit', this.killOnExit);
  }

  /** Starts one process of `role` and resolves once it serves (rejects if it exits or hangs first). */
  async start(role: WorkerRole): Promise<WorkerProcess> {
    const name = `${role}-${++this.started[role]}`;
    const log = createWriteStream(join(this.options.logDir, `${name}.log`));
    this.logs.add(log);
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY[role].main], {
      cwd: ROOT,
      env: { ...process.env, ...this.options.env, ...this.options.roleEnv?.[role] },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let tail = '';
    let readyResolve!: () => void;
    const readySeen = new Promise<void>((r) => (readyResolve = r));
    const onOutput = (chunk: Buffer) => {
      log.write(chunk);
      tail = (tail + chunk.toString('utf8')).slice(-TAIL_CHARS);
      if (tail.includes(ENTRY[role].ready)) readyResolve();
    };
    child.stdout!.on('data', onOutput);
    child.stderr!.on('data', onOutput);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => {
        info.ready = false;
        this.processes.delete(entry);
        log.end();
        this.logs.delete(log);
        resolve({ code, signal });
      }),
    );
    child.once('error', () => undefined); // an exit follows
    const info: WorkerProcess = {
      name,
      role,
      pid: child.pid ?? -1,
      ready: false,
      exited,
      tail: () => tail,
    };
    const entry = { info, child };
    this.processes.add(entry);

    const timeoutMs = this.options.readyTimeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      readySeen.then(() => 'ready' as const),
      exited.then(() => 'exited' as const),
      new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (outcome === 'ready') {
      info.ready = true;
      return info;
    }
    if (outcome === 'timeout') {
      child.kill('SIGKILL');
      await exited;
    }
    throw new Error(
      `${name} ${outcome === 'timeout' ? `did not serve within ${timeoutMs} ms` : 'exited before serving'}:\n${tail.slice(-2000)}`,
    );
  }

  /** Processes alive now (starting ones included), optionally of one role. */
  alive(role?: WorkerRole): WorkerProcess[] {
    return [...this.processes].map((p) => p.info).filter((p) => !role || p.role === role);
  }

  /** Processes that serve now. */
  ready(role?: WorkerRole): WorkerProcess[] {
    return this.alive(role).filter((p) => p.ready);
  }

  /** SIGKILLs the process (a crash: no shutdown hook runs) and waits until it is gone. */
  async kill(worker: WorkerProcess): Promise<void> {
    const entry = [...this.processes].find((p) => p.info === worker);
    if (!entry) return;
    entry.child.kill('SIGKILL');
    await worker.exited;
  }

  /** SIGTERM to every process (they finish in-flight jobs), SIGKILL to those left after `graceMs`. */
  async stopAll(graceMs = 10_000): Promise<void> {
    const entries = [...this.processes];
    for (const { child } of entries) child.kill('SIGTERM');
    const timer = setTimeout(() => this.killAllNow(), graceMs);
    await Promise.all(entries.map(({ info }) => info.exited));
    clearTimeout(timer);
    process.removeListener('exit', this.killOnExit);
  }

  /** SIGKILL to every process at once, without waiting (a second Ctrl-C, or exit). */
  killAllNow(): void {
    for (const { child } of this.processes) child.kill('SIGKILL');
  }
}
