import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ID_RULE, isId, ValidationError } from '@threadline/core';
import { runtimeEnvFrom, type RedisConnectionConfig, type RuntimeEnv } from '@threadline/queue';
import {
  derivedKeyId,
  isValidKey,
  KEY_RULE,
  keyEntryProblems,
  type ApiKeyEntry,
} from './api-keys.ts';
import { MAX_WAIT_TIMEOUT_MS } from './http-schemas.ts';
import { DEFAULT_TIMEOUTS, type ServerTimeouts } from './server.ts';
import { DEFAULT_MAX_WAITING_READS_PER_TENANT } from './tenant-slots.ts';
import { DEFAULT_STREAM_LIMITS } from './session-stream.ts';
import type { RateLimitOptions } from './tenant-rate-limiter.ts';
import { DEFAULT_RATE_LIMIT } from './tenant-rate-limiter.ts';
import {
  parseRetention,
  parseTenantRetention,
  type RetentionDefaults,
} from './retention-defaults.ts';

/** Everything `apps/server` reads from the environment, validated once at startup. */
export interface ServerConfig {
  redis: RedisConnectionConfig;
  runtime: RuntimeEnv;
  /** The tenant API keys, each with its id (derived for the `key=tenant` forms). */
  apiKeys: ApiKeyEntry[];
  /** Where the keys came from when from a file (`THREADLINE_API_KEYS_FILE`): reloaded on SIGHUP and change. */
  apiKeysFile: string | null;
  adminKey: string;
  port: number;
  host: string;
  bodyLimitBytes: number;
  rateLimit: RateLimitOptions;
  timeouts: ServerTimeouts;
  maxWaitingReadsPerTenant: number;
  /** Bounds of `GET /v1/sessions/:id/stream` (session-stream.ts). */
  streams: { maxPerTenant: number; maxDurationMs: number };
  /** The retention of sessions created without one (retention-defaults.ts). */
  retention: RetentionDefaults;
}

/** A bad environment: the message names every variable and rule (never a key's value). */
export class ServerConfigError extends Error {
  override readonly name = 'ServerConfigError';
}

const blankIsUnset = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .refine((t) => /^\d+$/.test(t) && Number(t) >= min && Number(t) <= max, {
      error: `expected a whole number from ${min} to ${max}`,
    })
    .transform(Number);

/**
 * | variable                            | rule                                                  | default     |
 * | ----------------------------------- | ----------------------------------------------------- | ----------- |
 * | `THREADLINE_API_KEYS`               | `key=tenant[,key=tenant…]` (`key:tenant` works too)   |             |
 * | `THREADLINE_API_KEYS_FILE`          | path of a JSON keys file (below); reloaded on SIGHUP and on change |  |
 * | `THREADLINE_ADMIN_KEY`              | required; ≥ 16 visible ASCII characters, no `,`       |             |
 * | `PORT`                              | 0 to 65535 (0 = any free port)                        | 8080        |
 * | `HOST`                              | address to listen on                                  | 127.0.0.1   |
 * | `THREADLINE_BODY_LIMIT_BYTES`       | 1024 to 67108864                                      | 1048576     |
 * | `THREADLINE_RATE_LIMIT_PER_SECOND`  | requests per second per tenant, 1 to 1000000          | 1000        |
 * | `THREADLINE_RATE_LIMIT_BURST`       | 1 to 10000000                                         | 2000        |
 * | `THREADLINE_MAX_WAITING_READS_PER_TENANT` | reads with waitFor waiting at once per tenant, 1 to 1000000 | 100 |
 * | `THREADLINE_MAX_STREAMS_PER_TENANT` | open event streams per tenant, 1 to 100000            | 10          |
 * | `THREADLINE_STREAM_MAX_DURATION_MS` | a stream's longest life, 1000 to 86400000            | 900000      |
 * | `THREADLINE_HEADERS_TIMEOUT_MS`     | 100 to 600000; at most the request timeout            | 10000       |
 * | `THREADLINE_REQUEST_TIMEOUT_MS`     | 100 to 600000 (the whole request must arrive)         | 30000       |
 * | `THREADLINE_CONNECTION_TIMEOUT_MS`  | 31000 to 3600000 (idle socket; above waitFor's 30 s)  | 60000       |
 * | `THREADLINE_KEEP_ALIVE_TIMEOUT_MS`  | 100 to 3600000 (idle keep-alive connection)           | 72000       |
 * | `THREADLINE_RETENTION_SECONDS`      | idle seconds before a new session expires, 1 to 315360000, or `none` | 2592000 (30 days) |
 * | `THREADLINE_TENANT_RETENTION_SECONDS` | `tenant=seconds|none[,…]`: a tenant's own default      |             |
 *
 * One of the two key variables is required. The keys file is
 * `{ "keys": [{ "id", "key", "tenant", "expiresAt"?, "revoked"? }] }` ({@link KeysFileSchema}),
 * or the older `{ "key": "tenant", … }` (ids derived: `derivedKeyId`). Plus the shared ones of `runtimeEnvFrom`
 * (`REDIS_URL` or `REDIS_CLUSTER_NODES`, required here; `THREADLINE_PREFIX`,
 * `THREADLINE_PARTITIONS`, `LOG_LEVEL`, `THREADLINE_PRICES_FILE`: a JSON price file merged over
 * the built-in prices, read once here).
 */
