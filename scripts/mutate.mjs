#!/usr/bin/env node
// `npm run mutate [-- [target ...] [--incremental] [stryker options]]`: runs Stryker on each
// target of stryker.targets.json (all by default, core first), one after the other, then prints
// the mutation score of each. Reports: reports/mutation/<target>.{html,json}. See MUTATION.md.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

const targets = JSON.parse(
  readFileSync(new URL('../stryker.targets.json', import.meta.url), 'utf8'),
);
const args = process.argv.slice(2);
// A word after an option is that option's value (`--mutate <files>`), not a target.
const isValue = (i) => i > 0 && args[i - 1].startsWith('-') && !args[i - 1].includes('=');
const named = args.filter((a, i) => !a.startsWith('-') && !isValue(i) && a in targets);
const passThrough = args.filter((a) => !named.includes(a));
const unknown = args.filter((a, i) => !a.startsWith('-') && !isValue(i) && !(a in targets));
if (unknown.length > 0) {
  console.error(
    `mutate: unknown target ${unknown.join(', ')} (targets: ${Object.keys(targets).join(', ')})`,
  );
  process.exit(2);
}
// By default every target but core-accounting, which is a part of core (a quicker run of it).
const run = named.length > 0 ? named : Object.keys(targets).filter((t) => t !== 'core-accounting');

/** Score as Stryker counts it: detected / (detected + undetected), compile errors left out. */
function score(lib) {
  const file = `reports/mutation/${lib}.json`;
  if (!existsSync(file)) return undefined;
  const counts = {};
  for (const f of Object.values(JSON.parse(readFileSync(file, 'utf8')).files))
    for (const m of f.mutants) counts[m.status] = (counts[m.status] ?? 0) + 1;
  const detected = (counts.Killed ?? 0) + (counts.Timeout ?? 0);
  const undetected = (counts.Survived ?? 0) + (counts.NoCoverage ?? 0);
  return { counts, score: (100 * detected) / (detected + undetected) };
}

const results = [];
for (const lib of run) {
  const started = Date.now();
  // A report left by an earlier run must not pass for this one's.
  rmSync(`reports/mutation/${lib}.json`, { force: true });
  console.log(`\nmutate: ${lib} (${targets[lib].mutate.join(' ')})`);
  const child = spawnSync('npx', ['stryker', 'run', ...passThrough], {
    stdio: 'inherit',
    env: { ...process.env, MUTATE_LIB: lib },
  });
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  results.push({ lib, status: child.status, minutes, ...score(lib) });
}

console.log('\nmutate: scores');
for (const r of results) {
  const c = r.counts ?? {};
  console.log(
    `  ${r.lib.padEnd(8)} ${r.score === undefined ? 'no report' : `${r.score.toFixed(2)}%`}  ` +
      `killed ${c.Killed ?? 0}, timeout ${c.Timeout ?? 0}, survived ${c.Survived ?? 0}, ` +
      `no coverage ${c.NoCoverage ?? 0}, ignored ${c.Ignored ?? 0}  (${r.minutes} min, exit ${r.status})`,
  );
}
process.exit(results.some((r) => r.status !== 0) ? 1 : 0);
