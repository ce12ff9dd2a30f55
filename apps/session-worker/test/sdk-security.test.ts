import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { defaultTokenCounter, LIMITS } from '@threadline/core';
import { SessionNotFoundError } from '@threadline/engine';
import { deleteKeysWithPrefix, dumpKeys, globEscape, uniquePrefix } from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';
import {
  getConversationHistory,
  getSessionStats,
  RedisRuntime,
  SessionManager,
  WaitTimeoutError,
} from '@threadline/sdk';
import { startSessionWorker, type SessionWorkerHandle } from '../src/index.ts';

/**
 * The SDK (libs/sdk) on the distributed runtime, with a session worker in this process (which is
 * why these tests live here: libs/sdk may not depend on the worker). Two tenants on one Redis: a
 * SessionManager (and the simple helpers) on a RedisRuntime bound to one tenant reaches that
 * tenant's sessions only, whatever session id it names. And hostile content is stored exactly.
 * The SDK's refusals, which need no worker, are in libs/sdk/test/hostile-input.test.ts.
 */
const url = testRedisUrl();
const topology = { prefix: uniquePrefix('sdk-security'), partitions: 4 };
let worker: SessionWorkerHandle;
let runtimes: Record<'a' | 'b', RedisRuntime>;
let redis: Redis;

beforeAll(async () => {
  await defaultTokenCounter.prepare(['gpt-4o-mini', 'gpt-4o']);
  worker = await startSessionWorker({
    redis: { url },
    topology,
    lockDurationMs: 3000,
    stalledIntervalMs: 1000,
  });
  runtimes = {
    a: new RedisRuntime({ url, topology, tenant: 'tenant-a' }),
    b: new RedisRuntime({ url, topology, tenant: 'tenant-b' }),
  };
  redis = new Redis(url);
});
afterAll(async () => {
  await Promise.all(Object.values(runtimes ?? {}).map((r) => r.close()));
  await worker?.close();
  if (redis) {
    await deleteKeysWithPrefix(redis, topology.prefix);
    await redis.quit();
  }
});

describe('tenant isolation through the SDK (RedisRuntime bound to a tenant)', () => {
  for (const [victimName, intruderName] of [
    ['b', 'a'],
    ['a', 'b'],
  ] as const) {
    it(`gives ${intruderName}'s SessionManager and helpers none of ${victimName}'s session of the same id, and leaves ${victimName}'s keys unchanged`, async () => {
      const victimRuntime = runtimes[victimName];
      const intruderRuntime = runtimes[intruderName];
      const secret = `secret-${victimName}-${randomBytes(6).toString('hex')}`;
      const sessionId = `shared-${randomBytes(4).toString('hex')}`;

      const victim = new SessionManager({
        runtime: victimRuntime,
        sessionId,
        systemPrompt: `${secret} prompt`,
        metadata: { tag: secret },
      });
      await victim.userSays(`${secret} said`);
      await victim.toolUsed(`${secret}-tool`, { q: secret }, { r: secret });
      await victim.aiResponds(`${secret} answered`, { model: 'gpt-4o' });
      const victimStats = await victim.getStats();
      expect(victimStats.toolCalls).toBe(1);
      const victimKeys = `${globEscape(topology.prefix)}:{tenant-${victimName}:*`;
      const before = await dumpKeys(redis, victimKeys);
      expect(Object.keys(before).length).toBeGreaterThanOrEqual(3);
      const lastVictimEvent = (await victim.getConversation({ includeTools: true })).at(
        -1,
      )!.eventId!;

      // The helpers read by id: for the intruder's tenant, there is no such session.
      await expect(getSessionStats(sessionId, { runtime: intruderRuntime })).rejects.toThrow(
        SessionNotFoundError,
      );
      await expect(getConversationHistory(sessionId, { runtime: intruderRuntime })).rejects.toThrow(
        SessionNotFoundError,
      );
      // Waiting for the victim's event never sees it applied: for the intruder's tenant there
      // is no such session (the one waitFor of every front door says so).
      await expect(
        intruderRuntime.waitFor(sessionId, lastVictimEvent, { timeoutMs: 100 }),
      ).rejects.toThrow(SessionNotFoundError);

      // A manager with the same id opens the intruder's own session: empty, then only its own.
      const intruder = new SessionManager({ runtime: intruderRuntime, sessionId });
      expect(await intruder.getConversation({ allSegments: true, includeTools: true })).toEqual([]);
      expect(await intruder.getSystemPrompt()).toBeNull();
      await intruder.userSays('intrusion');
      await intruder.toolUsed('probe', { sessionId }, null);
      await intruder.updateSystemPrompt('intruder prompt');
      // Now the intruder has a session of that id: the victim's event is still never applied.
      await intruder.settle();
      await expect(
        intruderRuntime.waitFor(sessionId, lastVictimEvent, { timeoutMs: 100 }),
      ).rejects.toThrow(WaitTimeoutError);
      const seen = JSON.stringify([
        await intruder.getMessagesForLlm(),
        await intruder.getConversation({ allSegments: true, includeTools: true }),
        await intruder.getChain(),
        await intruder.getStats({ allSegments: true }),
        await getConversationHistory(sessionId, { runtime: intruderRuntime, includeTools: true }),
      ]);
      expect(seen).toContain('intrusion');
      expect(seen).not.toContain(secret);

      // The victim's keys are as they were, and the victim reads what it wrote, nothing more.
      expect(await dumpKeys(redis, victimKeys)).toEqual(before);
      const victimSees = JSON.stringify(await victim.getConversation({ includeTools: true }));
      expect(victimSees).toContain(`${secret} answered`);
      expect(victimSees).not.toContain('intrusion');
      expect(await victim.getSystemPrompt()).toBe(`${secret} prompt`);
      expect(await victim.getStats()).toEqual(victimStats);
    });
  }

  it('is no boundary for code that holds the runtime: its store and reader take any tenant (Redis access is full access)', async () => {
    const owner = new SessionManager({ runtime: runtimes.b, sessionId: 'readable-by-redis' });
    await owner.userSays('visible to anyone with the Redis connection');
    await owner.getStats();
    // Documented in SECURITY.md: only the HTTP API is a tenant boundary; an SDK user is trusted.
    const read = await runtimes.a.reader.conversation(
      { tenant: 'tenant-b', sessionId: 'readable-by-redis' },
      {},
    );
    expect(read.map((e) => e.content)).toEqual(['visible to anyone with the Redis connection']);
  });
});

