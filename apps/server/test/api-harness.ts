import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { createLogger, silentLogger, type Logger } from '@threadline/observability';
import { uniquePrefix } from '@threadline/testing';
import { buildServer, type ServerOptions } from '../src/server.ts';
import { startTestFleet, type TestFleet } from './fleet.ts';

/** Made up per run, so that a test looking for them in logs cannot find them by accident. */
export const keys = {
  tenantA: `key-a-${randomBytes(12).toString('hex')}`,
  tenantB: `key-b-${randomBytes(12).toString('hex')}`,
  admin: `admin-${randomBytes(12).toString('hex')}`,
};
export const TENANT_A = 'tenant-a';
export const TENANT_B = 'tenant-b';

export interface TestApi {
  app: FastifyInstance;
  fleet: TestFleet;
  /** `inject` with tenant A's key unless `headers` say otherwise. */
  as(key: string | null, options: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** A server on a fleet of its own (test Redis, unique prefix), driven with `inject`. */
export async function startTestApi(
  url: string,
  options: Partial<Omit<ServerOptions, 'runtime'>> & { label?: string; workers?: boolean } = {},
): Promise<TestApi> {
  const { label = 'server', workers, ...serverOptions } = options;
  const fleet = await startTestFleet({ url, prefix: uniquePrefix(label), workers });
  const app = await buildServer({
    runtime: fleet.runtime,
    apiKeys: { [keys.tenantA]: TENANT_A, [keys.tenantB]: TENANT_B },
    adminKey: keys.admin,
    logger: silentLogger,
    rateLimit: false,
    ...serverOptions,
  });
  await app.ready();
  return {
    app,
    fleet,
    as(key, injectOptions) {
      const headers = {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...injectOptions.headers,
      };
      return app.inject({ ...injectOptions, headers });
    },
    async close() {
      await app.close();
      await fleet.close();
    },
  };
}

/** A logger writing JSON lines into memory, every level. */
export function memoryLogger(): { logger: Logger; text(): string } {
  const chunks: string[] = [];
  const logger = createLogger({
    name: 'test',
    level: 'trace',
    destination: { write: (chunk: string) => void chunks.push(chunk) },
  });
  return { logger, text: () => chunks.join('') };
}

/** The JSON body of a response. */
export const json = <T = Record<string, unknown>>(response: LightMyRequestResponse): T =>
  JSON.parse(response.body) as T;

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors: Array<{ path: string; rule: string }>;
}

/** Checks the answer is problem+json with this status, and returns it. */
export function problemOf(response: LightMyRequestResponse, status: number): ProblemBody {
  if (response.statusCode !== status)
    throw new Error(
      `expected ${status}, got ${response.statusCode}: ${response.body.slice(0, 500)}`,
    );
  if (!String(response.headers['content-type']).startsWith('application/problem+json'))
    throw new Error(`expected problem+json, got ${String(response.headers['content-type'])}`);
  return json<ProblemBody>(response);
}
