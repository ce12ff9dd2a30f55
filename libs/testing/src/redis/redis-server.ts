import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findFreePort, LOOPBACK_HOST } from '../ports/free-port.ts';
import { findExecutable } from './find-executable.ts';
import { forgetOnExit, reapOnExit } from './reap-on-exit.ts';
import { sendRedisCommand } from './redis-command.ts';

export interface StartRedisServerOptions {
  /**
   * Extra redis-server arguments, placed after the defaults so that they win, e.g.
   * `['--appendonly', 'yes', '--appendfsync', 'always', '--maxmemory', '10mb']`.
   *
   * @defaultValue []
   */
  args?: string[];
  /**
   * Port to listen on (127.0.0.1). Without it a free port is picked, and picked again when
   * another process takes it first; with it, a taken port fails the start.
   */
  port?: number;
  /**
   * How long to wait for the server to answer PING.
   *
   * @defaultValue 10000
   */
  startTimeoutMs?: number;
}

/** A redis-server child process that belongs to the caller, on a loopback port of its own. */
export interface RedisServerHandle {
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Process id of the current child; it changes on `restart()`. */
  readonly pid: number;
  /** Working directory of the server (RDB/AOF files, cluster config); removed by `stop()`. */
  readonly dir: string;
  /** Terminates the child (SIGTERM, then SIGKILL after 5 s), waits for it, removes `dir`. */
  stop(): Promise<void>;
  /**
   * Terminates the child if it is still running, and starts a new one on the same port with
   * the same dir and args, so that an AOF written with `--appendonly yes` is loaded again.
   * Call it after `kill('SIGKILL')` to simulate a crash and a recovery.
   */
  restart(): Promise<void>;
  /**
   * Sends `signal` to the current child and returns at once: SIGKILL for a crash, SIGSTOP for
   * a server that hangs (SIGCONT resumes it).
   */
  kill(signal?: NodeJS.Signals): void;
}

/** redis-server could not be started; `output` holds the tail of what it printed. */
export class RedisServerStartError extends Error {
  override readonly name = 'RedisServerStartError';
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(output ? `${message}\n--- redis-server output ---\n${output}` : message);
  }

  /** Whether the server failed because its port was taken. */
  get addressInUse(): boolean {
    return /address already in use/i.test(this.output);
  }
}

const DEFAULT_ARGS = ['--save', '', '--appendonly', 'no'];
const PORT_ATTEMPTS = 5;
const STOP_GRACE_MS = 5000;
const OUTPUT_TAIL_CHARS = 4000;

/**
 * Starts a redis-server child on a free loopback port with persistence off (`--save ''
 * --appendonly no`) and a fresh temporary `--dir`, and resolves once it answers PING.
 * Never touches any other Redis on the machine; `stop()` ends only this child.
 */
export async function startRedisServer(
  opts: StartRedisServerOptions = {},
): Promise<RedisServerHandle> {
  const binary = findExecutable('redis-server');
  if (!binary) {
    throw new Error(
      'redis-server is not on PATH: install it (apt-get install -y redis-server) or point the ' +
        'tests at a running Redis with REDIS_URL=redis://host:port',
    );
  }
  const args = [...(opts.args ?? [])];
  const timeoutMs = opts.startTimeoutMs ?? 10_000;
  const dir = await mkdtemp(join(tmpdir(), 'threadline-redis-'));

  let port = 0;
  let child: ChildProcess | undefined;
  try {
    for (let attempt = 1; !child; attempt++) {
      port = opts.port ?? (await findFreePort());
      try {
        child = await launch(binary, port, dir, args, timeoutMs);
      } catch (error) {
        const retry =
          error instanceof RedisServerStartError &&
          error.addressInUse &&
          opts.port === undefined &&
          attempt < PORT_ATTEMPTS;
        if (!retry) throw error;
      }
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  let current: ChildProcess = child;
  let stopped = false;
  return {
    url: `redis://${LOOPBACK_HOST}:${port}`,
    host: LOOPBACK_HOST,
    port,
    dir,
    get pid() {
      return current.pid ?? -1;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await terminate(current);
      await rm(dir, { recursive: true, force: true });
    },
    async restart() {
      if (stopped) {
        throw new Error(
          'restart() was called after stop(), which removed the data dir: start a new server ' +
            'with startRedisServer() instead',
        );
      }
      await terminate(current);
      for (let attempt = 1; ; attempt++) {
        try {
          current = await launch(binary, port, dir, args, timeoutMs);
          return;
        } catch (error) {
          const retry =
            error instanceof RedisServerStartError && error.addressInUse && attempt < PORT_ATTEMPTS;
          if (!retry) throw error;
          await sleep(100 * attempt);
        }
      }
    },
    kill(signal = 'SIGKILL') {
      if (isRunning(current)) current.kill(signal);
    },
  };
}

async function launch(
  binary: string,
  port: number,
  dir: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<ChildProcess> {
  const argv = ['--port', String(port), '--bind', LOOPBACK_HOST, '--dir', dir, '--daemonize', 'no'];
  argv.push(...DEFAULT_ARGS, ...args);
  const child = spawn(binary, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  reapOnExit(child, dir);
  // A server nobody stopped must not keep the test process alive: then it exits normally and
  // reapOnExit kills the server, instead of the runner killing the process and orphaning it.
  child.unref();
  for (const pipe of [child.stdout, child.stderr])
    (pipe as { unref?: () => void } | null)?.unref?.();

  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));

  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (spawnError)
      throw new RedisServerStartError(`could not run ${binary}: ${spawnError.message}`, output);
    if (!isRunning(child)) {
      throw new RedisServerStartError(
        `redis-server on port ${port} exited (code ${child.exitCode}, signal ${child.signalCode}) before answering PING`,
        output,
      );
    }
    try {
      if ((await sendRedisCommand(LOOPBACK_HOST, port, ['PING'], 500)) === 'PONG') return child;
    } catch {
      // not listening yet
    }
    await sleep(20);
  }
  await terminate(child);
  throw new RedisServerStartError(
    `redis-server on port ${port} did not answer PING within ${timeoutMs} ms`,
    output,
  );
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Ends `child` (SIGCONT in case it was stopped, SIGTERM, SIGKILL after a grace period). */
async function terminate(child: ChildProcess): Promise<void> {
  forgetOnExit(child);
  if (!isRunning(child)) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGCONT');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}
