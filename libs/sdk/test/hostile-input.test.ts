import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { ID_RULE, LIMITS, ValidationError, type AcceptedEvent } from '@threadline/core';
import { deleteKeysWithPrefix, dumpKeys, globEscape, uniquePrefix } from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';
import { RedisRuntime, SessionManager } from '../src/index.ts';

/**
 * The SDK on the distributed runtime: ids and payloads that could break a Redis key, a job id or
 * Lua are refused with a ValidationError naming the field and the rule before anything is written
 * (not even the session). That everything else is stored and read back exactly as given is in
 * apps/session-worker/test/sdk-security.test.ts (it needs a session worker).
 */
const url = testRedisUrl();
const topology = { prefix: uniquePrefix('sdk-hostile'), partitions: 4 };
let runtime: RedisRuntime;
let redis: Redis;
const everything = () => `${globEscape(topology.prefix)}*`;

beforeAll(() => {
  runtime = new RedisRuntime({ url, topology, tenant: 'tenant-s' });
  redis = new Redis(url);
});
afterAll(async () => {
  await runtime?.close();
  if (redis) {
    await deleteKeysWithPrefix(redis, topology.prefix);
    await redis.quit();
  }
});

const BAD_IDS = [
  'a{b',
  'a}b',
  '{tenant-b:s}',
  'a:b',
  'a b',
  'café',
  '😀',
  'a\u0000b',
  'a~b',
  '..',
  '.',
  '',
  'x'.repeat(10 * 1024),
];

/** What `run` throws, checked to be a ValidationError naming `path` with `rule`. */
async function refused(run: () => unknown, path: string, rule: string | RegExp): Promise<void> {
  let error: unknown = null;
  try {
    await run();
  } catch (e) {
    error = e;
  }
  expect(error, path).toBeInstanceOf(ValidationError);
  const issue = (error as ValidationError).issues.find((i) => i.path === path);
  expect(issue, `${path} in ${(error as Error).message}`).toBeDefined();
  if (typeof rule === 'string') expect(issue!.rule).toBe(rule);
  else expect(issue!.rule).toMatch(rule);
}

/** Runs `refusals` and checks that nothing under the prefix appeared or changed. */
async function nothingWritten(refusals: () => Promise<void>): Promise<void> {
  const before = await dumpKeys(redis, everything());
  await refusals();
  expect(await dumpKeys(redis, everything())).toEqual(before);
}

describe('the SDK refuses what is not an id', () => {
  it('as a session id (SessionManager) or a tenant (RedisRuntime), naming the field and the id rule, writing nothing', async () => {
    await nothingWritten(async () => {
      for (const bad of BAD_IDS) {
        if (bad !== '')
          await refused(
            () => new SessionManager({ runtime, sessionId: bad }),
            'options.sessionId',
            ID_RULE,
          );
        await refused(
          () => new SessionManager({ runtime, sessionId: 'fine', parentId: bad }),
          'options.parentId',
          ID_RULE,
        );
        await refused(() => new RedisRuntime({ url, topology, tenant: bad }), 'tenant', ID_RULE);
        // Events handed to the runtime directly meet the gateway's check (core's one rule).
        const event = {
          type: 'user_message',
          sessionId: bad,
          eventId: 'e',
          occurredAt: runtime.now(),
          content: 'x',
        };
        await refused(() => runtime.submit(bad, [event as AcceptedEvent]), 'sessionId', ID_RULE);
        await refused(
          () =>
            runtime.submit('fine', [
              { ...event, sessionId: 'fine', eventId: bad } as AcceptedEvent,
            ]),
          'events[0].eventId',
          ID_RULE,
        );
      }
    });
  });
});

describe('the SDK refuses a tool call over a limit', () => {
  it('naming the field and the rule, before the session is even created', async () => {
    await nothingWritten(async () => {
      const sm = new SessionManager({ runtime, sessionId: 'never-created' });
      let deep: unknown = 'bottom';
      for (let i = 0; i < 100_000; i++) deep = [deep];
      const cyclic: Record<string, unknown> = {};
      cyclic['self'] = cyclic;
      await refused(
        () => sm.toolUsed('x'.repeat(10 * 1024), {}, null),
        'event.tool',
        `expected a string of at most ${LIMITS.nameMaxChars} characters`,
      );
      await refused(() => sm.toolUsed('', {}, null), 'event.tool', /at least 1/);
      await refused(
        () => sm.toolUsed('t', { blob: 'x'.repeat(LIMITS.toolPayloadMaxBytes) }, null),
        'event.arguments',
        `expected arguments of at most ${LIMITS.toolPayloadMaxBytes} bytes as JSON`,
      );
      await refused(
        () => sm.toolUsed('t', {}, 'é'.repeat(LIMITS.toolPayloadMaxBytes / 2)),
        'event.result',
        /at most 262144 bytes/,
      );
      await refused(
        () => sm.toolUsed('t', deep, null),
        'event.arguments',
        'expected arguments that can be serialized as JSON',
      );
      await refused(
        () => sm.toolUsed('t', {}, cyclic),
        'event.result',
        'expected a result that can be serialized as JSON',
      );
      await refused(
        () => sm.toolUsed('t', {}, null, null, { blob: 'x'.repeat(LIMITS.metadataMaxBytes) }),
        'event.metadata',
        /at most 16384 bytes/,
      );
      await refused(
        () => sm.userSays('x'.repeat(LIMITS.contentMaxChars + 1)),
        'event.content',
        /at most 262144 characters/,
      );
    });
    await expect(
      runtime.reader.session({ tenant: 'tenant-s', sessionId: 'never-created' }),
    ).rejects.toThrow(/does not exist/);
  });
});
