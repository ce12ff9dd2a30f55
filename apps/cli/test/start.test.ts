import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { deleteKeysWithPrefix, findFreePort, isPortFree, uniquePrefix } from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const API_KEY = 'cli-start-test-key-0123456789';
const ADMIN_KEY = 'cli-start-test-admin-0123456789';
const prefixes: string[] = [];

interface StartedCli {
  child: ChildProcess;
  base: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `node --import tsx apps/cli/src/main.ts start` as a child, resolved once /healthz answers. */
async function startCli(env: Record<string, string>): Promise<StartedCli> {
  const port = await findFreePort();
  const prefix = uniquePrefix('cli-start');
  prefixes.push(prefix);
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/cli/src/main.ts', 'start'], {
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '',
      PORT: String(port),
      HOST: '127.0.0.1',
      THREADLINE_PREFIX: prefix,
      THREADLINE_PARTITIONS: '4',
      THREADLINE_API_KEYS: `${API_KEY}=acme`,
      THREADLINE_ADMIN_KEY: ADMIN_KEY,
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`threadline start exited with ${child.exitCode}:\n${output}`);
    const ok = await fetch(`${base}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`threadline start did not answer /healthz within 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, base, output: () => output, exited };
}

const auth = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };

afterAll(async () => {
  const redis = new Redis(testRedisUrl());
  for (const prefix of prefixes) await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
});

describe('threadline start', () => {
  it('serves the API on REDIS_URL, takes a conversation over HTTP, reads it back, and exits 0 on SIGTERM', async () => {
    const cli = await startCli({ REDIS_URL: testRedisUrl() });
    try {
      expect(cli.output()).toContain(`${cli.base}/v1/sessions`);
      expect(cli.output()).toContain(`${cli.base}/docs`);
      expect(cli.output()).toContain(`${cli.base}/admin/queues`);
      expect(cli.output()).toContain(`${cli.base}/metrics`);
      expect(cli.output()).not.toContain(API_KEY);

      const created = await fetch(`${cli.base}/v1/sessions`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ sessionId: 'curl-1', systemPrompt: 'Be brief.' }),
      });
      expect(created.status).toBe(201);
      const posted = await fetch(`${cli.base}/v1/sessions/curl-1/events`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({
          events: [
            {
              eventId: 'u1',
              sessionId: 'curl-1',
              type: 'user_message',
              content: 'What is the capital of Norway?',
            },
            {
              eventId: 'a1',
              sessionId: 'curl-1',
              type: 'assistant_message',
              content: 'Oslo.',
              model: 'gpt-4o-mini',
            },
          ],
        }),
      });
      expect(posted.status).toBe(202);
      const read = await fetch(`${cli.base}/v1/sessions/curl-1/messages?waitFor=a1`, {
        headers: auth,
      });
      expect(read.status).toBe(200);
      const body = (await read.json()) as { messages: Array<{ role: string; content: string }> };
      expect(body.messages.map((m) => [m.role, m.content])).toEqual([
        ['system', 'Be brief.'],
        ['user', 'What is the capital of Norway?'],
        ['assistant', 'Oslo.'],
      ]);
    } finally {
      cli.child.kill('SIGTERM');
    }
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.output()).toMatch(/stopped/);
  });

  it('starts a private redis-server when REDIS_URL is unset, says so, and stops it on SIGTERM', async () => {
    const cli = await startCli({});
    const said =
      /no REDIS_URL: started a private redis-server on 127\.0\.0\.1:(\d+); data is lost on exit/.exec(
        cli.output(),
      );
    expect(said, cli.output()).not.toBeNull();
    const redisPort = Number(said![1]);
    expect(await isPortFree(redisPort)).toBe(false);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(await isPortFree(redisPort)).toBe(true);
  });
});
