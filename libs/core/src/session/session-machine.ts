import { enqueueActions, setup } from 'xstate';
import {
  addCounters,
  emptyCounters,
  segmentIdOf,
  type SegmentCounters,
  type SegmentRecord,
  type SummaryRecord,
} from './segment.ts';
import type { EventRecord, MeasuredEvent } from './event-record.ts';
import type { SessionState, SummaryRequest } from './session-state.ts';

/** A summarizer's answer, measured, as the machine receives it. */
export type SummaryAnswer = Omit<SummaryRecord, 'coversToSeq'>;

export type SessionMachineEvent =
  /** A user or assistant message: the seal check runs before it is added. */
  | { type: 'turn'; event: MeasuredEvent }
  /** A tool call with its result: added to the open segment, never seals it. */
  | { type: 'tool'; event: MeasuredEvent }
  /** The system prompt changed (blank clears it); recorded in the log, not a turn. */
  | { type: 'prompt'; event: MeasuredEvent; promptTokens: number }
  /** The summary of a sealed segment is back. */
  | { type: 'summary'; answer: SummaryAnswer };

/**
 * What the host must do after a transition; the machine does none of it. `appendEvent`,
 * `sealSegment` and `attachSummary` are persisted in the same commit as the snapshot;
 * `requestSummary`, `summaryAttached` and `summaryRejected` run after it.
 */
export type SessionEffect =
  | { type: 'appendEvent'; params: { record: EventRecord } }
  | { type: 'sealSegment'; params: { segment: SegmentRecord } }
  | { type: 'attachSummary'; params: { summary: SummaryRecord } }
  | { type: 'requestSummary'; params: { request: SummaryRequest } }
  | {
      type: 'summaryRejected';
      params: { segmentIndex: number; segmentId: string; eventId: string; reason: string };
    };

export const EFFECT_TYPES: ReadonlySet<string> = new Set([
  'appendEvent',
  'sealSegment',
  'attachSummary',
  'requestSummary',
  'summaryRejected',
]);

/**
 * Typed bridge for effect actions enqueued from inside `setup`: their names are declared in
 * the same call, where TypeScript cannot see them yet.
 */
const effect = (e: SessionEffect): never => e as never;

/** Counters an event adds to its segment. */
export function countersOf(event: MeasuredEvent): SegmentCounters {
  const c = emptyCounters();
  c.events = 1;
  c.contextTokens = event.contextTokens;
  c.promptTokens = event.promptTokens;
  c.completionTokens = event.completionTokens;
  c.costNano = event.costNano;
  if (event.type === 'user_message') {
    c.turns = 1;
    c.userMessages = 1;
  } else if (event.type === 'assistant_message') {
    c.turns = 1;
    c.assistantMessages = 1;
  } else if (event.type === 'tool_call') {
    c.toolCalls = 1;
    c.toolErrors = event.success === false ? 1 : 0;
  }
  return c;
}

/** The seal check, run before a turn is added: limits are reached with `>=`. */
export function openSegmentIsFull(s: SessionState): boolean {
  if (!s.config.infiniteContext || s.open.counters.events === 0) return false;
  return (
    s.open.counters.turns >= s.config.maxTurnsPerSegment ||
    s.open.counters.contextTokens >= s.config.tokenThreshold
  );
}

function place(
  s: SessionState,
  event: MeasuredEvent,
): { state: SessionState; record: EventRecord } {
  const record: EventRecord = { ...event, seq: s.nextSeq, segmentIndex: s.open.index };
  const added = countersOf(event);
  return {
    record,
    state: {
      ...s,
      nextSeq: s.nextSeq + 1,
      updatedAt: event.occurredAt,
      open: { ...s.open, counters: addCounters(s.open.counters, added) },
      totals: addCounters(s.totals, added),
    },
  };
}

function seal(
  s: SessionState,
  at: string,
): { state: SessionState; segment: SegmentRecord; request: SummaryRequest } {
  const segment: SegmentRecord = {
    index: s.open.index,
    id: s.open.id,
    parentId: s.open.parentId,
    status: 'sealed',
    fromSeq: s.open.fromSeq,
    toSeq: s.nextSeq,
    openedAt: s.open.openedAt,
    sealedAt: at,
    counters: s.open.counters,
    summary: null,
  };
  const before = s.pending.at(-1)?.segmentIndex ?? s.latestSummary?.segmentIndex ?? null;
  const request: SummaryRequest = {
    sessionId: s.sessionId,
    segmentIndex: segment.index,
    segmentId: segment.id,
    fromSeq: segment.fromSeq,
    toSeq: s.nextSeq,
    previousSummarySegmentIndex: before,
    model: s.config.defaultModel,
    maxTokens: s.config.summaryMaxTokens,
    sealedAt: at,
  };
  const index = s.open.index + 1;
  return {
    segment,
    request,
    state: {
      ...s,
      open: {
        index,
        id: segmentIdOf(s.sessionId, index),
        parentId: s.open.id,
        fromSeq: s.nextSeq,
        openedAt: at,
        counters: emptyCounters(),
      },
      pending: [...s.pending, request],
    },
  };
}

function rejectionOf(s: SessionState, answer: SummaryAnswer): string | null {
  const head = s.pending[0];
  if (!head)
    return `no summary is pending (segment ${answer.segmentIndex} was not waiting for one)`;
  if (head.segmentIndex !== answer.segmentIndex || head.segmentId !== answer.segmentId)
    return `segment ${answer.segmentId} is not the one waiting for its summary (${head.segmentId} is)`;
  return null;
}