const ServerEnvSchema = z.object({
  THREADLINE_API_KEYS: z.preprocess(blankIsUnset, z.string().optional()),
  THREADLINE_API_KEYS_FILE: z.preprocess(blankIsUnset, z.string().optional()),
  THREADLINE_ADMIN_KEY: z.preprocess(
    blankIsUnset,
    z.string({ error: `required: ${KEY_RULE}` }).refine(isValidKey, { error: KEY_RULE }),
  ),
  PORT: z.preprocess(blankIsUnset, wholeNumber(0, 65_535).default(8080)),
  HOST: z.preprocess(blankIsUnset, z.string().min(1).default('127.0.0.1')),
  THREADLINE_BODY_LIMIT_BYTES: z.preprocess(
    blankIsUnset,
    wholeNumber(1024, 64 * 1024 * 1024).optional(),
  ),
  THREADLINE_RATE_LIMIT_PER_SECOND: z.preprocess(
    blankIsUnset,
    wholeNumber(1, 1_000_000).optional(),
  ),
  THREADLINE_RATE_LIMIT_BURST: z.preprocess(blankIsUnset, wholeNumber(1, 10_000_000).optional()),
  THREADLINE_MAX_WAITING_READS_PER_TENANT: z.preprocess(
    blankIsUnset,
    wholeNumber(1, 1_000_000).default(DEFAULT_MAX_WAITING_READS_PER_TENANT),
  ),
  THREADLINE_MAX_STREAMS_PER_TENANT: z.preprocess(
    blankIsUnset,
    wholeNumber(1, 100_000).default(DEFAULT_STREAM_LIMITS.maxPerTenant),
  ),
  THREADLINE_STREAM_MAX_DURATION_MS: z.preprocess(
    blankIsUnset,
    wholeNumber(1000, 86_400_000).default(DEFAULT_STREAM_LIMITS.maxDurationMs),
  ),
  THREADLINE_HEADERS_TIMEOUT_MS: z.preprocess(
    blankIsUnset,
    wholeNumber(100, 600_000).default(DEFAULT_TIMEOUTS.headersMs),
  ),
  THREADLINE_REQUEST_TIMEOUT_MS: z.preprocess(
    blankIsUnset,
    wholeNumber(100, 600_000).default(DEFAULT_TIMEOUTS.requestMs),
  ),
  // A waitFor read sends nothing while it waits: the idle timeout must outlast the longest one.
  THREADLINE_CONNECTION_TIMEOUT_MS: z.preprocess(
    blankIsUnset,
    wholeNumber(MAX_WAIT_TIMEOUT_MS + 1000, 3_600_000).default(DEFAULT_TIMEOUTS.connectionMs),
  ),
  THREADLINE_RETENTION_SECONDS: z.preprocess(blankIsUnset, z.string().optional()),
  THREADLINE_TENANT_RETENTION_SECONDS: z.preprocess(blankIsUnset, z.string().optional()),
  THREADLINE_KEEP_ALIVE_TIMEOUT_MS: z.preprocess(
    blankIsUnset,
    wholeNumber(100, 3_600_000).default(DEFAULT_TIMEOUTS.keepAliveMs),
  ),
});

/** Checks one key → tenant pair; the problem names the entry by number, never by its key. */
function checkPair(key: string, tenant: unknown, where: string): string | null {
  if (!isValidKey(key)) return `${where}: key: ${KEY_RULE}`;
  if (!isId(tenant)) return `${where}: tenant: ${ID_RULE}`;
  return null;
}

