import { ValidationError } from '@threadline/core';
import { runtimeEnvFrom, type RuntimeEnv } from '@threadline/queue';

/**
 * The environment is wrong (a variable breaks its rule, or one a command needs is unset): the
 * process exits 2 and the message names the variable and the rule.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly exitCode = 2;
}

/**
 * The variables every Threadline process reads (REDIS_URL, REDIS_CLUSTER_NODES,
 * THREADLINE_PREFIX, THREADLINE_PARTITIONS, THREADLINE_TENANT, LOG_LEVEL), validated by
 * `runtimeEnvFrom`; a bad value is a {@link ConfigError}.
 */
export function runtimeConfig(env: Readonly<Record<string, string | undefined>>): RuntimeEnv {
  try {
    return runtimeEnvFrom(env);
  } catch (error) {
    if (error instanceof ValidationError) throw new ConfigError(`environment: ${error.message}`);
    throw error;
  }
}

/** Where the Redis is, for messages: the URL without its password, or the cluster's nodes. */
export function describeRedis(redis: { url?: string; clusterNodes?: string }): string {
  if (redis.clusterNodes) return `Redis Cluster ${redis.clusterNodes}`;
  if (!redis.url) return '(no Redis)';
  try {
    const url = new URL(redis.url);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparseable REDIS_URL)';
  }
}

/** Whether a host name or address is this machine's loopback (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** The hosts a Redis configuration points at. */
export function redisHosts(redis: { url?: string; clusterNodes?: string }): string[] {
  if (redis.clusterNodes)
    return redis.clusterNodes.split(',').map((hp) => hp.trim().split(':')[0]!);
  return redis.url ? [new URL(redis.url).hostname] : [];
}
