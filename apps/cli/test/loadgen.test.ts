import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { silentLogger } from '@threadline/observability';
import { deleteKeysWithPrefix, findFreePort, uniquePrefix } from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';
import { runCli } from '../src/cli.ts';
import { startLocalFleet, type LocalFleet } from '../src/local-fleet.ts';
import { capturedIo } from './captured-io.ts';

const url = testRedisUrl();
const prefix = uniquePrefix('cli-loadgen');
const env = { REDIS_URL: url, THREADLINE_PREFIX: prefix, THREADLINE_PARTITIONS: '4' };
let fleet: LocalFleet;

beforeAll(async () => {
  fleet = await startLocalFleet({
    redis: { url },
    topology: { prefix, partitions: 4 },
    tenant: 'default',
    logger: silentLogger,
  });
});

afterAll(async () => {
  await fleet?.close();
  const redis = new Redis(url);
  await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
});

describe('threadline loadgen', () => {
  it('drives the queues directly, waits for every event to be applied, and prints the closing table', async () => {
    const io = capturedIo();
    const argv = [
      'loadgen',
      '--target',
      'queue',
      '--sessions',
      '6',
      '--events',
      '15',
      '--rate',
      '600',
      '--batch',
      '2',
      '--timeout',
      '30',
    ];
    expect(await runCli(argv, env, io)).toBe(0);
    const table = io.stdout();
    expect(table).toMatch(/events sent\s+90 of 90 \(2 per job\)/);
    expect(table).toMatch(/sent events\/s\s+\d+/);
    expect(table).toMatch(/applied events\/s\s+\d+ \(all applied/);
    expect(table).toMatch(/p50 accept→applied\s+\d+(\.\d)? ms/);
    expect(table).toMatch(/p99 accept→applied\s+\d+(\.\d)? ms/);
    expect(table).toMatch(/errors\s+0/);
    // What it sent is really there: each session has its 15 events, applied in order.
    const runId = /session ids lg-([a-z0-9]+)-\*/.exec(io.stderr())![1]!;
    const stats = await fleet.runtime.reader.stats(
      { tenant: 'default', sessionId: `lg-${runId}-0` },
      { allSegments: true },
    );
    expect(stats.events).toBe(15);
    expect(stats.toolCalls).toBe(3); // events 3, 8 and 13
  });

  it('refuses bad flags, non-loopback targets and runs over the bounds with exit 2, naming the flag and the rule', async () => {
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [
        ['loadgen', '--rate', 'fast'],
        env,
        /--rate: expected a whole number from 1 to 100000, got "fast"/,
      ],
      [['loadgen', '--target', 'kafka'], env, /--target: expected "http" or "queue", got "kafka"/],
      [
        ['loadgen', '--sessions', '10000', '--events', '1000'],
        env,
        /--events: expected --sessions × --events of at most 1,000,000/,
      ],
      [
        ['loadgen', '--url', 'http://api.example.com', '--api-key', 'k'],
        env,
        /--url: expected a loopback host/,
      ],
      [['loadgen', '--url', 'http://127.0.0.1:3000'], env, /--api-key: expected the API key/],
      [
        ['loadgen', '--target', 'queue', '--url', 'http://127.0.0.1:1'],
        env,
        /--url: applies to --target http only/,
      ],
      [
        ['loadgen', '--target', 'queue'],
        { REDIS_URL: 'redis://redis.example.com:6379' },
        /REDIS_URL: expected a loopback host/,
      ],
      [['loadgen', '--target', 'queue'], {}, /REDIS_URL: expected the URL/],
      [
        ['loadgen', '--batch', '65'],
        env,
        /--batch: expected a whole number from 1 to 64, got "65"/,
      ],
      [['loadgen', '--speed', '3'], env, /unknown option "--speed"/],
    ];
    for (const [argv, e, message] of cases) {
      const io = capturedIo();
      expect(await runCli(argv, e, io), argv.join(' ')).toBe(2);
      expect(io.stderr()).toMatch(message);
    }
  });

  it('reports an unreachable API as errors and exits 1', async () => {
    const io = capturedIo();
    const argv = [
      'loadgen',
      '--url',
      `http://127.0.0.1:${await findFreePort()}`,
      '--api-key',
      'k',
      '--sessions',
      '2',
      '--events',
      '2',
      '--timeout',
      '5',
    ];
    expect(await runCli(argv, {}, io)).toBe(1);
    expect(io.stdout()).toMatch(/errors\s+2/);
    expect(io.stdout()).toMatch(/ECONNREFUSED/);
  });
});
