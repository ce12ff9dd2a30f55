import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteKeysWithPrefix, TEST_REDIS_URL_ENV, uniquePrefix } from '../src/index.ts';
import { testRedisUrl } from '../src/vitest.ts';

let redis: Redis;
const prefix = uniquePrefix('redis-keys');

beforeAll(() => {
  redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

describe('the run-wide test Redis', () => {
  it('is handed to test files by the global setup and answers PING', async () => {
    expect(testRedisUrl()).toMatch(/^rediss?:\/\//);
    expect(await redis.ping()).toBe('PONG');
  });

  it('is not the machine Redis on 6379 unless REDIS_URL says so', () => {
    if (process.env.REDIS_URL) return;
    expect(new URL(testRedisUrl()).port).not.toBe('6379');
  });

  it('is announced to child processes through THREADLINE_TEST_REDIS_URL', () => {
    expect(process.env[TEST_REDIS_URL_ENV]).toBe(testRedisUrl());
  });
});

describe('uniquePrefix', () => {
  it('makes a fresh prefix without colons from a label', () => {
    const a = uniquePrefix('chat session:1');
    const b = uniquePrefix('chat session:1');

    expect(a).toMatch(/^test-chat-session-1-[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    expect(uniquePrefix()).toMatch(/^test-[0-9a-f]{8}$/);
  });
});

describe('deleteKeysWithPrefix', () => {
  it('deletes every key under the prefix and nothing else', async () => {
    const mine = `${prefix}-mine`;
    const neighbour = `${prefix}-neighbour`;
    const pipeline = redis.pipeline();
    for (let i = 0; i < 2500; i++) pipeline.set(`${mine}:${i}`, i);
    pipeline.set(`${neighbour}:kept`, 'yes');
    await pipeline.exec();

    expect(await deleteKeysWithPrefix(redis, mine)).toBe(2500);

    expect(await redis.exists(`${mine}:0`, `${mine}:2499`)).toBe(0);
    expect(await redis.get(`${neighbour}:kept`)).toBe('yes');
  });

  it('treats glob characters in the prefix literally', async () => {
    await redis.set(`${prefix}-glob-abc`, '1');

    expect(await deleteKeysWithPrefix(redis, `${prefix}-glob-?`)).toBe(0);
    expect(await redis.get(`${prefix}-glob-abc`)).toBe('1');
  });

  it('refuses an empty prefix, which would delete every key', async () => {
    await expect(deleteKeysWithPrefix(redis, '')).rejects.toThrow(/prefix is empty/);
  });
});
