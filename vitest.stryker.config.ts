import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import targets from './stryker.targets.json' with { type: 'json' };

/**
 * The vitest config Stryker runs (`npm run mutate`), never `npm test`: only the tests of the lib
 * being mutated (MUTATE_LIB), so that a mutant is not tested by the whole integration suite.
 *
 * Stryker runs from a copy of the repo (.stryker-tmp/sandbox-*) whose node_modules is a link to
 * the real one, where `@threadline/x` links back to the real libs/x: unaliased, a test that
 * imports `@threadline/core` would test the unmutated code (and load a second copy of it). The
 * aliases below point every workspace package, and each of its subpath exports, at the copy
 * this config sits in.
 */
const root = fileURLToPath(new URL('.', import.meta.url));
const targets_: Record<string, { tests: string[]; needsRedis: boolean }> = targets;
const target = targets_[process.env.MUTATE_LIB ?? 'core'];
if (!target) throw new Error(`MUTATE_LIB=${process.env.MUTATE_LIB}: not in stryker.targets.json`);

function workspaceAliases(): { find: RegExp; replacement: string }[] {
  const aliases: { find: RegExp; replacement: string }[] = [];
  for (const group of ['libs', 'apps'])
    for (const dir of readdirSync(join(root, group))) {
      let pkg: { name: string; exports?: Record<string, string> };
      try {
        pkg = JSON.parse(readFileSync(join(root, group, dir, 'package.json'), 'utf8'));
      } catch {
        continue;
      }
      for (const [sub, file] of Object.entries(pkg.exports ?? {})) {
        const name = sub === '.' ? pkg.name : `${pkg.name}/${sub.slice(2)}`;
        aliases.push({
          find: new RegExp(`^${name.replace(/[/.@-]/g, '\\$&')}$`),
          replacement: join(root, group, dir, file),
        });
      }
    }
  return aliases;
}

export default defineConfig({
  resolve: { alias: workspaceAliases() },
  test: {
    include: target.tests,
    exclude: ['**/node_modules/**', '.stryker-tmp/**'],
    globalSetup: target.needsRedis ? ['libs/testing/src/vitest-global-setup.ts'] : [],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
