import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveTestRedis, sendRedisCommand } from '../src/index.ts';

const savedEnv = { REDIS_URL: process.env.REDIS_URL, PATH: process.env.PATH };

afterEach(() => {
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

const dockerMayBeThere = existsSync('/var/run/docker.sock') || Boolean(process.env.DOCKER_HOST);

describe('resolveTestRedis', () => {
  it('uses REDIS_URL as it is when it is set, and never stops it', async () => {
    process.env.REDIS_URL = 'redis://redis.example.test:6380/2';

    const redis = await resolveTestRedis();
    await redis.stop();

    expect(redis).toMatchObject({ url: 'redis://redis.example.test:6380/2', source: 'env' });
  });

  it('starts its own redis-server when REDIS_URL is not set', async () => {
    delete process.env.REDIS_URL;

    const redis = await resolveTestRedis();
    const { hostname, port } = new URL(redis.url);
    try {
      expect(redis.source).toBe('redis-server');
      expect(port).not.toBe('6379');
      expect(await sendRedisCommand(hostname, Number(port), ['PING'])).toBe('PONG');
    } finally {
      await redis.stop();
    }
    await expect(sendRedisCommand(hostname, Number(port), ['PING'])).rejects.toThrow();
  });

  it.skipIf(dockerMayBeThere)(
    'says how to get a Redis when there is no REDIS_URL, no redis-server and no Docker',
    async () => {
      delete process.env.REDIS_URL;
      process.env.PATH = mkdtempSync(join(tmpdir(), 'empty-path-'));

      await expect(resolveTestRedis()).rejects.toThrow(
        /apt-get install -y redis-server.*REDIS_URL=redis:\/\/host:port/,
      );
    },
  );
});
