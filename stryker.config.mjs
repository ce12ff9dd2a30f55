// Stryker (mutation testing) for one target of stryker.targets.json, named by MUTATE_LIB
// (default core). Run it through `npm run mutate` (scripts/mutate.mjs), which runs each target
// in turn; see MUTATION.md.
import { readFileSync } from 'node:fs';

const lib = process.env.MUTATE_LIB ?? 'core';
const targets = JSON.parse(
  readFileSync(new URL('./stryker.targets.json', import.meta.url), 'utf8'),
);
const target = targets[lib];
if (!target) throw new Error(`MUTATE_LIB=${lib}: not in stryker.targets.json`);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.stryker.config.ts', related: true },
  // Each mutant runs only the tests that reached it in the dry run.
  coverageAnalysis: 'perTest',
  mutate: [...target.mutate, '!**/*.test.ts', '!**/*.fixtures.ts', '!**/index.ts', '!**/test/**'],
  // Two cores on the developers' machines and CI's: more would only thrash.
  concurrency: Number(process.env.MUTATE_CONCURRENCY ?? 2),
  // Generous: on a shared 2-core machine a test run that is only slow must not count as a
  // timeout (a timeout restarts the runner, the costliest thing Stryker does).
  timeoutMS: 45_000,
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
  // What the tests cannot read need not be copied into the sandbox.
  ignorePatterns: ['bench', 'docker', '*.md', 'reports', 'coverage', '.nx', 'tmp'],
  reporters: ['progress-append-only', 'clear-text', 'html', 'json'],
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  htmlReporter: { fileName: `reports/mutation/${lib}.html` },
  jsonReporter: { fileName: `reports/mutation/${lib}.json` },
  // `npm run mutate -- --incremental` reuses the last run's results for unchanged code and tests.
  incrementalFile: `reports/mutation/${lib}.incremental.json`,
  thresholds: { high: 85, low: 75, break: null },
};