/** `key=tenant,key=tenant` (or with `:`) → the map; problems are appended to `problems`. */
export function parseApiKeys(text: string, problems: string[]): Record<string, string> {
  const keys: Record<string, string> = {};
  text
    .split(',')
    .map((p) => p.trim())
    .forEach((pair, i) => {
      const where = `THREADLINE_API_KEYS entry ${i + 1}`;
      // The last `=` or `:` separates: tenants contain neither, keys may (base64 padding).
      const at = Math.max(pair.lastIndexOf('='), pair.lastIndexOf(':'));
      if (at <= 0) return problems.push(`${where}: expected key=tenant`);
      const key = pair.slice(0, at);
      const tenant = pair.slice(at + 1);
      const problem = checkPair(key, tenant, where);
      if (problem) return problems.push(problem);
      if (keys[key] !== undefined) return problems.push(`${where}: the same key twice`);
      keys[key] = tenant;
    });
  return keys;
}

/** An ISO 8601 date-time with its offset, e.g. `2027-01-01T00:00:00Z`. */
const EXPIRES_AT_RULE =
  'expected an ISO 8601 date-time with a time zone, e.g. 2027-01-01T00:00:00Z';

/**
 * The keys file: one entry per key. Rotating a key: add the new entry (another id), let clients
 * move to it, then remove the old one, set `revoked: true`, or give it an `expiresAt`.
 *
 * ```json
 * { "keys": [
 *   { "id": "acme-2026-06", "key": "…", "tenant": "acme", "expiresAt": "2026-12-31T00:00:00Z" },
 *   { "id": "acme-2026-12", "key": "…", "tenant": "acme" },
 *   { "id": "globex-1", "key": "…", "tenant": "globex", "revoked": true }
 * ] }
 * ```
 */
export const KeysFileSchema = z.strictObject({
  keys: z.array(
    z.strictObject({
      id: z.string({ error: `expected a string: ${ID_RULE}` }),
      key: z.string({ error: `expected a string: ${KEY_RULE}` }),
      tenant: z.string({ error: `expected a string: ${ID_RULE}` }),
      expiresAt: z
        .string({ error: EXPIRES_AT_RULE })
        .refine((t) => z.iso.datetime({ offset: true }).safeParse(t).success, {
          error: EXPIRES_AT_RULE,
        })
        .transform((t) => new Date(t))
        .optional(),
      revoked: z.boolean({ error: 'expected true or false' }).optional(),
    }),
    { error: 'expected an array of { id, key, tenant, expiresAt?, revoked? }' },
  ),
});

/**
 * The keys file's text → its entries (either form); problems are appended to `problems`,
 * naming the file's entries by index and field, never quoting a key or the file.
 */
export function parseApiKeysFileText(text: string, problems: string[]): ApiKeyEntry[] {
  const where = 'THREADLINE_API_KEYS_FILE';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The message of a JSON error may quote the file's text (keys): only its kind is shown.
    problems.push(`${where}: not valid JSON`);
    return [];
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    problems.push(
      `${where}: expected a JSON object { "keys": [{ "id", "key", "tenant" }] } (or { "key": "tenant" })`,
    );
    return [];
  }
  if ('keys' in parsed) {
    const result = KeysFileSchema.safeParse(parsed);
    if (!result.success) {
      problems.push(
        ...result.error.issues.map(
          (i) =>
            `${where} ${i.path
              .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
              .join('')
              .replace(
                /^\./,
                '',
              )}: ${i.code === 'unrecognized_keys' ? `unknown field(s) ${i.keys.join(', ')}` : i.message}`,
        ),
      );
      return [];
    }
    const entries: ApiKeyEntry[] = result.data.keys;
    const own = keyEntryProblems(entries, '', `${where} keys`);
    problems.push(...own);
    return own.length ? [] : entries;
  }
  const entries: ApiKeyEntry[] = [];
  Object.entries(parsed).forEach(([key, tenant], i) => {
    const problem = checkPair(key, tenant, `${where} entry ${i + 1}`);
    if (problem) problems.push(problem);
    else entries.push({ id: derivedKeyId(key), key, tenant: tenant as string });
  });
  return entries;
}

/** The keys file → its entries; problems (unreadable, not JSON, bad entries) are appended. */
export function parseApiKeysFile(
  path: string,
  problems: string[],
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): ApiKeyEntry[] {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    problems.push(`THREADLINE_API_KEYS_FILE: cannot read ${path} (${why})`);
    return [];
  }
  return parseApiKeysFileText(text, problems);
}

