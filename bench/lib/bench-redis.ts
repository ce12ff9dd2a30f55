import { once } from 'node:events';
import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { startRedisServer, type RedisServerHandle } from '@threadline/testing';

/** A redis-server of the bench's own (persistence off), with an admin connection. */
export interface BenchRedis {
  server: RedisServerHandle;
  url: string;
  /** Admin connection of the bench (INFO, MONITOR, polling); not used by the code under test. */
  admin: Redis;
  stop(): Promise<void>;
}

/**
 * Starts a fresh Redis for one scenario: `--appendonly no --save ''` (so that neither AOF
 * rewrites nor RDB snapshots land inside a measurement) and `noeviction` as BullMQ requires.
 */
export async function startBenchRedis(): Promise<BenchRedis> {
  const server = await startRedisServer({
    args: ['--appendonly', 'no', '--save', '', '--maxmemory-policy', 'noeviction'],
  });
  const admin = new Redis(server.url, { maxRetriesPerRequest: null });
  return {
    server,
    url: server.url,
    admin,
    async stop() {
      admin.disconnect();
      await server.stop();
    },
  };
}

/** `INFO <section>` as a map of field → value. */
export async function info(redis: Redis, section: string): Promise<Record<string, string>> {
  const text = await redis.info(section);
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) out[line.slice(0, at)] = line.slice(at + 1);
  }
  return out;
}

export async function usedMemory(redis: Redis): Promise<number> {
  return Number((await info(redis, 'memory'))['used_memory']);
}

/** `INFO commandstats`: calls per command (commands run by Lua scripts included). */
export async function commandCalls(redis: Redis): Promise<Map<string, number>> {
  const fields = await info(redis, 'commandstats');
  const calls = new Map<string, number>();
  for (const [key, value] of Object.entries(fields)) {
    const m = /^cmdstat_(.+)$/.exec(key);
    const c = /calls=(\d+)/.exec(value);
    if (m && c) calls.set(m[1]!, Number(c[1]));
  }
  return calls;
}

export function diffCalls(
  before: Map<string, number>,
  after: Map<string, number>,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const [cmd, n] of after) {
    const d = n - (before.get(cmd) ?? 0);
    if (d > 0) out.set(cmd, d);
  }
  return out;
}

/** What a MONITOR session saw: commands sent by clients (round trips) and run by Lua, by name. */
export interface CommandCensus {
  client: Map<string, number>;
  lua: Map<string, number>;
  /** EVALSHA round trips by script sha (first 8 hex digits). */
  scripts: Map<string, number>;
}

/**
 * Records every command Redis runs while `work` runs (`MONITOR`, as `redis-cli monitor`
 * shows it), leaving out the connections named in `ignorePorts` (the bench's own). MONITOR
 * slows Redis down: use it for counting, never inside a timed measurement.
 */
export async function monitorCommands(
  url: string,
  ignorePorts: ReadonlySet<number>,
  work: () => Promise<void>,
): Promise<CommandCensus> {
  const client = new Map<string, number>();
  const lua = new Map<string, number>();
  const scripts = new Map<string, number>();
  const add = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  // A plain socket rather than ioredis's monitor(): under traffic, ioredis can take the first
  // monitored command for a reply before it has switched to monitoring ("Command queue state
  // error"). MONITOR's output is one simple-string line per command:
  // +<time> [<db> <source>] "<command>" "<arg1>" …
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  await once(socket, 'connect');
  let buffered = '';
  let started = false;
  const line = /^\+\S+ \[\d+ ([^\]]+)\] "([^"]*)"(?: "([^"]*)")?/;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\r\n')) >= 0) {
      const text = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 2);
      if (text === '+OK') {
        started = true;
        continue;
      }
      const m = line.exec(text);
      if (!m) continue;
      const [, source, command, arg1] = m;
      const name = command!.toLowerCase();
      if (source === 'lua') {
        add(lua, name);
        continue;
      }
      if (ignorePorts.has(Number(source!.split(':').pop()))) continue;
      if (name === 'monitor') continue;
      add(client, name);
      if (name === 'evalsha') add(scripts, (arg1 ?? '').slice(0, 8));
    }
  });
  socket.write('MONITOR\r\n');
  while (!started) await new Promise((r) => setTimeout(r, 5));
  try {
    await work();
    await new Promise((r) => setTimeout(r, 100));
  } finally {
    socket.destroy();
  }
  return { client, lua, scripts };
}

/** Local port of an ioredis connection (to leave the bench's own commands out of a census). */
export function localPortOf(redis: Redis): number | undefined {
  const stream = (redis as unknown as { stream?: { localPort?: number } }).stream;
  return stream?.localPort;
}

export function total(m: ReadonlyMap<string, number>): number {
  let n = 0;
  for (const v of m.values()) n += v;
  return n;
}
