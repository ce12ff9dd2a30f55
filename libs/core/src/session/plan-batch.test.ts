import { nextSeqOf } from './session-state.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { PriceTable } from '../pricing/price-table.ts';
import { acceptEvents } from '../schemas/accept.ts';
import { defaultTokenCounter } from '../tokens/token-counter.ts';
import { planBatch, sessionFromCreate, splitConsumed } from './plan-batch.ts';
import type { Meter } from './measure-event.ts';

const meter: Meter = { tokens: defaultTokenCounter, prices: new PriceTable() };
const at = '2026-12-04T00:00:00.000Z';
let n = 0;
const users = (sessionId: string, ...contents: string[]) =>
  acceptEvents(
    contents.map((content) => ({ type: 'user_message', sessionId, content })),
    { now: at, newEventId: () => `e${++n}` },
  );

beforeAll(() => defaultTokenCounter.prepare(['gpt-4o-mini']));

describe('planBatch (pure: what the engine, the bench and the tests all use)', () => {
  it('skips consumed ids and ids repeated in the batch, keeping the first, in order', () => {
    const events = users('s', 'a', 'b', 'c');
    const repeated = [...events, { ...events[1]! }];
    const { fresh, skipped } = splitConsumed(repeated, new Set([events[0]!.eventId]));
    expect(fresh.map((e) => e.eventId)).toEqual([events[1]!.eventId, events[2]!.eventId]);
    expect(skipped).toEqual([events[0]!.eventId, events[1]!.eventId]);
  });

  it('plans nothing to write when every event was consumed before', () => {
    const current = sessionFromCreate('s', {}, at, meter, 'l1');
    const events = users('s', 'a');
    const plan = planBatch(current, events, new Set([events[0]!.eventId]), meter);
    expect(plan.commit).toBeNull();
    expect(plan.next).toBe(current);
    expect(plan.effects).toEqual([]);
  });

  it('appends the fresh events with contiguous seqs and consumes exactly their ids', () => {
    const current = sessionFromCreate('s', { systemPrompt: 'Be brief.' }, at, meter, 'l1');
    const events = users('s', 'one', 'two');
    const plan = planBatch(current, events, new Set(), meter);
    expect(plan.commit!.appendEvents.map((r) => [r.seq, r.content])).toEqual([
      [0, 'one'],
      [1, 'two'],
    ]);
    expect(plan.commit!.eventIds).toEqual(events.map((e) => e.eventId));
    expect(nextSeqOf(plan.next.context)).toBe(2);
    expect(plan.commit!.session).toBe(plan.next);
    // Pure: the session it was given is unchanged.
    expect(nextSeqOf(current.context)).toBe(0);
  });

  it('seals a full segment into the commit and asks for its summary as an effect', () => {
    const current = sessionFromCreate(
      's',
      { infiniteContext: true, maxTurnsPerSegment: 2 },
      at,
      meter,
      'l1',
    );
    const plan = planBatch(current, users('s', 'a', 'b', 'c'), new Set(), meter);
    expect(plan.commit!.sealedSegments.map((s) => s.index)).toEqual([0]);
    expect(plan.effects.some((e) => e.type === 'requestSummary')).toBe(true);
    expect(plan.next.value).toBe('summarizing');
  });

  it('takes a blank prompt as none, and the predecessor’s metadata.system_prompt when none is given', () => {
    expect(
      sessionFromCreate('s', { systemPrompt: '   ' }, at, meter, 'l1').context.systemPrompt,
    ).toBe(null);
    const fromMeta = sessionFromCreate(
      's',
      { metadata: { system_prompt: 'Hi.' } },
      at,
      meter,
      'l1',
    );
    expect(fromMeta.context.systemPrompt).toBe('Hi.');
    expect(fromMeta.context.systemPromptTokens).toBeGreaterThan(0);
  });
});
