import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import {
  RedisServerStartError,
  sendRedisCommand,
  startRedisServer,
  type RedisServerHandle,
} from '../src/index.ts';

const started: RedisServerHandle[] = [];
const clients: Redis[] = [];
/** Servers of child processes, killed after each test should the code under test fail to. */
const orphanCandidates: number[] = [];

async function start(args?: string[]): Promise<RedisServerHandle> {
  const server = await startRedisServer(args ? { args } : {});
  started.push(server);
  return server;
}

function connect(server: RedisServerHandle): Redis {
  const client = new Redis(server.url, { maxRetriesPerRequest: 1 });
  clients.push(client);
  return client;
}

/** Whether `pid` runs; a zombie nobody has reaped yet counts as dead. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/start-redis-and-wait.ts', import.meta.url));

/** Runs the fixture in its own process and resolves with that process and its server's pid. */
async function startInChildProcess(mode: 'wait' | 'exit') {
  // node itself rather than the tsx CLI, whose signal relaying would hide what is tested here
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, mode], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  const redisPid = (JSON.parse(line.toString()) as { pid: number }).pid;
  orphanCandidates.push(redisPid);
  return { child, redisPid };
}

afterEach(async () => {
  for (const pid of orphanCandidates.splice(0)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  for (const client of clients.splice(0)) client.disconnect();
  await Promise.all(started.splice(0).map((server) => server.stop()));
});

describe('startRedisServer', () => {
  it('starts its own redis-server on a loopback port that answers PING', async () => {
    const server = await start();

    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(server.port).not.toBe(6379);
    expect(isAlive(server.pid)).toBe(true);
    expect(existsSync(server.dir)).toBe(true);
    expect(await sendRedisCommand(server.host, server.port, ['PING'])).toBe('PONG');
  });

  it('turns persistence off by default and keeps its files in its own dir', async () => {
    const server = await start();

    expect(
      await sendRedisCommand(server.host, server.port, ['CONFIG', 'GET', 'appendonly']),
    ).toEqual(['appendonly', 'no']);
    expect(await sendRedisCommand(server.host, server.port, ['CONFIG', 'GET', 'save'])).toEqual([
      'save',
      '',
    ]);
    expect(await sendRedisCommand(server.host, server.port, ['CONFIG', 'GET', 'dir'])).toEqual([
      'dir',
      server.dir,
    ]);
  });

  it('passes extra args to the server after the defaults', async () => {
    const server = await start(['--maxmemory', '10mb', '--maxmemory-policy', 'noeviction']);

    expect(
      await sendRedisCommand(server.host, server.port, ['CONFIG', 'GET', 'maxmemory']),
    ).toEqual(['maxmemory', String(10 * 1024 * 1024)]);
    expect(
      await sendRedisCommand(server.host, server.port, ['CONFIG', 'GET', 'maxmemory-policy']),
    ).toEqual(['maxmemory-policy', 'noeviction']);
  });

  it('keeps data written with appendonly on across a crash and a restart on the same port', async () => {
    const server = await start(['--appendonly', 'yes', '--appendfsync', 'always']);
    const client = connect(server);
    await client.set('survives', 'the crash');
    const { port, pid } = server;

    server.kill('SIGKILL');
    await server.restart();

    expect(server.port).toBe(port);
    expect(server.pid).not.toBe(pid);
    expect(isAlive(pid)).toBe(false);
    expect(await sendRedisCommand(server.host, server.port, ['GET', 'survives'])).toBe('the crash');
  });

  it('loses data across a restart when persistence is left off', async () => {
    const server = await start();
    await sendRedisCommand(server.host, server.port, ['SET', 'gone', 'after restart']);

    await server.restart();

    expect(await sendRedisCommand(server.host, server.port, ['GET', 'gone'])).toBeNull();
  });

  it('stops only its own child and removes its dir', async () => {
    const mine = await start();
    const other = await start();
    const { pid, dir } = mine;

    await mine.stop();

    expect(isAlive(pid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    expect(isAlive(other.pid)).toBe(true);
    expect(await sendRedisCommand(other.host, other.port, ['PING'])).toBe('PONG');
  });

  it('kills a server nobody stopped when its process is ended with SIGTERM', async () => {
    const { child, redisPid } = await startInChildProcess('wait');
    expect(isAlive(redisPid)).toBe(true);

    child.kill('SIGTERM');
    await once(child, 'exit'); // it ends: SIGTERM is raised again after the server is killed

    await expect.poll(() => isAlive(redisPid)).toBe(false);
  });

  it('kills a server nobody stopped when its process exits', async () => {
    const { child, redisPid } = await startInChildProcess('exit');

    await once(child, 'exit');

    await expect.poll(() => isAlive(redisPid)).toBe(false);
  });

  it('hangs after SIGSTOP and answers again after a restart', async () => {
    const server = await start();

    server.kill('SIGSTOP');
    await expect(sendRedisCommand(server.host, server.port, ['PING'], 300)).rejects.toThrow(
      /did not answer PING/,
    );
    await server.restart();

    expect(await sendRedisCommand(server.host, server.port, ['PING'])).toBe('PONG');
  });

  it('refuses to restart after stop, since the data dir is gone', async () => {
    const server = await start();
    await server.stop();

    await expect(server.restart()).rejects.toThrow(/start a new server with startRedisServer/);
  });

  it('fails with the server output when the requested port is taken', async () => {
    const blocker: Server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const attempt = startRedisServer({ port });

      await expect(attempt).rejects.toBeInstanceOf(RedisServerStartError);
      await expect(attempt).rejects.toMatchObject({ addressInUse: true });
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
