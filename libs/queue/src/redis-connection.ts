import { Cluster, Redis, type ClusterNode, type RedisOptions } from 'ioredis';

export type RedisConnection = Redis | Cluster;

export interface RedisConnectionConfig {
  /** `redis://host:port/db` of a single Redis. */
  url?: string;
  /** Startup nodes of a Redis Cluster (`host:port,host:port`); wins over `url`. */
  clusterNodes?: string;
}

/**
 * A connection as BullMQ workers need it (`maxRetriesPerRequest: null`: blocking commands
 * wait through reconnects instead of failing), for a single Redis or a Cluster.
 */
export function createRedisConnection(
  config: RedisConnectionConfig,
  extra: RedisOptions = {},
): RedisConnection {
  const options: RedisOptions = { maxRetriesPerRequest: null, enableReadyCheck: true, ...extra };
  if (config.clusterNodes) {
    const nodes: ClusterNode[] = config.clusterNodes.split(',').map((hp) => {
      const [host, port] = hp.trim().split(':');
      return { host: host!, port: Number(port) };
    });
    return new Cluster(nodes, { redisOptions: options, enableReadyCheck: true });
  }
  if (!config.url)
    throw new Error(
      'Redis connection: set a url (REDIS_URL) or cluster nodes (REDIS_CLUSTER_NODES)',
    );
  return new Redis(config.url, options);
}
