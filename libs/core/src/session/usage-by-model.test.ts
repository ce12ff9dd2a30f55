import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { PriceTable } from '../pricing/price-table.ts';
import { acceptEvents } from '../schemas/accept.ts';
import { defaultTokenCounter } from '../tokens/token-counter.ts';
import type { EventRecord } from './event-record.ts';
import type { Meter } from './measure-event.ts';
import { planBatch, sessionFromCreate } from './plan-batch.ts';
import {
  breakdownOfCounters,
  emptyUsageTally,
  tallyUsage,
  usageBreakdown,
} from './usage-by-model.ts';

const meter: Meter = { tokens: defaultTokenCounter, prices: new PriceTable() };
const at = '2026-12-04T00:00:00.000Z';
let n = 0;

beforeAll(() => defaultTokenCounter.prepare(['gpt-4o-mini', 'gpt-4o', 'llama-3.1-70b']));

/** Applies `events` to a new session the way the engine does; the records and the totals. */
function apply(events: Record<string, unknown>[], defaultModel = 'gpt-4o-mini') {
  const session = sessionFromCreate('s', { defaultModel }, at, meter, 'l1');
  const accepted = acceptEvents(
    events.map((e) => ({ sessionId: 's', ...e })),
    { now: at, newEventId: () => `e${++n}` },
  );
  const plan = planBatch(session, accepted, new Set(), meter);
  return { records: plan.commit!.appendEvents, totals: plan.next.context.totals };
}

const breakdownOf = (records: EventRecord[], defaultModel = 'gpt-4o-mini') =>
  usageBreakdown(tallyUsage(emptyUsageTally(), records, defaultModel));

