import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { EmbeddedRedisError, startEmbeddedRedis } from '../src/embedded-redis.ts';

describe('the private redis-server of threadline start', () => {
  it('listens on a free loopback port without persistence, and is gone after stop()', async () => {
    const redis = await startEmbeddedRedis();
    expect(redis.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    const client = new Redis(redis.url);
    expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
    expect(await client.config('GET', 'save')).toEqual(['save', '']);
    client.disconnect();
    await redis.stop();
    expect(() => process.kill(redis.pid, 0)).toThrow();
  });

  it('says what to do when the redis-server binary is missing', async () => {
    const error = await startEmbeddedRedis({ binary: 'redis-server-that-is-not-there' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EmbeddedRedisError);
    expect((error as Error).message).toMatch(
      /no REDIS_URL and no "redis-server-that-is-not-there" on PATH: install Redis .* or set REDIS_URL/,
    );
  });
});
