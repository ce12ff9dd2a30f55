import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assembleContext } from './messages-for-llm.ts';
import { renderEvent } from './render-messages.ts';
import { REPLY_PRIMING_TOKENS } from '../tokens/token-counter.ts';
import { newSessionState, type SessionState } from '../session/session-state.ts';
import { SessionConfigSchema } from '../schemas/session-config.ts';
import type { EventRecord } from '../session/event-record.ts';

function state(patch: Partial<SessionState> = {}): SessionState {
  return {
    ...newSessionState({
      sessionId: 's',
      config: SessionConfigSchema.parse({ infiniteContext: true }),
      systemPrompt: 'You are helpful.',
      systemPromptTokens: 8,
      metadata: {},
      parentId: null,
      createdAt: '2026-01-01T00:00:00.000Z',
    }),
    ...patch,
  };
}

function record(seq: number, type: EventRecord['type'], tokens: number): EventRecord {
  return {
    seq,
    segmentIndex: 0,
    eventId: `e${seq}`,
    type,
    occurredAt: '2026-01-01T00:00:00.000Z',
    metadata: {},
    content: type === 'tool_call' ? null : `message ${seq}`,
    model: null,
    provider: null,
    usage: null,
    tool: type === 'tool_call' ? 'lookup' : null,
    arguments: type === 'tool_call' ? { q: seq } : null,
    result: type === 'tool_call' ? { answer: seq } : null,
    error: null,
    success: type === 'tool_call' ? true : null,
    contextTokens: tokens,
    promptTokens: tokens,
    completionTokens: 0,
    costNano: 0,
  };
}

const newestFirst = (records: EventRecord[]) => [...records].reverse();

describe('context assembly', () => {
  it('puts the system prompt, then the latest summary, then every uncovered turn in order', () => {
    const s = state({
      nextSeq: 5,
      latestSummary: {
        segmentIndex: 0,
        segmentId: 's.s0',
        text: 'They planned a trip.',
        kind: 'llm',
        contextTokens: 9,
        coversToSeq: 2,
      },
    });
    const records = [2, 3, 4].map((i) =>
      record(i, i % 2 ? 'assistant_message' : 'user_message', 5),
    );
    const { messages, report } = assembleContext(s, newestFirst(records));
    expect(messages.map((m) => m.role)).toEqual(['system', 'system', 'user', 'assistant', 'user']);
    expect(messages[1]!.content).toContain('They planned a trip.');
    expect(messages.slice(2).map((m) => m.content)).toEqual([
      'message 2',
      'message 3',
      'message 4',
    ]);
    expect(report).toMatchObject({
      system: 8,
      summary: 9,
      turns: 15,
      used: 8 + 9 + 15 + REPLY_PRIMING_TOKENS,
      droppedEvents: 0,
    });
  });

  it('keeps the turns a pending summary will replace in the context', () => {
    // Segment 0 (seq 0-2) is sealed and its summary not back yet; segment 1 opened at seq 3.
    const s = state({ nextSeq: 5, open: { ...state().open, index: 1, fromSeq: 3 } });
    const records = [0, 1, 2, 3, 4].map((i) => record(i, 'user_message', 4));
    const { messages, report } = assembleContext(s, newestFirst(records));
    expect(messages.filter((m) => m.role === 'user')).toHaveLength(5);
    expect(report.pendingSummaryEvents).toBe(3);
  });

  it('leaves out the system prompt when asked and never emits a blank one', () => {
    expect(assembleContext(state(), [], { includeSystem: false }).messages).toEqual([]);
    expect(
      assembleContext(state({ systemPrompt: null, systemPromptTokens: 0 }), []).messages,
    ).toEqual([]);
  });

  it('renders a tool call as an assistant tool_calls message followed by its tool result', () => {
    const s = state({ nextSeq: 1 });
    const { messages } = assembleContext(s, [record(0, 'tool_call', 20)], { includeSystem: false });
    expect(messages).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_e0', type: 'function', function: { name: 'lookup', arguments: '{"q":0}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_e0', content: '{"answer":0}' },
    ]);
  });

  it('drops whole events from the oldest side to fit the budget', () => {
    const s = state({ nextSeq: 4 });
    const records = [
      record(0, 'user_message', 10),
      record(1, 'tool_call', 30),
      record(2, 'assistant_message', 10),
      record(3, 'user_message', 10),
    ];
    const budget = 8 + REPLY_PRIMING_TOKENS + 35;
    const { messages, report } = assembleContext(s, newestFirst(records), { budget });
    expect(messages.map((m) => m.role)).toEqual(['system', 'assistant', 'user']);
    expect(report).toMatchObject({ includedEvents: 2, droppedEvents: 2, overBudget: false });
    expect(report.used).toBeLessThanOrEqual(budget);
  });

  it('fits any budget without splitting a tool call from its result, newest events kept', () => {
    const kinds = fc.constantFrom<EventRecord['type']>(
      'user_message',
      'assistant_message',
      'tool_call',
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(kinds, fc.integer({ min: 1, max: 200 })), { maxLength: 40 }),
        fc.integer({ min: 0, max: 3000 }),
        (spec, budget) => {
          const records = spec.map(([type, tokens], i) => record(i, type, tokens));
          const s = state({ nextSeq: records.length });
          const { messages, report } = assembleContext(s, newestFirst(records), { budget });
          if (!report.overBudget) expect(report.used).toBeLessThanOrEqual(budget);
          messages.forEach((m, i) => {
            if (m.role === 'tool')
              expect(messages[i - 1]).toMatchObject({
                role: 'assistant',
                tool_calls: [{ id: m.tool_call_id }],
              });
            if (m.role === 'assistant' && m.tool_calls)
              expect(messages[i + 1]).toMatchObject({ role: 'tool' });
          });
          // What is kept is a suffix of the history: the newest events, whole.
          const suffix = records.slice(records.length - report.includedEvents);
          expect(messages.filter((m) => m.role !== 'system')).toEqual(suffix.flatMap(renderEvent));
          expect(report.includedEvents + report.droppedEvents).toBe(records.length);
        },
      ),
    );
  });

  it('reports over budget when the system prompt and summary alone do not fit', () => {
    const { messages, report } = assembleContext(
      state({ nextSeq: 1 }),
      [record(0, 'user_message', 5)],
      { budget: 5 },
    );
    expect(report.overBudget).toBe(true);
    expect(messages.map((m) => m.role)).toEqual(['system']);
  });
});
