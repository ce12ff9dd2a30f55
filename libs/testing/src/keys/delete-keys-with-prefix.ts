import type { Cluster, Redis } from 'ioredis';

const SCAN_COUNT = 1000;

/**
 * Deletes every key that starts with `prefix` (SCAN + UNLINK) and resolves with how many were
 * deleted. It is how tests clean up after themselves; they never FLUSHALL, since the Redis may
 * be shared. With a Cluster it scans every master.
 */
export async function deleteKeysWithPrefix(
  redis: Redis | Cluster,
  prefix: string,
): Promise<number> {
  if (!prefix) {
    throw new Error(
      'deleteKeysWithPrefix: prefix is empty, which would delete every key; pass uniquePrefix()',
    );
  }
  const pattern = `${escapeGlob(prefix)}*`;
  if (isCluster(redis)) {
    let deleted = 0;
    for (const node of redis.nodes('master')) deleted += await deleteMatching(node, pattern, true);
    return deleted;
  }
  return deleteMatching(redis, pattern, false);
}

function isCluster(redis: Redis | Cluster): redis is Cluster {
  return redis.isCluster;
}

/** `oneKeyPerCommand` for cluster nodes, where a multi-key UNLINK across slots is refused. */
async function deleteMatching(
  node: Redis,
  pattern: string,
  oneKeyPerCommand: boolean,
): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
    cursor = next;
    if (keys.length === 0) continue;
    if (oneKeyPerCommand) {
      const pipeline = node.pipeline();
      for (const key of keys) pipeline.unlink(key);
      for (const [error, count] of (await pipeline.exec()) ?? []) {
        if (error) throw error;
        deleted += Number(count);
      }
    } else {
      deleted += await node.unlink(...keys);
    }
  } while (cursor !== '0');
  return deleted;
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
