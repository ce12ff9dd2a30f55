import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisRuntime } from '@threadline/runtime';
import { SessionManager } from '@threadline/sdk';
import { deleteKeysWithPrefix, uniquePrefix } from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';
import { spawnSessionWorker, type WorkerProcess } from './worker-processes.ts';

/** A session worker process started with THREADLINE_PRICES_FILE prices events by that file. */
const url = testRedisUrl();
const prefix = uniquePrefix('prices');
const dir = mkdtempSync(join(tmpdir(), 'tl-prices-'));
const pricesFile = join(dir, 'prices.json');
writeFileSync(
  pricesFile,
  JSON.stringify({
    models: {
      'llama-3.1-70b': {
        inputUsdPerMTok: 0.5,
        outputUsdPerMTok: 2,
        source: 'test',
        readOn: '2026-12-04',
      },
    },
  }),
);
let worker: WorkerProcess;
let runtime: RedisRuntime;

beforeAll(async () => {
  worker = await spawnSessionWorker({
    REDIS_URL: url,
    THREADLINE_PREFIX: prefix,
    THREADLINE_PARTITIONS: '2',
    THREADLINE_PRICES_FILE: pricesFile,
  });
  runtime = new RedisRuntime({ url, topology: { prefix, partitions: 2 }, tenant: 'acme' });
});

afterAll(async () => {
  await runtime?.close();
  worker?.child.kill('SIGTERM');
  await worker?.exited;
  const redis = new Redis(url);
  await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
});

describe('THREADLINE_PRICES_FILE in a session worker process', () => {
  it('prices a model the built-in table leaves unpriced by the file', async () => {
    const sm = new SessionManager({ sessionId: 'priced-1', runtime });
    await sm.userSays('Hello.');
    await sm.aiResponds('Hi!', {
      model: 'llama-3.1-70b-instruct',
      usage: { input_tokens: 1000, output_tokens: 100 },
    });
    const stats = await sm.getStats();
    // 1000 tokens × 0.5 + 100 × 2 USD per million tokens = 0.0007 USD = 700,000 nano-dollars.
    expect(stats.usageByModel['llama-3.1-70b-instruct']).toMatchObject({
      promptTokens: 1000,
      completionTokens: 100,
      costNano: 700_000,
    });
    expect(stats.unpricedModels).toEqual([]);
  });

  it('refuses to start with a bad price file, naming the field and the rule (exit 2)', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({ models: { m: { inputUsdPerMTok: -1, outputUsdPerMTok: 1 } } }),
    );
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
    const run = spawnSync(process.execPath, ['--import', 'tsx', main], {
      env: {
        ...process.env,
        REDIS_URL: url,
        THREADLINE_PREFIX: prefix,
        THREADLINE_PRICES_FILE: bad,
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(
      `THREADLINE_PRICES_FILE: models.m.inputUsdPerMTok: expected a non-negative number (in ${bad})`,
    );
  });
});
