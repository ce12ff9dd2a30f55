import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  IdSchema,
  PriceTable,
  toId,
  ValidationError,
  type ValidationIssue,
} from '@threadline/core';
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
  /**
   * Path of a JSON price file `{ "models": { "<model-name prefix>": { "inputUsdPerMTok": …,
   * "outputUsdPerMTok": …, "source"?: …, "readOn"?: "YYYY-MM-DD" } }, "default"?: price }`,
   * merged over the built-in table (see core's `PriceTable.fromJson`). Unset: the built-in table.
   */
  THREADLINE_PRICES_FILE: z.string().trim().min(1).optional(),
});

export interface RuntimeEnv {
  redis: RedisConnectionConfig | null;
  topology: QueueTopology;
  tenant: string;
  logLevel: string;
  /** Port of a worker process's own /metrics; null: none. */
  metricsPort: number | null;
  /** The built-in prices, with `THREADLINE_PRICES_FILE` merged over them when it is set. */
  prices: PriceTable;
  /** The price file read, or null. */
  pricesFile: string | null;
}

/**
 * Reads and validates the shared environment, the price file included (read once, here); errors
 * name the variable and the rule, e.g. `THREADLINE_PRICES_FILE: models["gpt-4o"].inputUsdPerMTok:
 * expected a non-negative number (in /etc/threadline/prices.json)`.
 *
 * @param readFile reads the price file (tests pass their own). @defaultValue `fs.readFileSync`
 */
export function runtimeEnvFrom(
  env: Readonly<Record<string, string | undefined>>,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): RuntimeEnv {
  const parsed = RuntimeEnvSchema.safeParse(env);
  if (!parsed.success)
    throw new ValidationError(
      parsed.error.issues.map((i) => ({ path: String(i.path[0] ?? ''), rule: i.message })),
    );
  const e = parsed.data;
  const pricesFile = e.THREADLINE_PRICES_FILE ?? null;
  const prices = pricesFile === null ? new PriceTable() : readPriceFile(pricesFile, readFile);
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
    prices,
    pricesFile,
  };
}

/** The built-in table with the file's prices merged over it; ValidationError naming the field. */
function readPriceFile(path: string, readFile: (path: string) => string): PriceTable {
  const refuse = (rule: string): never => {
    throw new ValidationError([{ path: 'THREADLINE_PRICES_FILE', rule }]);
  };
  let text = '';
  try {
    text = readFile(path);
  } catch (error) {
    refuse(`cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    refuse(`expected JSON in ${path}: ${(error as Error).message}`);
  }
  try {
    return PriceTable.fromJson(json);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(
      error.issues.map((i): ValidationIssue => ({
        path: 'THREADLINE_PRICES_FILE',
        rule: `${i.path || '(root)'}: ${i.rule} (in ${path})`,
      })),
    );
  }
}
