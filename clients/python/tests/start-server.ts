/**
 * A real Threadline server for the Python client's tests: the HTTP API on a free loopback port,
 * with a session worker and a summarizer in this process, on the test run's Redis
 * (THREADLINE_TEST_REDIS_URL, set by the vitest global setup, or REDIS_URL) or on a redis-server
 * child of its own. Everything goes under a prefix of its own, deleted on exit.
 *
 * Prints one JSON line on stdout once it listens: `{"url": …, "apiKey": …, "otherApiKey": …}`,
 * then runs until its stdin closes or it gets SIGTERM/SIGINT.
 *
 *   npx tsx clients/python/tests/start-server.ts
 */
import { Redis } from 'ioredis';
import { createExtractiveSummarizer, defaultTokenCounter } from '@threadline/core';
import { createLogger } from '@threadline/observability';
import { RedisRuntime } from '@threadline/runtime';
import { startServer } from '@threadline/server';
import { startSessionWorker } from '@threadline/session-worker';
import { startSummarizerWorker } from '@threadline/summarizer';
import {
  deleteKeysWithPrefix,
  startRedisServer,
  TEST_REDIS_URL_ENV,
  uniquePrefix,
} from '@threadline/testing';

const API_KEY = 'tl_python_client_key_0001';
const OTHER_API_KEY = 'tl_python_client_key_0002';
const ADMIN_KEY = 'tl_python_client_admin_01';

async function main(): Promise<void> {
  const given = process.env[TEST_REDIS_URL_ENV] || process.env['REDIS_URL'];
  const ownRedis = given ? null : await startRedisServer();
  const url = given ?? ownRedis!.url;
  const prefix = uniquePrefix('py-client');
  const topology = { prefix, partitions: 2 };
  const redis = { url };

  await defaultTokenCounter.prepare(['gpt-4o-mini']);
  const worker = await startSessionWorker({ redis, topology });
  const summarizer = await startSummarizerWorker({
    redis,
    topology,
    summarizer: createExtractiveSummarizer(defaultTokenCounter),
  });
  const runtime = new RedisRuntime({ ...redis, topology, tenant: 'runtime-tenant-unused' });
  const server = await startServer({
    runtime,
    apiKeys: { [API_KEY]: 'py-acme', [OTHER_API_KEY]: 'py-globex' },
    adminKey: ADMIN_KEY,
    logger: createLogger({
      name: 'server',
      level: process.env['LOG_LEVEL'] ?? 'warn',
      destination: process.stderr,
    } as Parameters<typeof createLogger>[0]),
    port: 0,
    host: '127.0.0.1',
    rateLimit: rateLimitFromEnv(),
  });
  process.stdout.write(
    JSON.stringify({ url: server.url, apiKey: API_KEY, otherApiKey: OTHER_API_KEY }) + '\n',
  );

  let closing = false;
  const close = async () => {
    if (closing) return;
    closing = true;
    await server.close();
    await runtime.close();
    await Promise.all([worker.close(), summarizer.close()]);
    const client = new Redis(url);
    await deleteKeysWithPrefix(client, prefix);
    await client.quit();
    await ownRedis?.stop();
    process.exit(0);
  };
  process.stdin.on('end', close);
  process.stdin.on('close', close);
  process.stdin.resume();
  process.on('SIGTERM', close);
  process.on('SIGINT', close);
}

/** THREADLINE_RATE_LIMIT_PER_SECOND / _BURST, as the server's main reads them; else the default. */
function rateLimitFromEnv(): { ratePerSecond: number; burst: number } | undefined {
  const rate = Number(process.env['THREADLINE_RATE_LIMIT_PER_SECOND'] ?? '');
  if (!(rate > 0)) return undefined;
  const burst = Number(process.env['THREADLINE_RATE_LIMIT_BURST'] ?? '') || rate;
  return { ratePerSecond: rate, burst };
}

main().catch((error: unknown) => {
  process.stderr.write(`start-server failed: ${error instanceof Error ? error.stack : error}\n`);
  process.exit(1);
});
