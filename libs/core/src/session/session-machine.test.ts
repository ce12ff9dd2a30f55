import { nextSeqOf } from './session-state.ts';
import { describe, expect, it } from 'vitest';
import {
  decide,
  sessionFromStoredJson,
  sessionToStoredJson,
  sessionValueOf,
  startSession,
  summaryInFlight,
  type PersistedSession,
} from './decide.ts';
import { newSessionState } from './session-state.ts';
import { SessionConfigSchema } from '../schemas/session-config.ts';
import type { MeasuredEvent } from './event-record.ts';
import {
  HARD_CEILING_FACTOR,
  type SessionMachineEvent,
  type SummaryAnswer,
} from './session-machine.ts';
import { MAX_SEGMENTS_PER_SUMMARY } from './session-state.ts';

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
const reply = (tokens = 10): SessionMachineEvent => ({
  type: 'turn',
  event: measured('assistant_message', tokens),
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
      life: 'l1',
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
    items: [
      {
        key: `fact:${segmentIndex}`,
        section: 'facts',
        text,
        seq: 0,
        weight: 5,
        mentions: 0,
        age: 0,
      },
    ],
    kind: 'extractive',
    model: null,
    contextTokens: 12,
    promptTokens: 0,
    completionTokens: 0,
    costNano: 0,
    attempts: 0,
    fallbackReason: null,
    createdAt: at(999),
    eventId: `summary-${segmentIndex}-${nextSeqOf(s.context)}`,
  };
  return { type: 'summary', answer };
}

/**
 * Applies events one decision at a time, returning the last state and every effect. Each state
 * goes through the store's JSON (which keeps no state value) and must come back the same, its
 * value derived from its context.
 */
function run(start: PersistedSession, events: SessionMachineEvent[]) {
  let current = start;
  const effects: ReturnType<typeof decide>['effects'] = [];
  for (const event of events) {
    const d = decide(current, [event]);
    expect(d.next.value).toBe(sessionValueOf(d.next.context));
    expect(sessionFromStoredJson(sessionToStoredJson(d.next))).toEqual(d.next);
    current = d.next;
    effects.push(...d.effects);
  }
  return { next: current, effects };
}

const types = (effects: { type: string }[]) => effects.map((e) => e.type);

