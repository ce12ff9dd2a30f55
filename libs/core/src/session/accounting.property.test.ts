import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { AcceptedEvent } from '../schemas/event.ts';
import { PriceTable } from '../pricing/price-table.ts';
import { TokenCounter } from '../tokens/token-counter.ts';
import { assembleContext } from '../context/messages-for-llm.ts';
import { renderEvent } from '../context/render-messages.ts';
import type { EventRecord } from './event-record.ts';
import type { Meter } from './measure-event.ts';
import { planBatch, sessionFromCreate } from './plan-batch.ts';
import type { SegmentRecord } from './segment.ts';

/**
 * The whole core path (create, measure, decide, seal) against the tokenizer: for any
 * conversation, the context's reported `used` is what the tokenizer counts for the messages it
 * rendered, and every segment's counter of context tokens is the sum of its events as the
 * tokenizer counts their rendered messages. The counts on each side come from different code:
 * the session's counters were summed event by event as they were applied, the reference counts
 * the rendered chat messages.
 */
const MODELS = ['gpt-4o-mini', 'gpt-4'] as const;
const tokens = new TokenCounter();
const meter: Meter = { tokens, prices: new PriceTable() };
const at = '2026-04-01T09:00:00.000Z';

beforeAll(() => tokens.prepare([...MODELS, 'gpt-4o']));

const text = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom('', ' ', 'Lisbon on May 12 for $950', '<|endoftext|>', 'ORD-77A\n\ttrain'),
);
const json = fc.jsonValue({ maxDepth: 2 });
const spec = fc.oneof(
  text.map((content) => ({ type: 'user_message' as const, content })),
  fc
    .record({
      content: text,
      model: fc.constantFrom(undefined, 'gpt-4o', 'gpt-4', 'some-other-model'),
      usage: fc.option(
        fc.record({
          promptTokens: fc.nat({ max: 5000 }),
          completionTokens: fc.nat({ max: 5000 }),
        }),
        { nil: undefined },
      ),
    })
    .map((e) => ({ type: 'assistant_message' as const, ...e })),
  fc
    .record({
      tool: fc.constantFrom('search', 'lookup_order', 'calc'),
      arguments: fc.dictionary(fc.string({ maxLength: 8 }), json, { maxKeys: 3 }),
      result: json,
      error: fc.option(text, { nil: undefined }),
    })
    .map((e) => ({ type: 'tool_call' as const, ...e })),
);

/** What the tokenizer counts for an event as the context renders it. */
const counted = (record: EventRecord, model: string) =>
  renderEvent(record).reduce((sum, message) => sum + tokens.countMessage(message, model), 0);

describe('token accounting, for any conversation', () => {
  it("reports as used what the tokenizer counts of the rendered context, and keeps each segment's counters as the sum of its events", () => {
    fc.assert(
      fc.property(
        fc.array(spec, { minLength: 1, maxLength: 25 }),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 8 }),
        fc.record({
          defaultModel: fc.constantFrom(...MODELS),
          infiniteContext: fc.boolean(),
          maxTurnsPerSegment: fc.integer({ min: 2, max: 6 }),
          tokenThreshold: fc.integer({ min: 20, max: 600 }),
          systemPrompt: fc.option(text, { nil: undefined }),
        }),
        fc.option(fc.integer({ min: 0, max: 2000 }), { nil: null }),
        (specs, sizes, create, budget) => {
          const model = create.defaultModel;
          let session = sessionFromCreate('s', create, at, meter, 'l1');
          const events = specs.map(
            (s, i) => ({ ...s, sessionId: 's', eventId: `e${i}`, occurredAt: at }) as AcceptedEvent,
          );
          const records: EventRecord[] = [];
          const sealed: SegmentRecord[] = [];
          for (let i = 0, b = 0; i < events.length; b++) {
            const size = sizes[b % sizes.length]!;
            const plan = planBatch(session, events.slice(i, i + size), new Set(), meter);
            i += size;
            records.push(...plan.commit!.appendEvents);
            sealed.push(...plan.commit!.sealedSegments);
            session = plan.next;
          }
          const state = session.context;
          expect(records.map((r) => r.eventId)).toEqual(events.map((e) => e.eventId));

          // Each event as the tokenizer counts its rendered messages.
          for (const record of records)
            expect(record.contextTokens, record.eventId).toBe(counted(record, model));
          // Each segment, sealed or open, and the whole session: the sum of their events.
          const sumOf = (index: number | null) =>
            records
              .filter((r) => index === null || r.segmentIndex === index)
              .reduce((sum, r) => sum + counted(r, model), 0);
          for (const segment of sealed)
            expect(segment.counters.contextTokens, `segment ${segment.index}`).toBe(
              sumOf(segment.index),
            );
          expect(state.open.counters.contextTokens).toBe(sumOf(state.open.index));
          expect(state.totals.contextTokens).toBe(sumOf(null));
          expect(
            state.open.counters.events + sealed.reduce((n, s) => n + s.counters.events, 0),
          ).toBe(records.length);
          // The prompt as the tokenizer counts its system message.
          expect(state.systemPromptTokens).toBe(
            state.systemPrompt === null
              ? 0
              : tokens.countMessage({ role: 'system', content: state.systemPrompt }, model),
          );

          // The context: `used` is the tokenizer's count of what it rendered.
          const { messages, report } = assembleContext(
            state,
            [...records].reverse(),
            { budget },
            tokens,
          );
          expect(report.used).toBe(tokens.countMessages(messages, model));
          if (budget !== null && !report.overBudget)
            expect(report.used).toBeLessThanOrEqual(budget);
          if (budget === null) expect(report.includedEvents).toBe(records.length);
        },
      ),
      { numRuns: 120 },
    );
  });
});