/**
 * Reads and validates the server's environment, reporting every problem at once:
 * `ServerConfigError("environment: THREADLINE_ADMIN_KEY: expected at least 16 …; PORT: …")`.
 */
export function serverConfigFrom(
  env: Readonly<Record<string, string | undefined>>,
  readFile?: (path: string) => string,
): ServerConfig {
  const problems: string[] = [];
  let runtime: RuntimeEnv | null = null;
  if (!blankIsUnset(env['REDIS_URL']) && !blankIsUnset(env['REDIS_CLUSTER_NODES']))
    problems.push(
      'REDIS_URL or REDIS_CLUSTER_NODES: required (the server enqueues to BullMQ on Redis)',
    );
  try {
    runtime = runtimeEnvFrom(env, readFile);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    problems.push(...error.issues.map((i) => `${i.path}: ${i.rule}`));
  }
  const parsed = ServerEnvSchema.safeParse(env);
  if (!parsed.success)
    problems.push(...parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`));
  let apiKeys: ApiKeyEntry[] = [];
  const e = parsed.success ? parsed.data : null;
  const inline = blankIsUnset(env['THREADLINE_API_KEYS']) as string | undefined;
  const file = blankIsUnset(env['THREADLINE_API_KEYS_FILE']) as string | undefined;
  if (inline && file)
    problems.push('THREADLINE_API_KEYS and THREADLINE_API_KEYS_FILE: set one of them, not both');
  else if (inline)
    apiKeys = Object.entries(parseApiKeys(inline, problems)).map(([key, tenant]) => ({
      id: derivedKeyId(key),
      key,
      tenant,
    }));
  else if (file) apiKeys = parseApiKeysFile(file, problems, readFile);
  else
    problems.push('THREADLINE_API_KEYS or THREADLINE_API_KEYS_FILE: required (API key → tenant)');
  if (e && e.THREADLINE_HEADERS_TIMEOUT_MS > e.THREADLINE_REQUEST_TIMEOUT_MS)
    problems.push(
      `THREADLINE_HEADERS_TIMEOUT_MS: expected at most THREADLINE_REQUEST_TIMEOUT_MS (${e.THREADLINE_REQUEST_TIMEOUT_MS})`,
    );
  if (e && apiKeys.some((k) => k.key === e.THREADLINE_ADMIN_KEY))
    problems.push('THREADLINE_ADMIN_KEY: must not also be an API key');
  const retention: RetentionDefaults = {};
  if (e?.THREADLINE_RETENTION_SECONDS !== undefined)
    retention.defaultSeconds = parseRetention(
      e.THREADLINE_RETENTION_SECONDS,
      'THREADLINE_RETENTION_SECONDS',
      problems,
    );
  if (e?.THREADLINE_TENANT_RETENTION_SECONDS !== undefined)
    retention.byTenant = parseTenantRetention(
      e.THREADLINE_TENANT_RETENTION_SECONDS,
      'THREADLINE_TENANT_RETENTION_SECONDS',
      problems,
    );

  if (problems.length || !runtime?.redis || !e)
    throw new ServerConfigError(`environment: ${problems.join('; ')}`);
  return {
    redis: runtime.redis,
    runtime,
    apiKeys,
    apiKeysFile: inline ? null : (file ?? null),
    adminKey: e.THREADLINE_ADMIN_KEY,
    port: e.PORT,
    host: e.HOST,
    bodyLimitBytes: e.THREADLINE_BODY_LIMIT_BYTES ?? 1024 * 1024,
    rateLimit: {
      ratePerSecond: e.THREADLINE_RATE_LIMIT_PER_SECOND ?? DEFAULT_RATE_LIMIT.ratePerSecond,
      burst: e.THREADLINE_RATE_LIMIT_BURST ?? DEFAULT_RATE_LIMIT.burst,
    },
    maxWaitingReadsPerTenant: e.THREADLINE_MAX_WAITING_READS_PER_TENANT,
    streams: {
      maxPerTenant: e.THREADLINE_MAX_STREAMS_PER_TENANT,
      maxDurationMs: e.THREADLINE_STREAM_MAX_DURATION_MS,
    },
    retention,
    timeouts: {
      headersMs: e.THREADLINE_HEADERS_TIMEOUT_MS,
      requestMs: e.THREADLINE_REQUEST_TIMEOUT_MS,
      connectionMs: e.THREADLINE_CONNECTION_TIMEOUT_MS,
      keepAliveMs: e.THREADLINE_KEEP_ALIVE_TIMEOUT_MS,
    },
  };
}