describe('usage by model', () => {
  it('splits tokens, cost and calls by the model each event is priced for', () => {
    const { records, totals } = apply([
      { type: 'user_message', content: 'Compare two hotels in Porto.' },
      { type: 'tool_call', tool: 'hotels', arguments: { city: 'Porto' }, result: ['A', 'B'] },
      {
        type: 'assistant_message',
        content: 'Hotel A is closer to the river.',
        model: 'gpt-4o',
        usage: { prompt_tokens: 412, completion_tokens: 38 },
      },
      { type: 'assistant_message', content: 'Both have breakfast.', model: 'gpt-4o' },
      { type: 'system_prompt_updated', content: 'Be brief.' },
    ]);
    const { usageByModel, unpricedModels } = breakdownOf(records);
    expect(Object.keys(usageByModel).sort()).toEqual(['gpt-4o', 'gpt-4o-mini']);
    expect(usageByModel['gpt-4o']).toMatchObject({ promptTokens: 412, calls: 2 });
    expect(usageByModel['gpt-4o']!.completionTokens).toBeGreaterThan(38);
    // The user message and the tool result are input to the session's model.
    expect(usageByModel['gpt-4o-mini']).toMatchObject({ calls: 0, completionTokens: 0 });
    expect(usageByModel['gpt-4o-mini']!.promptTokens).toBe(
      records[0]!.promptTokens + records[1]!.promptTokens,
    );
    expect(usageByModel['gpt-4o']!.cost).toBe(usageByModel['gpt-4o']!.costNano / 1e9);
    expect(unpricedModels).toEqual([]);
    const sum = (k: 'promptTokens' | 'completionTokens' | 'costNano') =>
      Object.values(usageByModel).reduce((s, u) => s + u[k], 0);
    expect([sum('promptTokens'), sum('completionTokens'), sum('costNano')]).toEqual([
      totals.promptTokens,
      totals.completionTokens,
      totals.costNano,
    ]);
  });

  it('counts an unknown model at no cost and lists it, instead of pricing it as another model', () => {
    const { records, totals } = apply([
      { type: 'user_message', content: 'Hello there.' },
      {
        type: 'assistant_message',
        content: 'Hi! How can I help?',
        model: 'llama-3.1-70b',
        usage: { input_tokens: 20, output_tokens: 7 },
      },
    ]);
    expect(records[1]).toMatchObject({ unpriced: true, costNano: 0, completionTokens: 7 });
    expect(records[0]!.unpriced).toBeUndefined();
    const { usageByModel, unpricedModels } = breakdownOf(records);
    expect(usageByModel['llama-3.1-70b']).toEqual({
      promptTokens: 20,
      completionTokens: 7,
      totalTokens: 27,
      cost: 0,
      costNano: 0,
      calls: 1,
    });
    expect(unpricedModels).toEqual(['llama-3.1-70b']);
    expect(totals.completionTokens).toBe(7);
  });

  it('flags user messages and tool calls too when the session model itself has no price', () => {
    const { records } = apply(
      [
        { type: 'user_message', content: 'What is 2 + 2?' },
        { type: 'tool_call', tool: 'calc', arguments: { q: '2+2' }, result: 4 },
      ],
      'my-local-model',
    );
    expect(records.map((r) => [r.unpriced, r.costNano])).toEqual([
      [true, 0],
      [true, 0],
    ]);
    expect(breakdownOf(records, 'my-local-model').unpricedModels).toEqual(['my-local-model']);
  });

  it('keeps a model named like an Object property as an ordinary key', () => {
    const { records } = apply([
      { type: 'assistant_message', content: 'x', model: '__proto__' },
      { type: 'assistant_message', content: 'y', model: 'constructor' },
    ]);
    const { usageByModel } = breakdownOf(records);
    expect(Object.keys(usageByModel)).toEqual(['__proto__', 'constructor']);
    expect(usageByModel['__proto__']!.calls).toBe(1);
    const kept = breakdownOfCounters(
      apply([{ type: 'assistant_message', content: 'x', model: '__proto__' }]).totals,
    )!;
    expect(Object.keys(kept.usageByModel)).toEqual(['__proto__']);
  });

  it('adds up to the totals for any mix of models, folded in any page size', () => {
    const models = ['gpt-4o', 'gpt-4o-mini', 'claude-3-5-haiku', 'llama-3.1-70b', 'mistral-large'];
    const event = fc.oneof(
      fc.record({ type: fc.constant('user_message'), content: fc.string({ maxLength: 40 }) }),
      fc.record({
        type: fc.constant('assistant_message'),
        content: fc.string({ maxLength: 40 }),
        model: fc.constantFrom(...models),
        usage: fc.option(
          fc.record({
            prompt_tokens: fc.nat({ max: 5000 }),
            completion_tokens: fc.nat({ max: 5000 }),
          }),
          { nil: undefined },
        ),
      }),
      fc.record({ type: fc.constant('tool_call'), tool: fc.constant('t'), result: fc.nat() }),
    );
    fc.assert(
      fc.property(
        fc.array(event, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 7 }),
        (events, pageSize) => {
          const { records, totals } = apply(events as Record<string, unknown>[]);
          const tally = emptyUsageTally();
          for (let i = 0; i < records.length; i += pageSize)
            tallyUsage(tally, records.slice(i, i + pageSize), 'gpt-4o-mini');
          const { usageByModel, unpricedModels } = usageBreakdown(tally);
          const all = Object.values(usageByModel);
          expect(all.reduce((s, u) => s + u.promptTokens, 0)).toBe(totals.promptTokens);
          expect(all.reduce((s, u) => s + u.completionTokens, 0)).toBe(totals.completionTokens);
          expect(all.reduce((s, u) => s + u.costNano, 0)).toBe(totals.costNano);
          expect(all.reduce((s, u) => s + u.calls, 0)).toBe(totals.assistantMessages);
          for (const model of unpricedModels) {
            expect(new PriceTable().resolve(model).priced).toBe(false);
            expect(usageByModel[model]!.costNano).toBe(0);
          }
          for (const model of Object.keys(usageByModel))
            expect(unpricedModels.includes(model)).toBe(!new PriceTable().resolve(model).priced);
          // What the state keeps as events are applied is what folding the events gives.
          expect(breakdownOfCounters(totals)).toEqual(usageBreakdown(tally));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('is kept by the session state, O(models) to read; counters persisted without it have none', () => {
    const { totals } = apply([
      { type: 'user_message', content: 'Hello.' },
      { type: 'assistant_message', content: 'Hi.', model: 'gpt-4o' },
      { type: 'system_prompt_updated', content: 'Be brief.' },
    ]);
    expect(totals.byModel!.map((m) => [m.model, m.calls])).toEqual([
      ['gpt-4o-mini', 0],
      ['gpt-4o', 1],
    ]);
    const { byModel: _kept, ...legacy } = totals;
    expect(breakdownOfCounters(legacy)).toBeNull();
  });
});
