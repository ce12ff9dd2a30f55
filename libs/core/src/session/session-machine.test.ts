import { describe, expect, it } from 'vitest';
import { decide, startSession, summaryInFlight, type PersistedSession } from './decide.ts';
import { newSessionState } from './session-state.ts';
import { SessionConfigSchema } from '../schemas/session-config.ts';
import type { MeasuredEvent } from './event-record.ts';
import type { SessionMachineEvent, SummaryAnswer } from './session-machine.ts';

let n = 0;
const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();

function measured(
  type: MeasuredEvent['type'],
  tokens = 10,
  extra: Partial<MeasuredEvent> = {},
): MeasuredEvent {
  n += 1;
  return {
    eventId: `e${n}`,
    type,
    occurredAt: at(n),
    metadata: {},
    content: type === 'tool_call' ? null : `text ${n}`,
    model: null,
    provider: null,
    usage: null,
    tool: type === 'tool_call' ? 'search' : null,
    arguments: null,
    result: null,
    error: null,
    success: type === 'tool_call' ? true : null,
    contextTokens: tokens,
    promptTokens: tokens,
    completionTokens: 0,
    costNano: tokens * 150,
    ...extra,
  };
}
const turn = (tokens = 10): SessionMachineEvent => ({
  type: 'turn',
  event: measured('user_message', tokens),
});
const tool = (tokens = 10): SessionMachineEvent => ({
  type: 'tool',
  event: measured('tool_call', tokens),
});

function session(
  config: Partial<ReturnType<typeof SessionConfigSchema.parse>> = {},
): PersistedSession {
  return startSession(
    newSessionState({
      sessionId: 's1',
      config: SessionConfigSchema.parse({
        infiniteContext: true,
        maxTurnsPerSegment: 3,
        tokenThreshold: 1000,
        ...config,
      }),
      systemPrompt: 'be brief',
      systemPromptTokens: 6,
      metadata: {},
      parentId: null,
      createdAt: at(0),
    }),
  );
}

function answer(
  s: PersistedSession,
  segmentIndex: number,
  text = `summary ${segmentIndex}`,
): SessionMachineEvent {
  const answer: SummaryAnswer = {
    segmentIndex,
    segmentId: `s1.s${segmentIndex}`,
    text,
    kind: 'extractive',
    model: null,
    contextTokens: 12,
    promptTokens: 0,
    completionTokens: 0,
    costNano: 0,
    attempts: 0,
    fallbackReason: null,
    createdAt: at(999),
    eventId: `summary-${segmentIndex}-${s.context.nextSeq}`,
  };
  return { type: 'summary', answer };
}

