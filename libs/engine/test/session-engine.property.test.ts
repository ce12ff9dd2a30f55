import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { defaultTokenCounter, PriceTable, type AcceptedEvent } from '@threadline/core';
import { MemorySessionStore, type SessionStore } from '@threadline/store';
import { SessionEngine } from '../src/session-engine.ts';

const key = { tenant: 't', sessionId: 's' };
const meter = { tokens: defaultTokenCounter, prices: new PriceTable() };

const eventArb = (i: number): fc.Arbitrary<AcceptedEvent> =>
  fc
    .oneof(
      fc.string({ maxLength: 60 }).map((content) => ({ type: 'user_message' as const, content })),
      fc
        .record({
          content: fc.string({ maxLength: 60 }),
          model: fc.constantFrom('gpt-4o', 'gpt-4', 'unknown-model'),
        })
        .map((e) => ({ type: 'assistant_message' as const, ...e })),
      fc
        .record({
          tool: fc.constantFrom('a', 'b'),
          error: fc.option(fc.constant('boom'), { nil: null }),
        })
        .map((e) => ({ type: 'tool_call' as const, arguments: { i }, result: { ok: i }, ...e })),
    )
    .map(
      (e) =>
        ({
          ...e,
          sessionId: 's',
          eventId: `e${i}`,
          occurredAt: '2026-03-01T00:00:00.000Z',
        }) as AcceptedEvent,
    );

const history = fc
  .integer({ min: 1, max: 40 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => eventArb(i))));

async function applyAll(batches: AcceptedEvent[][]) {
  const store = new MemorySessionStore();
  const engine = new SessionEngine({ store, meter });
  await engine.createSession(
    key,
    { infiniteContext: true, maxTurnsPerSegment: 3, tokenThreshold: 200 },
    '2026-03-01T00:00:00.000Z',
  );
  for (const batch of batches) await engine.applyBatch(key, batch);
  return store;
}

describe('the engine, for every history', () => {
  it('applies each eventId once and in order, however the events are batched and resent', async () => {
    await fc.assert(
      fc.asyncProperty(
        history,
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 10 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        async (events, sizes, resends) => {
          const once = await applyAll([events]);
          // Cut into batches of the given sizes and resend some earlier events inside later batches.
          const batches: AcceptedEvent[][] = [];
          let at = 0;
          for (let i = 0; at < events.length; i++) {
            const size = sizes[i % sizes.length]!;
            const batch = events.slice(at, at + size);
            const resend = resends[i];
            if (resend !== undefined && at > 0) batch.unshift(events[resend % at]!);
            batches.push(batch);
            at += size;
          }
          const chopped = await applyAll(batches);
          const [a, b] = await Promise.all([
            once.readEvents(key, 0, 1000),
            chopped.readEvents(key, 0, 1000),
          ]);
          expect(b.map((r) => r.eventId)).toEqual(events.map((e) => e.eventId));
          expect(b).toEqual(a);
          // Each store's session is a life of its own (a random token); everything else is equal.
          const lifeless = async (store: SessionStore) => {
            const { context } = (await store.load(key))!.session;
            const inFlight = context.inFlight && { ...context.inFlight, life: '' };
            return { ...context, life: '', inFlight };
          };
          expect(await lifeless(chopped)).toEqual(await lifeless(once));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps session totals equal to the sum of the events as measured once', async () => {
    await fc.assert(
      fc.asyncProperty(history, async (events) => {
        const store = await applyAll([events]);
        const records = await store.readEvents(key, 0, 1000);
        const totals = (await store.load(key))!.session.context.totals;
        const sum = (f: (r: (typeof records)[number]) => number) =>
          records.reduce((n, r) => n + f(r), 0);
        expect(totals.contextTokens).toBe(sum((r) => r.contextTokens));
        expect(totals.promptTokens).toBe(sum((r) => r.promptTokens));
        expect(totals.completionTokens).toBe(sum((r) => r.completionTokens));
        expect(totals.costNano).toBe(sum((r) => r.costNano));
        expect(Number.isInteger(totals.costNano)).toBe(true);
        expect(totals.toolCalls).toBe(records.filter((r) => r.type === 'tool_call').length);
      }),
      { numRuns: 60 },
    );
  });
});