/**
 * The session actor's behaviour. `active`: nothing pending. `summarizing`: sealed segments wait
 * for summaries (made one at a time, oldest first, each from its own turns plus the summary
 * before it); turns are still taken. `segmented`: a summary has just been attached; the machine
 * passes through it back to `active`, or to `summarizing` if another segment waits.
 *
 * Drive it with XState's pure `transition()`: it performs no I/O and reads no clock (times come
 * with the events). Its effects come out as actions with params ({@link SessionEffect}).
 */
export const sessionMachine = setup({
  types: {
    context: {} as SessionState,
    events: {} as SessionMachineEvent,
    input: {} as SessionState,
  },
  guards: {
    segmentIsFull: ({ context }) => openSegmentIsFull(context),
    hasPending: ({ context }) => context.pending.length > 0,
    summaryIsForHead: ({ context, event }) =>
      event.type === 'summary' && rejectionOf(context, event.answer) === null,
  },
  actions: {
    appendEvent: (_, _params: { record: EventRecord }) => undefined,
    sealSegment: (_, _params: { segment: SegmentRecord }) => undefined,
    attachSummary: (_, _params: { summary: SummaryRecord }) => undefined,
    requestSummary: (_, _params: { request: SummaryRequest }) => undefined,
    summaryRejected: (
      _,
      _params: { segmentIndex: number; segmentId: string; eventId: string; reason: string },
    ) => undefined,

    recordEvent: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'turn' && event.type !== 'tool' && event.type !== 'prompt') return;
      const { state, record } = place(context, event.event);
      const next =
        event.type === 'prompt'
          ? {
              ...state,
              systemPrompt: record.content && record.content.trim() ? record.content : null,
              systemPromptTokens: record.content && record.content.trim() ? event.promptTokens : 0,
            }
          : state;
      enqueue.assign(() => next);
      enqueue(effect({ type: 'appendEvent', params: { record } }));
    }),

    sealOpenSegment: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'turn') return;
      const { state, segment, request } = seal(context, event.event.occurredAt);
      enqueue.assign(() => state);
      enqueue(effect({ type: 'sealSegment', params: { segment } }));
      if (state.pending.length === 1)
        enqueue(effect({ type: 'requestSummary', params: { request } }));
    }),

    attachSummaryToHead: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'summary') return;
      const head = context.pending[0]!;
      const summary: SummaryRecord = { ...event.answer, coversToSeq: head.toSeq };
      const kind = summary.kind;
      enqueue.assign(() => ({
        ...context,
        updatedAt: summary.createdAt,
        pending: context.pending.slice(1),
        latestSummary: {
          segmentIndex: summary.segmentIndex,
          segmentId: summary.segmentId,
          text: summary.text,
          kind,
          contextTokens: summary.contextTokens,
          coversToSeq: summary.coversToSeq,
        },
        summaries: {
          ...context.summaries,
          made: context.summaries.made + 1,
          llm: context.summaries.llm + (kind === 'llm' ? 1 : 0),
          extractive: context.summaries.extractive + (kind === 'extractive' ? 1 : 0),
          custom: context.summaries.custom + (kind === 'custom' ? 1 : 0),
          promptTokens: context.summaries.promptTokens + summary.promptTokens,
          completionTokens: context.summaries.completionTokens + summary.completionTokens,
          costNano: context.summaries.costNano + summary.costNano,
        },
      }));
      enqueue(effect({ type: 'attachSummary', params: { summary } }));
    }),

    requestNextSummary: enqueueActions(({ context, enqueue }) => {
      const head = context.pending[0];
      if (head) enqueue(effect({ type: 'requestSummary', params: { request: head } }));
    }),

    rejectSummary: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'summary') return;
      enqueue.assign(() => ({
        ...context,
        summaries: { ...context.summaries, rejected: context.summaries.rejected + 1 },
      }));
      enqueue(
        effect({
          type: 'summaryRejected',
          params: {
            segmentIndex: event.answer.segmentIndex,
            segmentId: event.answer.segmentId,
            eventId: event.answer.eventId,
            reason: rejectionOf(context, event.answer) ?? 'rejected',
          },
        }),
      );
    }),
  },
}).createMachine({
  id: 'session',
  initial: 'active',
  context: ({ input }) => input,
  states: {
    active: {
      on: {
        turn: [
          {
            guard: 'segmentIsFull',
            target: 'summarizing',
            actions: ['sealOpenSegment', 'recordEvent'],
          },
          { actions: 'recordEvent' },
        ],
        tool: { actions: 'recordEvent' },
        prompt: { actions: 'recordEvent' },
        summary: { actions: 'rejectSummary' },
      },
    },
    summarizing: {
      on: {
        turn: [
          { guard: 'segmentIsFull', actions: ['sealOpenSegment', 'recordEvent'] },
          { actions: 'recordEvent' },
        ],
        tool: { actions: 'recordEvent' },
        prompt: { actions: 'recordEvent' },
        summary: [
          { guard: 'summaryIsForHead', target: 'segmented', actions: 'attachSummaryToHead' },
          { actions: 'rejectSummary' },
        ],
      },
    },
    segmented: {
      always: [
        { guard: 'hasPending', target: 'summarizing', actions: 'requestNextSummary' },
        { target: 'active' },
      ],
    },
  },
});

export type SessionMachine = typeof sessionMachine;
export type SessionStateValue = 'active' | 'summarizing';
