import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { expect, it } from 'vitest';

/**
 * The Python client's unittest suite (clients/python/tests), run from `npm test`: it starts a
 * real server of its own (tests/start-server.ts) on this run's Redis (THREADLINE_TEST_REDIS_URL,
 * set by the global setup) and must exit 0. Python's output is printed when it does not.
 *
 * Without python3 on PATH the test is skipped with a warning, unless CI is set: then it fails.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const python = process.env['PYTHON'] ?? 'python3';
const found = spawnSync(python, ['--version'], { encoding: 'utf8' });
const hasPython = found.status === 0;
if (!hasPython)
  console.warn(
    `python-client.test.ts: ${python} is not on PATH, the Python client's tests do not run ` +
      '(apt-get install -y python3)' +
      (process.env['CI'] ? '; CI is set, so this fails' : ''),
  );

it.skipIf(!hasPython && !process.env['CI'])(
  "the Python client's unittest suite passes against a real server",
  async () => {
    expect(hasPython, `${python} is required when CI is set`).toBe(true);
    const { code, output } = await new Promise<{ code: number | null; output: string }>(
      (resolve, reject) => {
        const child = spawn(
          python,
          [
            '-m',
            'unittest',
            'discover',
            '-v',
            '-s',
            'clients/python/tests',
            '-t',
            'clients/python/tests',
          ],
          { cwd: root, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } },
        );
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.on('error', reject);
        child.on('close', (exitCode) => resolve({ code: exitCode, output }));
      },
    );
    if (code !== 0) console.error(output);
    expect(code, `python -m unittest exited ${code}:\n${output.slice(-8000)}`).toBe(0);
  },
  180_000,
);
