import { beforeAll, describe, expect, it } from 'vitest';
import type { AcceptedEvent } from '../schemas/event.ts';
import { PriceTable } from '../pricing/price-table.ts';
import { NANO_PER_USD } from '../pricing/money.ts';
import { TokenCounter } from '../tokens/token-counter.ts';
import type { EventRecord } from './event-record.ts';
import { planBatch, sessionFromCreate } from './plan-batch.ts';
import { addCounters, emptyCounters, type SegmentCounters } from './segment.ts';
import { sessionStats } from './session-stats.ts';

const tokens = new TokenCounter();
const meter = { tokens, prices: new PriceTable() };
const at = (s: number) => new Date(Date.UTC(2026, 3, 1, 9, 0, s)).toISOString();
beforeAll(() => tokens.prepare(['gpt-4o-mini', 'gpt-4o']));

describe('segment counters', () => {
  it('add field by field', () => {
    const a: SegmentCounters = {
      events: 1,
      turns: 2,
      userMessages: 3,
      assistantMessages: 4,
      toolCalls: 5,
      toolErrors: 6,
      contextTokens: 7,
      promptTokens: 8,
      completionTokens: 9,
      costNano: 10,
    };
    const b = Object.fromEntries(
      Object.entries(a).map(([k, v]) => [k, v * 100]),
    ) as unknown as SegmentCounters;
    expect(addCounters(a, b)).toEqual(
      Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v * 101])),
    );
    expect(addCounters(emptyCounters(), a)).toEqual(a);
  });
});

describe('session stats', () => {
  it('count the open segment, or every segment, from the events applied', () => {
    let session = sessionFromCreate(
      's',
      { infiniteContext: true, maxTurnsPerSegment: 2, systemPrompt: 'be brief' },
      at(0),
      meter,
      'l1',
    );
    const events: AcceptedEvent[] = [
      { type: 'user_message', content: 'Book a train to Lisbon' },
      {
        type: 'assistant_message',
        content: 'Which day?',
        model: 'gpt-4o',
        usage: { promptTokens: 300, completionTokens: 20 },
      },
      { type: 'user_message', content: 'May 12, morning' },
      { type: 'tool_call', tool: 'trains', arguments: { to: 'Lisbon' }, result: { n: 3 } },
      { type: 'tool_call', tool: 'book', arguments: { id: 2 }, error: 'sold out' },
      { type: 'assistant_message', content: 'The 9:40 is sold out; the 11:10 has seats.' },
    ].map(
      (e, i) =>
        ({ ...e, sessionId: 's', eventId: `e${i}`, occurredAt: at(i + 1) }) as AcceptedEvent,
    );
    const records: EventRecord[] = [];
    for (const e of events) {
      const plan = planBatch(session, [e], new Set(), meter);
      records.push(...plan.commit!.appendEvents);
      session = plan.next;
    }
    const state = session.context;
    expect(state.open.index).toBe(1);

    const expected = (rs: EventRecord[]) => {
      const sum = (f: (r: EventRecord) => number) => rs.reduce((n, r) => n + f(r), 0);
      const promptTokens = sum((r) => r.promptTokens);
      const completionTokens = sum((r) => r.completionTokens);
      const costNano = sum((r) => r.costNano);
      return {
        totalMessages: rs.filter((r) => r.type !== 'tool_call').length,
        userMessages: rs.filter((r) => r.type === 'user_message').length,
        aiMessages: rs.filter((r) => r.type === 'assistant_message').length,
        toolCalls: rs.filter((r) => r.type === 'tool_call').length,
        toolErrors: rs.filter((r) => r.error !== null).length,
        events: rs.length,
        promptTokens,
        completionTokens,
        totalTokens: promptTokens + completionTokens,
        contextTokens: sum((r) => r.contextTokens),
        costNano,
        estimatedCost: costNano / NANO_PER_USD,
      };
    };
    const open = sessionStats(state, session.value);
    const openRecords = records.filter((r) => r.segmentIndex === 1);
    expect(openRecords.length).toBeGreaterThan(2);
    expect(open).toMatchObject({
      sessionId: 's',
      state: session.value,
      scope: 'current_segment',
      sessionSegments: 2,
      sessionChain: ['s.s0', 's.s1'],
      currentSegmentId: 's.s1',
      createdAt: at(0),
      lastUpdate: at(6),
      infiniteContext: true,
      tokenThreshold: state.config.tokenThreshold,
      maxTurnsPerSegment: 2,
      summaries: { ...state.summaries, pending: state.pending.length },
      ...expected(openRecords),
    });
    expect(open.toolErrors).toBe(1);
    expect(open.estimatedCost).toBeGreaterThan(0);
    const all = sessionStats(state, session.value, true);
    expect(all).toMatchObject({ scope: 'all_segments', sessionSegments: 2, ...expected(records) });
    expect(all.promptTokens).toBeGreaterThan(300);
  });
});