describe('the session machine', () => {
  it('starts active with one open segment', () => {
    const s = session();
    expect(s.value).toBe('active');
    expect(s.context.open).toMatchObject({ index: 0, id: 's1.s0', fromSeq: 0 });
  });

  it('seals a segment only when a turn arrives after it reached maxTurnsPerSegment (check before adding, >=)', () => {
    const three = decide(session(), [turn(), turn(), turn()]);
    expect(three.next.value).toBe('active');
    expect(three.next.context.open.index).toBe(0);
    const four = decide(three.next, [turn()]);
    expect(four.next.value).toBe('summarizing');
    expect(four.next.context.open).toMatchObject({ index: 1, fromSeq: 3, parentId: 's1.s0' });
    expect(four.effects.map((e) => e.type)).toEqual([
      'sealSegment',
      'requestSummary',
      'appendEvent',
    ]);
    const appended = four.effects.find((e) => e.type === 'appendEvent');
    expect(appended?.params).toMatchObject({ record: { seq: 3, segmentIndex: 1 } });
  });

  it('seals by tokens once the open segment holds tokenThreshold tokens', () => {
    const r = decide(session({ tokenThreshold: 100, maxTurnsPerSegment: 100 }), [
      turn(60),
      turn(39),
      turn(5),
      turn(5),
    ]);
    // 60+39 = 99 < 100: the third turn joins; 104 >= 100: the fourth opens segment 1.
    expect(r.next.context.open.index).toBe(1);
    expect(r.next.context.pending[0]).toMatchObject({ segmentIndex: 0, fromSeq: 0, toSeq: 3 });
  });

  it('never seals because of a tool call', () => {
    const r = decide(session({ maxTurnsPerSegment: 1 }), [turn(), tool(), tool(), tool()]);
    expect(r.next.context.open.index).toBe(0);
    expect(r.next.context.open.counters).toMatchObject({ turns: 1, toolCalls: 3, events: 4 });
  });

  it('never segments when infinite context is off', () => {
    const r = decide(
      session({ infiniteContext: false, maxTurnsPerSegment: 1, tokenThreshold: 1 }),
      [turn(), turn(), turn()],
    );
    expect(r.next.context.open.index).toBe(0);
    expect(r.next.value).toBe('active');
  });

  it('queues summary requests in order and asks for one at a time, each rolling on the one before', () => {
    let s = session({ maxTurnsPerSegment: 1 });
    const r = decide(s, [turn(), turn(), turn(), turn()]);
    s = r.next;
    expect(s.context.pending.map((p) => p.segmentIndex)).toEqual([0, 1, 2]);
    expect(s.context.pending.map((p) => p.previousSummarySegmentIndex)).toEqual([null, 0, 1]);
    expect(r.effects.filter((e) => e.type === 'requestSummary')).toHaveLength(1);
    expect(summaryInFlight(s)?.segmentIndex).toBe(0);

    const first = decide(s, [answer(s, 0)]);
    expect(first.next.value).toBe('summarizing');
    expect(first.effects.map((e) => e.type)).toEqual(['attachSummary', 'requestSummary']);
    expect(first.effects[1]!.params).toMatchObject({ request: { segmentIndex: 1 } });
    expect(first.next.context.latestSummary).toMatchObject({ segmentIndex: 0, coversToSeq: 1 });
  });

  it('goes back to active through segmented once the last pending summary lands', () => {
    const s = decide(session({ maxTurnsPerSegment: 1 }), [turn(), turn()]).next;
    const r = decide(s, [answer(s, 0)]);
    expect(r.next.value).toBe('active');
    expect(r.next.context.pending).toEqual([]);
    expect(r.next.context.summaries).toMatchObject({ made: 1, extractive: 1 });
  });

  it('refuses a summary for a segment that is not the one waiting', () => {
    const s = decide(session({ maxTurnsPerSegment: 1 }), [turn(), turn(), turn()]).next;
    const r = decide(s, [answer(s, 1)]);
    expect(r.effects.map((e) => e.type)).toEqual(['summaryRejected']);
    expect(r.next.context.pending).toHaveLength(2);
    expect(r.next.context.latestSummary).toBeNull();
    expect(r.next.context.summaries.rejected).toBe(1);
    const idle = decide(session(), [answer(session(), 0)]);
    expect(idle.effects[0]).toMatchObject({
      type: 'summaryRejected',
      params: { reason: expect.stringContaining('no summary is pending') },
    });
  });

  it('keeps totals over every segment and counters of the open one', () => {
    const r = decide(session({ maxTurnsPerSegment: 2 }), [turn(10), tool(7), turn(10), turn(10)]);
    expect(r.next.context.totals).toMatchObject({
      events: 4,
      turns: 3,
      toolCalls: 1,
      contextTokens: 37,
    });
    expect(r.next.context.open.counters).toMatchObject({ events: 1, turns: 1, contextTokens: 10 });
  });

  it('changes the system prompt, and a blank one clears it', () => {
    const set = decide(session(), [
      {
        type: 'prompt',
        event: measured('system_prompt_updated', 0, { content: 'new' }),
        promptTokens: 5,
      },
    ]);
    expect(set.next.context).toMatchObject({
      systemPrompt: 'new',
      systemPromptTokens: 5,
      nextSeq: 1,
    });
    const blank = decide(set.next, [
      {
        type: 'prompt',
        event: measured('system_prompt_updated', 0, { content: '  ' }),
        promptTokens: 0,
      },
    ]);
    expect(blank.next.context).toMatchObject({ systemPrompt: null, systemPromptTokens: 0 });
  });
});
