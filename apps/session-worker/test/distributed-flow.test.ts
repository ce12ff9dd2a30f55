import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { EmbeddedRuntime, SessionManager } from '@threadline/sdk';
import { deleteKeysWithPrefix, uniquePrefix } from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';
import { startInProcessFleet, type InProcessFleet } from './fleet.ts';

const url = testRedisUrl();
const prefix = uniquePrefix('flow');
let fleet: InProcessFleet;

beforeAll(async () => {
  fleet = await startInProcessFleet({ url, prefix });
});

afterAll(async () => {
  await fleet?.close();
  const redis = new Redis(url);
  await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
});

describe('the distributed runtime', () => {
  it('records a conversation through the queues and reads it back in order', async () => {
    const sm = new SessionManager({ runtime: fleet.runtime, systemPrompt: 'Be brief.' });
    await sm.userSays('What is the capital of Norway?', { channel: 'web' });
    await sm.aiResponds('Oslo.', {
      model: 'gpt-4o',
      usage: { promptTokens: 20, completionTokens: 2 },
    });
    await sm.toolUsed('weather', { city: 'Oslo' }, { tempC: 4 });
    const messages = await sm.getMessagesForLlm();
    expect(messages.map((m) => m.role)).toEqual([
      'system',
      'user',
      'assistant',
      'assistant',
      'tool',
    ]);
    const stats = await sm.getStats();
    expect(stats).toMatchObject({ totalMessages: 2, toolCalls: 1, completionTokens: 2 });
  });

  it('segments and summarizes asynchronously, then shows the summary and the newer turns', async () => {
    const sm = new SessionManager({
      runtime: fleet.runtime,
      infiniteContext: true,
      maxTurnsPerSegment: 2,
    });
    await sm.userSays('I need 40 chairs for the wedding on 14 June.');
    await sm.aiResponds('Rental Co has 40 chairs at 3 EUR each.');
    const last = await sm.userSays('Book them please.');
    await sm.getStats({ waitFor: last });
    await fleet.runtime.idle();
    const messages = await sm.getMessagesForLlm();
    // No system prompt: the summary (conversation data, a user message), then the new turn.
    expect(messages.map((m) => m.role)).toEqual(['user', 'user']);
    expect(messages[0]!.content).toMatch(/40 chairs/);
    expect(messages[1]!.content).toBe('Book them please.');
    const chain = await sm.getChain();
    expect(chain.map((s) => s.status)).toEqual(['summarized', 'open']);
  });

  it('gives the same chain, stats and messages as the embedded runtime for the same events', async () => {
    const embedded = new EmbeddedRuntime();
    const script = async (sm: SessionManager) => {
      await sm.userSays('Plan a 3-day trip to Rome in April for 900 EUR.');
      await sm.aiResponds('Day 1: Colosseum (18 EUR). Day 2: Vatican (20 EUR).', {
        model: 'gpt-4.1',
      });
      await sm.toolUsed('hotels', { city: 'Rome' }, { name: 'Hotel Artemide', eur: 140 });
      await sm.userSays('Book Hotel Artemide please.');
      await sm.aiResponds('Booked for 3 nights: 420 EUR.');
      await sm.updateSystemPrompt('You are a travel agent.');
      await sm.userSays('And a restaurant for the last night?');
    };
    const options = { infiniteContext: true, maxTurnsPerSegment: 2, sessionId: `same-${prefix}` };
    const a = new SessionManager({ ...options, runtime: embedded });
    const b = new SessionManager({ ...options, runtime: fleet.runtime });
    await script(a);
    await script(b);
    await embedded.idle();
    await b.getStats();
    await fleet.runtime.idle();
    const strip = (value: unknown) =>
      JSON.parse(
        JSON.stringify(value, (k, v) =>
          k === 'occurredAt' ||
          k === 'timestamp' ||
          k === 'createdAt' ||
          k === 'openedAt' ||
          k === 'sealedAt' ||
          k === 'lastUpdate' ||
          k === 'eventId' ||
          k === 'tool_call_id' ||
          (k === 'id' && typeof v === 'string' && v.startsWith('call_'))
            ? undefined
            : v,
        ),
      );
    expect(strip(await b.getChain())).toEqual(strip(await a.getChain()));
    expect(strip(await b.getStats({ allSegments: true }))).toEqual(
      strip(await a.getStats({ allSegments: true })),
    );
    expect((await b.getMessagesForLlm()).map((m) => m.content)).toEqual(
      (await a.getMessagesForLlm()).map((m) => m.content),
    );
  });
});
