import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import {
  LlmConfigError,
  llmConfigFromEnv,
  summaryIsolationConfigFromEnv,
  type LlmConfig,
  type SummaryIsolationConfig,
} from '@threadline/llm';
import { serverConfigFrom, ServerConfigError, type ServerConfig } from '@threadline/server';
import { ConfigError } from './cli-config.ts';

/** Everything `threadline start` reads from the environment, validated once. */
export interface StartConfig {
  /**
   * The server's settings, read exactly as `apps/server` reads them (`serverConfigFrom`), so
   * that one environment means the same in both. Its `redis` is null when REDIS_URL and
   * REDIS_CLUSTER_NODES are unset: start then runs a private redis-server.
   */
  server: Omit<ServerConfig, 'redis'> & { redis: ServerConfig['redis'] | null };
  /** Keys made up for this run because none were set (shown once at startup). */
  generated: { apiKey: string | null; adminKey: string | null };
  /** null: summaries are extractive only (THREADLINE_LLM_BASE_URL unset). */
  llm: LlmConfig | null;
  summarizerConcurrency: number;
  /** LLM calls per second across the summarizer pool; null = no limit. */
  llmRatePerSecond: number | null;
  /** The summary threads' timeout and count (`THREADLINE_SUMMARY_TIMEOUT_MS`, `_THREADS`). */
  summaryIsolation: SummaryIsolationConfig;
}

const blankIsUnset = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .refine((t) => /^\d+$/.test(t) && Number(t) >= min && Number(t) <= max, {
      error: (i) => `expected a whole number from ${min} to ${max}, got ${JSON.stringify(i.input)}`,
    })
    .transform(Number);

/** The summarizer pool's own variables (as `apps/summarizer` reads them). */
const SummarizerEnvSchema = z.object({
  THREADLINE_SUMMARIZER_CONCURRENCY: z.preprocess(blankIsUnset, wholeNumber(1, 256).default(8)),
  THREADLINE_LLM_RATE_PER_SECOND: z.preprocess(blankIsUnset, wholeNumber(1, 10_000).optional()),
});

/** A key for this run only: 32 random characters after a readable prefix (valid by the server's rule). */
export const makeRunKey = (prefix: string): string =>
  `${prefix}_${randomBytes(24).toString('base64url')}`;

/** A placeholder that satisfies the server's "Redis is required" while start makes its own. */
const PRIVATE_REDIS_PLACEHOLDER = 'redis://127.0.0.1:6379';

/**
 * Reads what `threadline start` needs, reporting every bad variable at once in a
 * {@link ConfigError} (`environment: PORT: expected a whole number from 0 to 65535; …`); keys
 * never appear in a message.
 *
 * - the shared variables and the server's (`REDIS_URL`, `THREADLINE_API_KEYS` or
 *   `THREADLINE_API_KEYS_FILE`, `THREADLINE_ADMIN_KEY`, `PORT` (8080), `HOST` (127.0.0.1),
 *   `THREADLINE_BODY_LIMIT_BYTES`, `THREADLINE_RATE_LIMIT_*`), by the server's own parser;
 *   unlike the server, start also runs with no Redis and no keys (a private redis-server, keys
 *   made up for the run);
 * - the LLM's (`THREADLINE_LLM_*`), by `llmConfigFromEnv`;
 * - `THREADLINE_SUMMARIZER_CONCURRENCY` (1 to 256, default 8) and
 *   `THREADLINE_LLM_RATE_PER_SECOND` (1 to 10000, default none);
 * - `THREADLINE_SUMMARY_TIMEOUT_MS` (100 to 600000, default 10000) and
 *   `THREADLINE_SUMMARY_THREADS` (1 to 32, default 1), by `summaryIsolationConfigFromEnv`.
 */
export function startConfigFrom(env: Readonly<Record<string, string | undefined>>): StartConfig {
  const problems: string[] = [];
  const set = (name: string) => blankIsUnset(env[name]) !== undefined;
  const noRedis = env['REDIS_URL'] === undefined && env['REDIS_CLUSTER_NODES'] === undefined;
  const generated = {
    apiKey: set('THREADLINE_API_KEYS') || set('THREADLINE_API_KEYS_FILE') ? null : makeRunKey('tl'),
    adminKey: set('THREADLINE_ADMIN_KEY') ? null : makeRunKey('tladmin'),
  };
  let server: ServerConfig | null = null;
  try {
    server = serverConfigFrom({
      ...env,
      ...(noRedis ? { REDIS_URL: PRIVATE_REDIS_PLACEHOLDER } : {}),
      ...(generated.apiKey
        ? { THREADLINE_API_KEYS: `${generated.apiKey}=${env['THREADLINE_TENANT'] || 'default'}` }
        : {}),
      ...(generated.adminKey ? { THREADLINE_ADMIN_KEY: generated.adminKey } : {}),
    });
  } catch (error) {
    if (!(error instanceof ServerConfigError)) throw error;
    problems.push(error.message.replace(/^environment: /, ''));
  }
  let llm: LlmConfig | null = null;
  try {
    llm = llmConfigFromEnv(env);
  } catch (error) {
    if (!(error instanceof LlmConfigError)) throw error;
    problems.push(error.message);
  }
  let summaryIsolation: SummaryIsolationConfig | null = null;
  try {
    summaryIsolation = summaryIsolationConfigFromEnv(env);
  } catch (error) {
    if (!(error instanceof LlmConfigError)) throw error;
    problems.push(error.message);
  }
  const own = SummarizerEnvSchema.safeParse(env);
  if (!own.success)
    problems.push(...own.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`));
  if (problems.length || !server || !own.success || !summaryIsolation)
    throw new ConfigError(`environment: ${problems.join('; ')}`);
  return {
    // Without Redis settings the placeholder goes no further: start makes its own Redis.
    server: noRedis
      ? { ...server, redis: null, runtime: { ...server.runtime, redis: null } }
      : server,
    generated,
    llm,
    summarizerConcurrency: own.data.THREADLINE_SUMMARIZER_CONCURRENCY,
    llmRatePerSecond: own.data.THREADLINE_LLM_RATE_PER_SECOND ?? null,
    summaryIsolation,
  };
}
