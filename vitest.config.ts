import { configDefaults, defineConfig } from 'vitest/config';

/**
 * One run for every test in the repo: unit tests beside the code (`*.test.ts`) and integration
 * tests under each project's `test/` folder. Integration tests get a real Redis from the
 * harness in `libs/testing` (REDIS_URL, else a redis-server child on a free loopback port).
 */
export default defineConfig({
  test: {
    include: [
      'libs/*/src/**/*.test.ts',
      'libs/*/test/**/*.test.ts',
      'apps/*/src/**/*.test.ts',
      'apps/*/test/**/*.test.ts',
      // the Python client's unittest suite, run by one vitest test (python3 required in CI)
      'clients/python/*.test.ts',
    ],
    // Stryker's sandboxes (npm run mutate) are copies of the repo: never their tests.
    exclude: [...configDefaults.exclude, '.stryker-tmp/**'],
    globalSetup: ['libs/testing/src/vitest-global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './libs/testing/src/plain-summary-reporter.ts'],
  },
});
