import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A redis-server child that lives and dies with this process (`threadline start` without REDIS_URL). */
export interface EmbeddedRedis {
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /**
   * Resolves when the child exits on its own (crash, OOM kill, someone else's SIGKILL); never
   * resolves after `stop()`. The host shuts down when it does: its data is gone.
   */
  readonly exitedUnexpectedly: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, SIGKILL after `graceMs`; waits for the exit and removes the working directory. */
  stop(graceMs?: number): Promise<void>;
}

/** redis-server could not be started; the message says why and what to do. */
export class EmbeddedRedisError extends Error {
  override readonly name = 'EmbeddedRedisError';
}

const LOOPBACK = '127.0.0.1';
const PORT_ATTEMPTS = 5;

/**
 * Starts `redis-server --port <free> --bind 127.0.0.1 --save '' --appendonly no` in a fresh
 * temporary directory and resolves once it answers PING. Nothing is persisted: the data is
 * lost when the process exits. The child is killed when this process exits, however it exits
 * (short of a SIGKILL of this process).
 *
 * @throws EmbeddedRedisError when the binary is missing or the server does not come up.
 */
export async function startEmbeddedRedis(
  options: { binary?: string; startTimeoutMs?: number } = {},
): Promise<EmbeddedRedis> {
  const binary = options.binary ?? 'redis-server';
  const timeoutMs = options.startTimeoutMs ?? 10_000;
  for (let attempt = 1; ; attempt++) {
    const port = await freeLoopbackPort();
    try {
      return await launch(binary, port, timeoutMs);
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}

class PortTakenError extends EmbeddedRedisError {}

async function launch(binary: string, port: number, timeoutMs: number): Promise<EmbeddedRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'threadline-start-redis-'));
  const args = [
    '--port',
    String(port),
    '--bind',
    LOOPBACK,
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
  ];
  const child: ChildProcess = spawn(binary, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: a Ctrl-C in the terminal reaches this process only, which stops the
    // server and the workers first and the Redis they use last.
    detached: true,
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  let stopping = false;
  const cleanUp = () => rmSync(dir, { recursive: true, force: true });
  // Whatever way this process exits, the child goes with it (a synchronous kill is all `exit` allows).
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    cleanUp();
  };
  process.once('exit', killOnExit);

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const spawnFailed = new Promise<Error>((resolve) => child.once('error', resolve));

  const deadline = Date.now() + timeoutMs;
  const fail = (error: EmbeddedRedisError): never => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    cleanUp();
    throw error;
  };
  for (;;) {
    const early = await Promise.race([
      spawnFailed.then((e) => ({ kind: 'spawn' as const, error: e })),
      exited.then((e) => ({ kind: 'exit' as const, ...e })),
      ping(port).then((ok) => ({ kind: ok ? ('ready' as const) : ('wait' as const) })),
    ]);
    if (early.kind === 'ready') break;
    if (early.kind === 'spawn') {
      const missing = (early.error as NodeJS.ErrnoException).code === 'ENOENT';
      fail(
        new EmbeddedRedisError(
          missing
            ? `no REDIS_URL and no "${binary}" on PATH: install Redis (e.g. apt-get install -y redis-server, brew install redis) or set REDIS_URL=redis://host:6379`
            : `could not run ${binary}: ${early.error.message}`,
        ),
      );
    }
    if (early.kind === 'exit') {
      const Kind = /address already in use/i.test(output) ? PortTakenError : EmbeddedRedisError;
      fail(
        new Kind(
          `${binary} on port ${port} exited (code ${early.code}, signal ${early.signal}) before answering PING:\n${output.trim()}`,
        ),
      );
    }
    if (Date.now() > deadline)
      fail(
        new EmbeddedRedisError(
          `${binary} on port ${port} did not answer PING within ${timeoutMs} ms:\n${output.trim()}`,
        ),
      );
    await new Promise((r) => setTimeout(r, 50));
  }

  return {
    url: `redis://${LOOPBACK}:${port}`,
    port,
    pid: child.pid ?? -1,
    exitedUnexpectedly: exited.then((e) => (stopping ? new Promise<never>(() => undefined) : e)),
    async stop(graceMs = 5000) {
      if (stopping) return;
      stopping = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(killer);
      }
      process.removeListener('exit', killOnExit);
      cleanUp();
    },
  };
}

/** Whether a Redis answers PING on 127.0.0.1:port (inline command, no client library). */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: LOOPBACK, port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

/** A port the kernel just handed out on 127.0.0.1 (another process may take it first: callers retry). */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port assigned')),
      );
    });
  });
}