describe('the session machine', () => {
  it('starts active with one open segment', () => {
    const s = session();
    expect(s.value).toBe('active');
    expect(s.context.open).toMatchObject({
      index: 0,
      id: 's1.s0',
      fromSeq: 0,
      lastEventType: null,
    });
    expect(s.context.schemaVersion).toBe(3);
  });

  it('seals a full segment when the next user message arrives, which opens the new segment', () => {
    // maxTurnsPerSegment 3: user, assistant, user make it full; the assistant reply still joins it.
    const { next, effects } = run(session(), [turn(), reply(), turn(), reply(), turn()]);
    expect(next.value).toBe('summarizing');
    expect(next.context.open).toMatchObject({ index: 1, fromSeq: 4 });
    const sealed = effects.find((e) => e.type === 'sealSegment')!;
    expect(sealed.params).toMatchObject({ segment: { index: 0, fromSeq: 0, toSeq: 4 } });
    // The question starts the new segment; the answer before it stayed with its question.
    const appended = effects.filter((e) => e.type === 'appendEvent');
    expect(appended.at(-1)).toMatchObject({
      params: { record: { seq: 4, segmentIndex: 1, type: 'user_message' } },
    });
    expect(appended.at(-2)).toMatchObject({
      params: { record: { seq: 3, segmentIndex: 0, type: 'assistant_message' } },
    });
  });

  it('never seals before an assistant reply or a tool call while under the hard ceiling', () => {
    const { next, effects } = run(session({ maxTurnsPerSegment: 2 }), [
      turn(),
      reply(),
      reply(),
      tool(),
      reply(),
    ]);
    expect(types(effects)).not.toContain('sealSegment');
    expect(next.context.open.counters.turns).toBe(4);
  });

  it('seals by tokens exactly at tokenThreshold, not one token before', () => {
    const below = run(session({ tokenThreshold: 100, maxTurnsPerSegment: 1000 }), [
      turn(60),
      reply(39),
      turn(),
    ]);
    expect(types(below.effects)).not.toContain('sealSegment');
    const at = run(session({ tokenThreshold: 100, maxTurnsPerSegment: 1000 }), [
      turn(60),
      reply(40),
      turn(),
    ]);
    expect(types(at.effects)).toContain('sealSegment');
  });

  it('seals by turns exactly at maxTurnsPerSegment, not one turn before', () => {
    expect(
      types(run(session({ maxTurnsPerSegment: 3 }), [turn(), reply(), turn()]).effects),
    ).not.toContain('sealSegment');
    expect(
      types(run(session({ maxTurnsPerSegment: 3 }), [turn(), reply(), reply(), turn()]).effects),
    ).toContain('sealSegment');
  });

  it('seals an exchange that never ends at the hard ceiling, before a tool call', () => {
    const threshold = 100;
    const loop = [turn(10), reply(50), tool(50), tool(50), tool(50)];
    const { next, effects } = run(
      session({ tokenThreshold: threshold, maxTurnsPerSegment: 1000 }),
      loop,
    );
    // Before the fifth event the segment holds 160 < 200 tokens: no seal; after it, 210.
    expect(types(effects)).not.toContain('sealSegment');
    const more = run(next, [tool(50)]);
    expect(HARD_CEILING_FACTOR * threshold).toBe(200);
    expect(types(more.effects)).toEqual(['sealSegment', 'requestSummary', 'appendEvent']);
    expect(more.next.context.open.fromSeq).toBe(5);
  });

  it('seals at the hard ceiling exactly at its token count, not one token before', () => {
    // 10 + 50 + 50 + 50 = 160 tokens; the fifth event brings the segment to 199 or to 200.
    const start = () => session({ tokenThreshold: 100, maxTurnsPerSegment: 1000 });
    const head = () => [turn(10), reply(50), tool(50), tool(50)];
    const below = run(start(), [...head(), tool(39), tool(10)]);
    expect(below.next.context.open.counters.contextTokens).toBe(209);
    expect(types(below.effects)).not.toContain('sealSegment');
    const at = run(start(), [...head(), tool(40), tool(10)]);
    expect(types(at.effects)).toContain('sealSegment');
    expect(at.next.context.open.fromSeq).toBe(5);
  });

  it('seals at the hard ceiling exactly at its number of turns, not one turn before', () => {
    const start = () => session({ tokenThreshold: 1_000_000, maxTurnsPerSegment: 2 });
    // The ceiling is 4 turns: a user message and replies that never end.
    const below = run(start(), [turn(), reply(), reply(), tool()]);
    expect(types(below.effects)).not.toContain('sealSegment');
    const at = run(start(), [turn(), reply(), reply(), reply(), tool()]);
    expect(types(at.effects)).toContain('sealSegment');
  });

  it('never seals between a tool result and the assistant reply that uses it', () => {
    const { next } = run(session({ tokenThreshold: 50, maxTurnsPerSegment: 1000 }), [
      turn(10),
      tool(200),
    ]);
    const after = run(next, [reply(10)]);
    expect(types(after.effects)).toEqual(['appendEvent']);
    // The next tool call, or a user message, may seal.
    expect(types(run(after.next, [tool(10)]).effects)).toContain('sealSegment');
  });

  it('never seals because of a prompt change', () => {
    const full = run(session({ maxTurnsPerSegment: 1 }), [turn()]).next;
    const prompt: SessionMachineEvent = {
      type: 'prompt',
      event: measured('system_prompt_updated', 0, { content: 'new prompt' }),
      promptTokens: 5,
    };
    expect(types(decide(full, [prompt]).effects)).toEqual(['appendEvent']);
  });

  it('never segments when infinite context is off', () => {
    const { next, effects } = run(session({ infiniteContext: false, maxTurnsPerSegment: 1 }), [
      turn(),
      reply(),
      turn(),
      reply(),
      turn(),
    ]);
    expect(types(effects)).not.toContain('sealSegment');
    expect(next.context.open.index).toBe(0);
  });

  it('adds each landed summary to the session totals by kind, with what making it cost', () => {
    const { next } = run(session({ maxTurnsPerSegment: 1 }), [turn(), turn(), turn(), turn()]);
    const llm = answer(next, 0);
    if (llm.type !== 'summary') throw new Error('not a summary');
    Object.assign(llm.answer, {
      kind: 'llm',
      promptTokens: 700,
      completionTokens: 90,
      costNano: 5_000,
    });
    const first = decide(next, [llm]).next;
    expect(first.context.summaries).toEqual({
      made: 1,
      llm: 1,
      extractive: 0,
      custom: 0,
      rejected: 0,
      promptTokens: 700,
      completionTokens: 90,
      costNano: 5_000,
    });
    const custom = answer(first, 2);
    if (custom.type !== 'summary') throw new Error('not a summary');
    Object.assign(custom.answer, {
      kind: 'custom',
      promptTokens: 11,
      completionTokens: 3,
      costNano: 70,
    });
    expect(decide(first, [custom]).next.context.summaries).toEqual({
      made: 2,
      llm: 1,
      extractive: 0,
      custom: 1,
      rejected: 0,
      promptTokens: 711,
      completionTokens: 93,
      costNano: 5_070,
    });
  });

  it('asks for one summary at a time; segments sealed meanwhile wait for one catch-up request', () => {
    const s = session({ maxTurnsPerSegment: 1 });
    const { next, effects } = run(s, [turn(), turn(), turn(), turn()]);
    // Three seals; only the first asked for a summary.
    expect(types(effects).filter((t) => t === 'sealSegment')).toHaveLength(3);
    const requests = effects.filter((e) => e.type === 'requestSummary');
    expect(requests).toHaveLength(1);
    expect(next.context.inFlight).toMatchObject({
      segmentIndex: 0,
      firstSegmentIndex: 0,
      fromSeq: 0,
      toSeq: 1,
    });
    expect(next.context.pending.map((p) => p.index)).toEqual([0, 1, 2]);

    // The first summary lands: one request now covers segments 1 and 2, rolling on summary 0.
    const landed = decide(next, [answer(next, 0)]);
    expect(types(landed.effects)).toEqual(['attachSummary', 'requestSummary']);
    expect(summaryInFlight(landed.next)).toEqual({
      sessionId: 's1',
      life: 'l1',
      segmentIndex: 2,
      segmentId: 's1.s2',
      firstSegmentIndex: 1,
      fromSeq: 1,
      toSeq: 3,
      previousSummarySegmentIndex: 0,
      model: 'gpt-4o-mini',
      maxTokens: 400,
      sealedAt: expect.any(String),
    });
    expect(landed.next.value).toBe('summarizing');

    // The catch-up lands: everything is covered, nothing waits.
    const caught = decide(landed.next, [answer(landed.next, 2)]);
    expect(caught.next.value).toBe('active');
    expect(caught.next.context.pending).toEqual([]);
    expect(caught.next.context.inFlight).toBeNull();
    expect(caught.next.context.latestSummary).toMatchObject({ segmentIndex: 2, coversToSeq: 3 });
    const attached = caught.effects.find((e) => e.type === 'attachSummary')!;
    expect(attached.params).toMatchObject({
      summary: { segmentIndex: 2, firstSegmentIndex: 1, fromSeq: 1, coversToSeq: 3 },
    });
  });

  it(`covers at most ${MAX_SEGMENTS_PER_SUMMARY} segments in one catch-up request`, () => {
    const s = session({ maxTurnsPerSegment: 1 });
    const burst = Array.from({ length: MAX_SEGMENTS_PER_SUMMARY + 4 }, () => turn());
    const { next } = run(s, burst);
    const landed = decide(next, [answer(next, 0)]);
    const request = summaryInFlight(landed.next)!;
    expect(request.firstSegmentIndex).toBe(1);
    expect(request.segmentIndex).toBe(MAX_SEGMENTS_PER_SUMMARY);
  });

  it('stores no state value: it is derived from the context (summarizing while segments wait)', () => {
    const { next } = run(session({ maxTurnsPerSegment: 1 }), [turn(), turn(), turn()]);
    expect(next.value).toBe('summarizing');
    expect(JSON.parse(sessionToStoredJson(next))).not.toHaveProperty('value');
    // A value stored by an older version is ignored: the context decides.
    const stale = JSON.stringify({ value: 'active', context: next.context });
    expect(sessionFromStoredJson(stale).value).toBe('summarizing');
    let landed = next;
    while (summaryInFlight(landed))
      landed = run(landed, [answer(landed, summaryInFlight(landed)!.segmentIndex)]).next;
    expect(landed.context.pending).toEqual([]);
    expect(sessionFromStoredJson(sessionToStoredJson(landed)).value).toBe('active');
  });

  it('goes back to active through segmented once the last pending summary lands', () => {
    const { next } = run(session({ maxTurnsPerSegment: 1 }), [turn(), turn()]);
    const landed = decide(next, [answer(next, 0)]);
    expect(landed.next.value).toBe('active');
    expect(landed.next.context.latestSummary).toMatchObject({
      segmentIndex: 0,
      coversToSeq: 1,
      text: 'summary 0',
    });
    expect(landed.next.context.latestSummary!.items).toHaveLength(1);
  });

  it('refuses a summary for a segment that is not the one asked for', () => {
    const { next } = run(session({ maxTurnsPerSegment: 1 }), [turn(), turn(), turn()]);
    const wrong = decide(next, [answer(next, 1)]);
    expect(types(wrong.effects)).toEqual(['summaryRejected']);
    expect(wrong.next.context.summaries.rejected).toBe(1);
    expect(wrong.next.context.inFlight).toEqual(next.context.inFlight);
    const none = decide(session(), [answer(session(), 0)]);
    expect(types(none.effects)).toEqual(['summaryRejected']);
  });

  it('keeps totals over every segment and counters of the open one', () => {
    const { next } = run(session({ maxTurnsPerSegment: 2 }), [
      turn(10),
      reply(20),
      turn(30),
      tool(40),
    ]);
    expect(next.context.totals).toMatchObject({
      events: 4,
      turns: 3,
      toolCalls: 1,
      contextTokens: 100,
    });
    expect(next.context.open.counters).toMatchObject({
      events: 2,
      turns: 1,
      toolCalls: 1,
      contextTokens: 70,
    });
  });

  it('changes the system prompt, and a blank one clears it', () => {
    const prompt = (content: string, promptTokens: number): SessionMachineEvent => ({
      type: 'prompt',
      event: measured('system_prompt_updated', 0, { content }),
      promptTokens,
    });
    const changed = decide(session(), [prompt('be verbose', 7)]).next;
    expect(changed.context).toMatchObject({ systemPrompt: 'be verbose', systemPromptTokens: 7 });
    const cleared = decide(changed, [prompt('   ', 0)]).next;
    expect(cleared.context).toMatchObject({ systemPrompt: null, systemPromptTokens: 0 });
  });
});
