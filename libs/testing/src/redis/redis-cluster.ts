import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { isPortFree, LOOPBACK_HOST } from '../ports/free-port.ts';
import { findExecutable } from './find-executable.ts';
import { sendRedisCommand } from './redis-command.ts';
import { startRedisServer, type RedisServerHandle } from './redis-server.ts';

const run = promisify(execFile);

export interface StartRedisClusterOptions {
  /**
   * Number of master nodes (no replicas); Redis Cluster needs at least 3.
   *
   * @defaultValue 3
   */
  masters?: number;
  /**
   * Extra redis-server arguments for every node, after the cluster ones.
   *
   * @defaultValue []
   */
  args?: string[];
  /**
   * How long to wait for `cluster_state:ok` on every node after `redis-cli --cluster create`.
   *
   * @defaultValue 30000
   */
  readyTimeoutMs?: number;
}

/** Address of one cluster node, in the shape ioredis' `new Cluster(startupNodes)` takes. */
export interface RedisClusterNode {
  host: string;
  port: number;
}

/** A Redis Cluster of redis-server children that belong to the caller. */
export interface RedisClusterHandle {
  nodes: RedisClusterNode[];
  /** The same addresses as `nodes`, to pass to `new Cluster(startupNodes)`. */
  startupNodes: RedisClusterNode[];
  /** The node processes, e.g. to `kill('SIGKILL')` one master. */
  servers: RedisServerHandle[];
  /** Stops every node and removes their dirs. */
  stop(): Promise<void>;
}

/** Client ports are drawn from here; the cluster bus listens on port + 10000. */
const PORT_RANGE = { min: 20000, max: 29999 };
const BUS_PORT_OFFSET = 10000;
const NODE_ATTEMPTS = 5;

/**
 * Starts `masters` redis-server nodes with `--cluster-enabled yes` on loopback ports whose
 * cluster bus port (port + 10000) is free too, joins them with `redis-cli --cluster create`
 * (all slots spread over the masters, no replicas), and resolves once every node reports
 * `cluster_state:ok`.
 */
export async function startRedisCluster(
  opts: StartRedisClusterOptions = {},
): Promise<RedisClusterHandle> {
  const masters = opts.masters ?? 3;
  if (!Number.isInteger(masters) || masters < 3) {
    throw new Error(
      `startRedisCluster: masters is ${masters}; Redis Cluster needs an integer of at least 3`,
    );
  }
  const redisCli = findExecutable('redis-cli');
  if (!redisCli) {
    throw new Error(
      'redis-cli is not on PATH, and it is needed to create the cluster: install it ' +
        '(apt-get install -y redis-tools, or redis-server which includes it)',
    );
  }

  const servers: RedisServerHandle[] = [];
  const stopAll = async () => {
    await Promise.all(servers.map((server) => server.stop()));
  };
  try {
    for (let i = 0; i < masters; i++)
      servers.push(await startClusterNode(opts.args ?? [], servers));
    const addresses = servers.map((s) => `${LOOPBACK_HOST}:${s.port}`);
    await run(
      redisCli,
      ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'],
      { timeout: 30_000 },
    ).catch((error: Error & { stdout?: string; stderr?: string }) => {
      throw new Error(
        `redis-cli --cluster create ${addresses.join(' ')} failed: ${error.message}\n${error.stdout ?? ''}${error.stderr ?? ''}`,
        { cause: error },
      );
    });
    await waitForClusterOk(servers, opts.readyTimeoutMs ?? 30_000);
  } catch (error) {
    await stopAll();
    throw error;
  }

  const nodes = servers.map((s) => ({ host: s.host, port: s.port }));
  return { nodes, startupNodes: nodes.map((n) => ({ ...n })), servers, stop: stopAll };
}

async function startClusterNode(
  args: readonly string[],
  taken: readonly RedisServerHandle[],
): Promise<RedisServerHandle> {
  let lastError: unknown;
  for (let attempt = 0; attempt < NODE_ATTEMPTS; attempt++) {
    const port = await pickClusterPort(taken.map((s) => s.port));
    try {
      return await startRedisServer({
        port,
        args: [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--cluster-node-timeout',
          '2000',
          ...args,
        ],
      });
    } catch (error) {
      lastError = error; // most likely the port or its bus port was taken meanwhile; pick again
    }
  }
  throw lastError;
}

async function pickClusterPort(taken: readonly number[]): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = PORT_RANGE.min + Math.floor(Math.random() * (PORT_RANGE.max - PORT_RANGE.min + 1));
    if (taken.includes(port)) continue;
    if ((await isPortFree(port)) && (await isPortFree(port + BUS_PORT_OFFSET))) return port;
  }
  throw new Error(
    `no port p in ${PORT_RANGE.min}-${PORT_RANGE.max} with p and p+${BUS_PORT_OFFSET} free on ${LOOPBACK_HOST} after 200 tries`,
  );
}

async function waitForClusterOk(
  servers: readonly RedisServerHandle[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const states = new Map<number, string>();
  while (Date.now() < deadline) {
    for (const server of servers) {
      const info = await sendRedisCommand(server.host, server.port, ['CLUSTER', 'INFO']).catch(
        (error: Error) => error.message,
      );
      states.set(server.port, /cluster_state:(\w+)/.exec(String(info))?.[1] ?? String(info));
    }
    if ([...states.values()].every((state) => state === 'ok')) return;
    await sleep(50);
  }
  const report = [...states].map(([port, state]) => `${port}: ${state}`).join(', ');
  throw new Error(`the cluster did not reach cluster_state:ok within ${timeoutMs} ms (${report})`);
}
