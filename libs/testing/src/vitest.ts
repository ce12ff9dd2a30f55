import { inject } from 'vitest';
import type {} from './vitest-provided-context.ts';

/**
 * The URL of the Redis the global setup found for this run. Call it in test files only (it
 * reads vitest's provided context); keys written there must live under a `uniquePrefix()`.
 * Throws, saying how to fix it, when the run has no Redis.
 */
export function testRedisUrl(): string {
  const url = inject('redisUrl');
  if (url) return url;
  const reason = inject('redisUnavailable');
  throw new Error(
    reason ||
      'No Redis URL was provided to this test file: run it through the root vitest.config.ts, ' +
        'whose globalSetup is libs/testing/src/vitest-global-setup.ts',
  );
}
