import { nextSeqOf } from './session-state.ts';
import { describe, expect, it } from 'vitest';
import { SessionConfigSchema } from '../schemas/session-config.ts';
import { decide, startSession, type PersistedSession } from './decide.ts';
import type { MeasuredEvent } from './event-record.ts';
import { sessionChanges } from './session-changes.ts';
import { sessionInfo } from './session-info.ts';
import type { SessionMachineEvent } from './session-machine.ts';
import { newSessionState } from './session-state.ts';

let n = 0;
const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();

function turn(type: 'user_message' | 'assistant_message' = 'user_message'): SessionMachineEvent {
  n += 1;
  const event: MeasuredEvent = {
    eventId: `e${n}`,
    type,
    occurredAt: at(n),
    metadata: {},
    content: `text ${n}`,
    model: null,
    provider: null,
    usage: null,
    tool: null,
    arguments: null,
    result: null,
    error: null,
    success: null,
    contextTokens: 10,
    promptTokens: 10,
    completionTokens: 0,
    costNano: 1500,
  };
  return { type: 'turn', event };
}

function summary(s: PersistedSession, segmentIndex: number): SessionMachineEvent {
  return {
    type: 'summary',
    answer: {
      segmentIndex,
      segmentId: `s1.s${segmentIndex}`,
      text: `summary ${segmentIndex}`,
      items: [],
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
    },
  };
}

const start = () =>
  startSession(
    newSessionState({
      life: 'l1',
      sessionId: 's1',
      config: SessionConfigSchema.parse({ infiniteContext: true, maxTurnsPerSegment: 2 }),
      systemPrompt: null,
      systemPromptTokens: 0,
      metadata: { channel: 'web' },
      parentId: 'p1',
      createdAt: at(0),
    }),
  );

describe('sessionChanges', () => {
  it('tells nothing between a state and itself', () => {
    const s = start();
    expect(sessionChanges(s, s)).toEqual({ applied: null, sealed: [], summaries: null });
  });

  it('tells the seqs applied, the segments sealed and the segments whose summaries landed', () => {
    const before = start();
    const sealedTwo = decide(before, [turn(), turn(), turn(), turn(), turn()]).next;
    expect(sessionChanges(before, sealedTwo)).toEqual({
      applied: { fromSeq: 0, toSeq: 5 },
      sealed: [
        { segmentIndex: 0, segmentId: 's1.s0' },
        { segmentIndex: 1, segmentId: 's1.s1' },
      ],
      summaries: null,
    });
    const landed = decide(sealedTwo, [summary(sealedTwo, 0)]).next;
    expect(sessionChanges(sealedTwo, landed)).toMatchObject({
      sealed: [],
      summaries: { fromIndex: 0, toIndex: 1 },
    });
    // Told once: the next read after it tells nothing more of that summary.
    expect(sessionChanges(landed, landed).summaries).toBeNull();
  });
});

describe('sessionInfo', () => {
  it('counts the events, segments, pending segments and summaries from the state alone', () => {
    const s = start();
    const fresh = sessionInfo(s);
    expect(fresh).toMatchObject({
      sessionId: 's1',
      parentId: 'p1',
      metadata: { channel: 'web' },
      state: 'active',
      hasSystemPrompt: false,
      counts: { events: 0, segments: 1, pendingSegments: 0, summaryInFlight: false },
    });
    const sealed = decide(s, [turn(), turn('assistant_message'), turn()]).next;
    const info = sessionInfo(sealed);
    expect(info.counts).toMatchObject({ events: 3, segments: 2, pendingSegments: 1 });
    expect(info.counts.totals).toMatchObject({ turns: 3, userMessages: 2, assistantMessages: 1 });
    expect(info.counts.summaryInFlight).toBe(sealed.context.inFlight !== null);
    expect(info.state).toBe(sealed.value);
  });
});
