import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { createExtractiveSummarizer, defaultTokenCounter, type Summarizer } from '@threadline/core';
import { EmbeddedRuntime, SessionManager } from '@threadline/sdk';
import { deleteKeysWithPrefix, uniquePrefix } from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';
import { startInProcessFleet, type InProcessFleet } from './fleet.ts';

const url = testRedisUrl();
const prefix = uniquePrefix('diff');
let fleet: InProcessFleet;

beforeAll(async () => {
  fleet = await startInProcessFleet({ url, prefix, partitions: 4 });
});

afterAll(async () => {
  await fleet?.close();
  const redis = new Redis(url);
  await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
});

type Step =
  | { kind: 'user'; text: string }
  | { kind: 'ai'; text: string; model: string }
  | {
      kind: 'tool';
      tool: string;
      args: Record<string, number>;
      result: string | null;
      error: string | null;
    }
  | { kind: 'prompt'; text: string };

const words = fc.array(
  fc.constantFrom(
    'Paris',
    'budget',
    '42',
    'EUR',
    'please',
    'book',
    'why?',
    'we decided',
    'on Monday',
    'Ada',
    '🚄',
    'café',
  ),
  {
    minLength: 0,
    maxLength: 12,
  },
);
const text = words.map((w) => w.join(' '));
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: text.map((t) => ({ kind: 'user' as const, text: t })) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('ai' as const),
      text,
      model: fc.constantFrom('gpt-4o-mini', 'gpt-4.1', 'gpt-4', 'claude-sonnet-4'),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('tool' as const),
      tool: fc.constantFrom('search', 'calc'),
      args: fc.dictionary(fc.constantFrom('a', 'b'), fc.integer()),
      result: fc.option(text, { nil: null }),
      error: fc.option(fc.constantFrom('timeout', 'not found'), { nil: null }),
    }),
  },
  { weight: 1, arbitrary: text.map((t) => ({ kind: 'prompt' as const, text: t })) },
);
const conversation = fc.record({
  steps: fc.array(step, { minLength: 1, maxLength: 30 }),
  maxTurnsPerSegment: fc.integer({ min: 1, max: 6 }),
  tokenThreshold: fc.integer({ min: 20, max: 400 }),
  infiniteContext: fc.boolean(),
  systemPrompt: fc.option(text, { nil: undefined }),
  /**
   * When summaries land. `each`: before the next event (one summary per seal). `burst`: only
   * after the whole conversation, so the first summary covers the first sealed segment and one
   * catch-up request covers the ones sealed while it was held. Either way both runtimes see the
   * same order of seals and answers; in between, which segments share a catch-up depends on the
   * summarizer's speed, which is not what this test compares.
   */
  summaries: fc.constantFrom('each' as const, 'burst' as const),
});

/** A summarizer held until `release()`: the extractive one, like the fleet's. */
function heldSummarizer() {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const extractive = createExtractiveSummarizer(defaultTokenCounter);
  const summarizer: Summarizer = {
    summarize: async (input) => {
      await gate;
      return extractive.summarize(input);
    },
  };
  return { summarizer, release };
}

async function play(
  sm: SessionManager,
  steps: Step[],
  settle: (() => Promise<void>) | null,
): Promise<void> {
  for (const s of steps) {
    if (s.kind === 'user') await sm.userSays(s.text);
    else if (s.kind === 'ai') await sm.aiResponds(s.text, { model: s.model });
    else if (s.kind === 'tool') await sm.toolUsed(s.tool, s.args, s.result, s.error);
    else await sm.updateSystemPrompt(s.text);
    if (settle) await settle();
  }
}

/** Everything that must match, without what differs by nature (clock times, generated ids). */
function comparable(value: unknown): unknown {
  const volatile = new Set([
    'occurredAt',
    'timestamp',
    'createdAt',
    'openedAt',
    'sealedAt',
    'lastUpdate',
    'eventId',
    'tool_call_id',
  ]);
  return JSON.parse(
    JSON.stringify(value, (k, v) =>
      volatile.has(k) || (k === 'id' && typeof v === 'string' && v.startsWith('call_'))
        ? undefined
        : v,
    ),
  );
}

describe('the distributed runtime against the embedded one', () => {
  it('gives equal chains, summaries, stats and messages for random conversations', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(conversation, async (c) => {
        run += 1;
        const options = {
          sessionId: `diff-${run}-${Date.now()}`,
          infiniteContext: c.infiniteContext,
          maxTurnsPerSegment: c.maxTurnsPerSegment,
          tokenThreshold: c.tokenThreshold,
          systemPrompt: c.systemPrompt,
        };
        const held = heldSummarizer();
        const embedded = new EmbeddedRuntime(
          c.summaries === 'burst' ? { summarizer: held.summarizer } : {},
        );
        const a = new SessionManager({ ...options, runtime: embedded });
        const b = new SessionManager({ ...options, runtime: fleet.runtime });
        if (c.summaries === 'each') {
          await play(a, c.steps, () => embedded.idle());
          await play(b, c.steps, async () => {
            await b.getStats();
            await fleet.runtime.idle();
          });
        } else {
          await Promise.all(fleet.summarizers.map((s) => s.worker.pause()));
          await play(a, c.steps, null);
          await play(b, c.steps, null);
          await b.getStats();
          held.release();
          for (const s of fleet.summarizers) s.worker.resume();
        }
        await embedded.idle();
        await b.getStats();
        await fleet.runtime.idle();
        expect(comparable(await b.getChain())).toEqual(comparable(await a.getChain()));
        expect(comparable(await b.getStats({ allSegments: true }))).toEqual(
          comparable(await a.getStats({ allSegments: true })),
        );
        expect(comparable(await b.getMessagesForLlm())).toEqual(
          comparable(await a.getMessagesForLlm()),
        );
        expect(comparable(await b.getMessagesForLlm({ budget: 120 }))).toEqual(
          comparable(await a.getMessagesForLlm({ budget: 120 })),
        );
        expect(
          comparable(await b.getConversation({ allSegments: true, includeTools: true })),
        ).toEqual(comparable(await a.getConversation({ allSegments: true, includeTools: true })));
      }),
      { numRuns: 25 },
    );
  }, 180_000);
});
