/**
 * Environment variable that the vitest global setup sets to the run's Redis URL, so that child
 * processes started by tests (a CLI, a worker) find the same Redis.
 */
export const TEST_REDIS_URL_ENV = 'THREADLINE_TEST_REDIS_URL';
