import { z } from 'zod';
import { IdSchema, toId, ValidationError } from '@threadline/core';
import type { QueueTopology } from './topology.ts';
import type { RedisConnectionConfig } from './redis-connection.ts';

const intFromEnv = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Environment every Threadline process reads (each app reads it once, at startup). */
export const RuntimeEnvSchema = z.object({
  REDIS_URL: z.string().url().optional(),
  REDIS_CLUSTER_NODES: z
    .string()
    .regex(/^[^,:\s]+:\d+(,[^,:\s]+:\d+)*$/, { message: 'expected host:port[,host:port…]' })
    .optional(),
  THREADLINE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, { message: 'expected 1 to 32 letters, digits, "_" or "-"' })
    .default('tl'),
  THREADLINE_PARTITIONS: intFromEnv(1, 1024).default(16),
  THREADLINE_TENANT: IdSchema.default(toId('default')),
  /** A worker process serves GET /metrics on this port (loopback) when set. */
  THREADLINE_METRICS_PORT: intFromEnv(1, 65535).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface RuntimeEnv {
  redis: RedisConnectionConfig | null;
  topology: QueueTopology;
  tenant: string;
  logLevel: string;
  /** Port of a worker process's own /metrics; null: none. */
  metricsPort: number | null;
}

/** Reads and validates the shared environment; errors name the variable and the rule. */
export function runtimeEnvFrom(env: Record<string, string | undefined>): RuntimeEnv {
  const parsed = RuntimeEnvSchema.safeParse(env);
  if (!parsed.success)
    throw new ValidationError(
      parsed.error.issues.map((i) => ({ path: String(i.path[0] ?? ''), rule: i.message })),
    );
  const e = parsed.data;
  const redis = e.REDIS_CLUSTER_NODES
    ? { clusterNodes: e.REDIS_CLUSTER_NODES }
    : e.REDIS_URL
      ? { url: e.REDIS_URL }
      : null;
  return {
    redis,
    topology: { prefix: e.THREADLINE_PREFIX, partitions: e.THREADLINE_PARTITIONS },
    tenant: e.THREADLINE_TENANT,
    logLevel: e.LOG_LEVEL,
    metricsPort: e.THREADLINE_METRICS_PORT ?? null,
  };
}
