import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { deleteKeysWithPrefix, uniquePrefix } from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const url = testRedisUrl();
const prefix = uniquePrefix('server-main');

afterAll(async () => {
  const redis = new Redis(url);
  await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
});

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => out };
}

describe('the server process (src/main.ts)', () => {
  it('exits 2 naming the variables when the environment is wrong', async () => {
    const proc = run({ THREADLINE_API_KEYS: 'short=acme' });
    expect(await proc.exited).toBe(2);
    expect(proc.output()).toMatch(
      /REDIS_URL or REDIS_CLUSTER_NODES: required.*THREADLINE_ADMIN_KEY: required/s,
    );
    expect(proc.output()).not.toContain('short=acme');
  });

  it('serves on the configured port, and stops gracefully on SIGTERM', async () => {
    const apiKey = 'main-test-key-0123456789';
    const proc = run({
      REDIS_URL: url,
      THREADLINE_PREFIX: prefix,
      THREADLINE_PARTITIONS: '2',
      THREADLINE_API_KEYS: `${apiKey}=acme`,
      THREADLINE_ADMIN_KEY: 'main-test-admin-0123456789',
      PORT: '0',
      LOG_LEVEL: 'info',
    });
    const deadline = Date.now() + 30_000;
    let base: string | undefined;
    while (!(base = /listening on (http:\/\/\S+)/.exec(proc.output())?.[1])) {
      if (proc.child.exitCode !== null || Date.now() > deadline)
        throw new Error(`server did not start:\n${proc.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    const created = await fetch(`${base}/v1/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sessionId: 'from-main' }),
    });
    expect(created.status).toBe(201);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    expect(proc.output()).toMatch(/"msg":"stopped"/);
    expect(proc.output()).not.toContain(apiKey);
  });
});