describe('the SDK stores hostile content exactly', () => {
  it('reads back tool names, arguments, results and messages with braces, colons, NUL, unicode, Lua and 1000-deep JSON byte for byte', async () => {
    const nasty = [
      '{tenant-b:s}:state',
      '}{',
      'a:b:c',
      'nul\u0000inside',
      'café 会话 😀 \u202e',
      "redis.call('FLUSHALL') ]] --[[",
      '\r\n*1\r\n$8\r\nFLUSHALL\r\n',
      '\ud800 lone',
      '..',
      '%s %n',
      'x'.repeat(10 * 1024),
    ];
    let deep: unknown = nasty[0];
    for (let i = 0; i < 1000; i++)
      deep = i % 2 ? [deep] : { [nasty[i % nasty.length]!.slice(0, 30)]: deep };
    const sm = new SessionManager({ runtime: runtimes.a, sessionId: 'hostile-content' });
    const sent: Array<Record<string, unknown>> = [];
    for (const text of nasty) {
      const call = {
        tool: text.slice(0, LIMITS.nameMaxChars),
        arguments: { [text]: [text, { text }] },
        result: text,
        error: text,
      };
      await sm.toolUsed(call.tool, call.arguments, call.result, call.error, {
        [text.slice(0, 50)]: text.slice(0, 200),
      });
      sent.push(call);
      await sm.userSays(text);
      sent.push({ content: text });
    }
    await sm.toolUsed('deep', deep, { deep });
    sent.push({ tool: 'deep', arguments: deep, result: { deep } });
    await sm.getStats(); // waits for the last write
    const records = await runtimes.a.store.readEvents(
      { tenant: 'tenant-a', sessionId: 'hostile-content' },
      0,
      sent.length,
    );
    expect(records).toHaveLength(sent.length);
    records.forEach((record, i) => {
      for (const [field, value] of Object.entries(sent[i]!))
        expect(JSON.stringify(record[field as keyof typeof record]), `event ${i} ${field}`).toBe(
          JSON.stringify(value),
        );
    });
    const conversation = await sm.getConversation();
    expect(conversation.map((e) => e.content)).toEqual(nasty);
  });
});
