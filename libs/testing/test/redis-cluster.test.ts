import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deleteKeysWithPrefix,
  sendRedisCommand,
  startRedisCluster,
  uniquePrefix,
  type RedisClusterHandle,
} from '../src/index.ts';

let cluster: RedisClusterHandle;
let client: Cluster;
const prefix = uniquePrefix('cluster');
const tags = Array.from({ length: 30 }, (_, i) => `{tag${i}}`);

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3 });
  client = new Cluster(cluster.startupNodes, { redisOptions: { maxRetriesPerRequest: 1 } });
});

afterAll(async () => {
  client?.disconnect();
  await cluster?.stop();
});

async function keysOn(port: number): Promise<number> {
  return Number(await sendRedisCommand('127.0.0.1', port, ['DBSIZE']));
}

describe('startRedisCluster', () => {
  it('starts three masters on loopback ports that all report cluster_state:ok', async () => {
    expect(cluster.nodes).toHaveLength(3);
    expect(cluster.startupNodes).toEqual(cluster.nodes);
    for (const node of cluster.nodes) {
      expect(node.host).toBe('127.0.0.1');
      expect(node.port).toBeGreaterThanOrEqual(20000);
      expect(node.port).toBeLessThanOrEqual(29999);
      const info = String(await sendRedisCommand(node.host, node.port, ['CLUSTER', 'INFO']));
      expect(info).toContain('cluster_state:ok');
      expect(info).toContain('cluster_known_nodes:3');
    }
  });

  it('stores keys with different hash tags on every master and reads them back', async () => {
    for (const tag of tags) await client.set(`${prefix}:${tag}:value`, tag);

    for (const tag of tags) expect(await client.get(`${prefix}:${tag}:value`)).toBe(tag);
    for (const node of cluster.nodes) expect(await keysOn(node.port)).toBeGreaterThan(0);
  });

  it('runs multi-key commands on keys that share a hash tag', async () => {
    await client.mset(`${prefix}:{same}:a`, '1', `${prefix}:{same}:b`, '2');

    expect(await client.mget(`${prefix}:{same}:a`, `${prefix}:{same}:b`)).toEqual(['1', '2']);
  });

  it('deletes keys under a prefix on every master', async () => {
    expect(await deleteKeysWithPrefix(client, prefix)).toBe(tags.length + 2);

    for (const node of cluster.nodes) expect(await keysOn(node.port)).toBe(0);
  });
});
