import { findExecutable } from './find-executable.ts';
import { startRedisServer } from './redis-server.ts';

/** Where the test Redis came from. */
export type TestRedisSource = 'env' | 'redis-server' | 'testcontainers';

/** A Redis for a test run, and how to let go of it. */
export interface TestRedis {
  url: string;
  /** Stops what was started for the run; does nothing for a Redis given by REDIS_URL. */
  stop(): Promise<void>;
  source: TestRedisSource;
}

/**
 * Docker image started when neither REDIS_URL nor redis-server is available.
 *
 * @defaultValue 'redis:7.0-alpine'
 */
export const TESTCONTAINERS_REDIS_IMAGE = 'redis:7.0-alpine';

/**
 * Finds a Redis for tests, in this order:
 * 1. `REDIS_URL`, if set (used as is, never stopped);
 * 2. a redis-server child on a free loopback port, if redis-server is on PATH;
 * 3. a container from `@testcontainers/redis`, if a Docker engine answers.
 * Throws an Error that says how to get one of the three when none works.
 */
export async function resolveTestRedis(): Promise<TestRedis> {
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv) return { url: fromEnv, source: 'env', stop: async () => {} };

  if (findExecutable('redis-server')) {
    const server = await startRedisServer();
    return { url: server.url, source: 'redis-server', stop: () => server.stop() };
  }

  try {
    const { RedisContainer } = await import('@testcontainers/redis');
    const container = await new RedisContainer(TESTCONTAINERS_REDIS_IMAGE).start();
    return {
      url: container.getConnectionUrl(),
      source: 'testcontainers',
      stop: async () => {
        await container.stop();
      },
    };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      'No Redis for the tests: REDIS_URL is not set, redis-server is not on PATH, and ' +
        `testcontainers could not start ${TESTCONTAINERS_REDIS_IMAGE} (${reason}). ` +
        'Fix one of them: install redis-server (apt-get install -y redis-server), or set ' +
        'REDIS_URL=redis://host:port to a Redis the tests may write to, or start a Docker engine.',
      { cause: error },
    );
  }
}
