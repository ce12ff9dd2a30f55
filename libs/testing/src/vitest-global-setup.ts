import type { TestProject } from 'vitest/node';
import { resolveTestRedis } from './redis/resolve-test-redis.ts';
import { TEST_REDIS_URL_ENV } from './redis/test-redis-url-env.ts';
import type {} from './vitest-provided-context.ts';

/**
 * Vitest globalSetup for the whole repo: finds one Redis for the run (REDIS_URL, else a
 * redis-server child, else testcontainers), hands its URL to test files (`testRedisUrl()` from
 * `@threadline/testing/vitest`) and to child processes (THREADLINE_TEST_REDIS_URL), and stops
 * it after the run.
 *
 * When no Redis can be had the run still goes on, so that tests which need none pass; each test
 * that calls `testRedisUrl()` then fails with the reason and how to fix it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  try {
    const redis = await resolveTestRedis();
    project.provide('redisUrl', redis.url);
    project.provide('redisUnavailable', '');
    process.env[TEST_REDIS_URL_ENV] = redis.url;
    return async () => {
      delete process.env[TEST_REDIS_URL_ENV];
      await redis.stop();
    };
  } catch (error) {
    project.provide('redisUrl', '');
    project.provide('redisUnavailable', error instanceof Error ? error.message : String(error));
    return async () => {};
  }
}
