import { nextSeqOf } from './session-state.ts';
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
import {
  MAX_SEGMENTS_PER_SUMMARY,
  promptOrNull,
  type SealedSegmentRef,
  type SessionState,
  type SummaryRequest,
} from './session-state.ts';

/** A summarizer's answer, measured, as the machine receives it. */
export type SummaryAnswer = Omit<SummaryRecord, 'coversToSeq' | 'fromSeq' | 'firstSegmentIndex'>;

export type SessionMachineEvent =
  /** A user or assistant message. */
  | { type: 'turn'; event: MeasuredEvent }
  /** A tool call with its result. */
  | { type: 'tool'; event: MeasuredEvent }
  /** The system prompt changed (blank clears it); recorded in the log, not a turn. */
  | { type: 'prompt'; event: MeasuredEvent; promptTokens: number }
  /** The summary asked for is back. */
  | { type: 'summary'; answer: SummaryAnswer };

/**
 * What the host must do after a transition; the machine does none of it. `appendEvent`,
 * `sealSegment` and `attachSummary` are persisted in the same commit as the snapshot;
 * `requestSummary` and `summaryRejected` run after it.
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

/** One entry per member of the union: the compiler refuses a missing or an extra one. */
const EFFECT_TYPE_NAMES = {
  appendEvent: true,
  sealSegment: true,
  attachSummary: true,
  requestSummary: true,
  summaryRejected: true,
} as const satisfies Record<SessionEffect['type'], true>;

/** The names of the machine's actions that are effects (the others only assign). */
export const EFFECT_TYPES: ReadonlySet<string> = new Set(Object.keys(EFFECT_TYPE_NAMES));

/**
 * The hard ceiling, as a multiple of `tokenThreshold` and of `maxTurnsPerSegment`: an exchange
 * that never ends (an agent loop with no user message) is sealed once its open segment holds
 * this many times either limit.
 */
export const HARD_CEILING_FACTOR = 2;

/**
 * Typed bridge for effect actions enqueued from inside `setup`: their names are declared in
 * the same call, where TypeScript cannot see them yet.
 */
const effect = (e: SessionEffect): never => e as never;

/** Counters an event adds to its segment. */
export function countersOf(event: MeasuredEvent, defaultModel: string): SegmentCounters {
  const c = emptyCounters();
  c.events = 1;
  c.contextTokens = event.contextTokens;
  c.promptTokens = event.promptTokens;
  c.completionTokens = event.completionTokens;
  c.costNano = event.costNano;
  // A prompt change counts for no model; a tool call is priced for the session's model.
  if (event.type !== 'system_prompt_updated')
    c.byModel = [
      {
        model: event.model ?? defaultModel,
        promptTokens: event.promptTokens,
        completionTokens: event.completionTokens,
        costNano: event.costNano,
        calls: event.type === 'assistant_message' ? 1 : 0,
        ...(event.unpriced ? { unpriced: true as const } : {}),
      },
    ];
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

/**
 * The open segment is full: its turns reached `maxTurnsPerSegment` or its context tokens
 * `tokenThreshold` (both `>=`). A full segment is sealed when the next user message arrives.
 */
export function openSegmentIsFull(s: SessionState): boolean {
  if (!s.config.infiniteContext || s.open.counters.turns === 0) return false;
  return (
    s.open.counters.turns >= s.config.maxTurnsPerSegment ||
    s.open.counters.contextTokens >= s.config.tokenThreshold
  );
}

/** The open segment reached the hard ceiling ({@link HARD_CEILING_FACTOR} × either limit). */
export function openSegmentAtCeiling(s: SessionState): boolean {
  if (!s.config.infiniteContext || s.open.counters.turns === 0) return false;
  return (
    s.open.counters.turns >= HARD_CEILING_FACTOR * s.config.maxTurnsPerSegment ||
    s.open.counters.contextTokens >= HARD_CEILING_FACTOR * s.config.tokenThreshold
  );
}

/**
 * The seal rule, checked before an event is added. Segments are sealed at exchange boundaries:
 * an exchange is a user message and everything that answers it (assistant messages, tool calls
 * and their results) up to the next user message.
 *
 * - A user message seals the open segment when it is full ({@link openSegmentIsFull}): the
 *   question starts the new segment, and the exchange before it stays whole.
 * - Any other message or tool call seals it only at the hard ceiling
 *   ({@link openSegmentAtCeiling}), and never right after a tool call when the event is an
 *   assistant message (the reply that uses a tool's result stays with it). A tool call and its
 *   result are one event, so no seal can fall between them.
 * - A prompt change never seals.
 */
export function sealsBefore(s: SessionState, event: MeasuredEvent): boolean {
  if (event.type === 'system_prompt_updated') return false;
  if (event.type === 'user_message') return openSegmentIsFull(s);
  if (event.type === 'assistant_message' && s.open.lastEventType === 'tool_call') return false;
  return openSegmentAtCeiling(s);
}

function place(
  s: SessionState,
  event: MeasuredEvent,
): { state: SessionState; record: EventRecord } {
  const record: EventRecord = { ...event, seq: nextSeqOf(s), segmentIndex: s.open.index };
  const added = countersOf(event, s.config.defaultModel);
  return {
    record,
    state: {
      ...s,
      updatedAt: event.occurredAt,
      open: {
        ...s.open,
        counters: addCounters(s.open.counters, added),
        lastEventType: event.type,
      },
      totals: addCounters(s.totals, added),
    },
  };
}

function seal(s: SessionState, at: string): { state: SessionState; segment: SegmentRecord } {
  const segment: SegmentRecord = {
    index: s.open.index,
    id: s.open.id,
    parentId: s.open.parentId,
    status: 'sealed',
    fromSeq: s.open.fromSeq,
    toSeq: nextSeqOf(s),
    openedAt: s.open.openedAt,
    sealedAt: at,
    counters: s.open.counters,
    summary: null,
  };
  const sealed: SealedSegmentRef = {
    index: segment.index,
    id: segment.id,
    fromSeq: segment.fromSeq,
    toSeq: nextSeqOf(s),
    sealedAt: at,
  };
  const index = s.open.index + 1;
  return {
    segment,
    state: {
      ...s,
      open: {
        index,
        id: segmentIdOf(s.sessionId, index),
        parentId: s.open.id,
        fromSeq: nextSeqOf(s),
        openedAt: at,
        counters: emptyCounters(),
        lastEventType: null,
      },
      pending: [...s.pending, sealed],
    },
  };
}

/**
 * The request that covers the pending segments (at most {@link MAX_SEGMENTS_PER_SUMMARY}),
 * rolling on the latest landed summary: one catch-up summary instead of one per segment.
 */
export function catchUpRequest(s: SessionState): SummaryRequest | null {
  const first = s.pending[0];
  if (!first) return null;
  const last = s.pending[Math.min(s.pending.length, MAX_SEGMENTS_PER_SUMMARY) - 1]!;
  return {
    sessionId: s.sessionId,
    life: s.life,
    segmentIndex: last.index,
    segmentId: last.id,
    firstSegmentIndex: first.index,
    fromSeq: first.fromSeq,
    toSeq: last.toSeq,
    previousSummarySegmentIndex: s.latestSummary?.segmentIndex ?? null,
    model: s.config.defaultModel,
    maxTokens: s.config.summaryMaxTokens,
    sealedAt: last.sealedAt,
  };
}

function rejectionOf(s: SessionState, answer: SummaryAnswer): string | null {
  const asked = s.inFlight;
  if (!asked)
    return `no summary is being made (segment ${answer.segmentIndex} was not waiting for one)`;
  if (asked.segmentIndex !== answer.segmentIndex || asked.segmentId !== answer.segmentId)
    return `segment ${answer.segmentId} is not the one the summary was asked for (${asked.segmentId} is)`;
  return null;
}

/**
 * The session actor's behaviour. `active`: no sealed segment waits for a summary.
 * `summarizing`: sealed segments wait; one summary is being made at a time, covering every
 * segment sealed since the last one landed (a catch-up), and turns are still taken.
 * `segmented`: a summary has just been attached; the machine passes through it back to
 * `active`, or to `summarizing` if segments sealed meanwhile still wait (then one catch-up
 * request covers them all).
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
    sealsBeforeEvent: ({ context, event }) =>
      (event.type === 'turn' || event.type === 'tool') && sealsBefore(context, event.event),
    hasPending: ({ context }) => context.pending.length > 0,
    summaryIsTheOneAsked: ({ context, event }) =>
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
              systemPrompt: promptOrNull(record.content),
              systemPromptTokens: promptOrNull(record.content) === null ? 0 : event.promptTokens,
            }
          : state;
      enqueue.assign(() => next);
      enqueue(effect({ type: 'appendEvent', params: { record } }));
    }),

    sealOpenSegment: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'turn' && event.type !== 'tool') return;
      const { state, segment } = seal(context, event.event.occurredAt);
      const request = state.inFlight ? null : catchUpRequest(state);
      enqueue.assign(() => (request ? { ...state, inFlight: request } : state));
      enqueue(effect({ type: 'sealSegment', params: { segment } }));
      if (request) enqueue(effect({ type: 'requestSummary', params: { request } }));
    }),

    attachSummaryToRequest: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'summary') return;
      const asked = context.inFlight!;
      const summary: SummaryRecord = {
        ...event.answer,
        firstSegmentIndex: asked.firstSegmentIndex,
        fromSeq: asked.fromSeq,
        coversToSeq: asked.toSeq,
      };
      const kind = summary.kind;
      enqueue.assign(() => ({
        ...context,
        updatedAt: summary.createdAt,
        pending: context.pending.filter((p) => p.index > asked.segmentIndex),
        inFlight: null,
        latestSummary: {
          segmentIndex: summary.segmentIndex,
          segmentId: summary.segmentId,
          text: summary.text,
          kind,
          contextTokens: summary.contextTokens,
          coversToSeq: summary.coversToSeq,
          items: summary.items,
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

    requestCatchUp: enqueueActions(({ context, enqueue }) => {
      const request = catchUpRequest(context);
      if (!request) return;
      enqueue.assign(() => ({ ...context, inFlight: request }));
      enqueue(effect({ type: 'requestSummary', params: { request } }));
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
            guard: 'sealsBeforeEvent',
            target: 'summarizing',
            actions: ['sealOpenSegment', 'recordEvent'],
          },
          { actions: 'recordEvent' },
        ],
        tool: [
          {
            guard: 'sealsBeforeEvent',
            target: 'summarizing',
            actions: ['sealOpenSegment', 'recordEvent'],
          },
          { actions: 'recordEvent' },
        ],
        prompt: { actions: 'recordEvent' },
        summary: { actions: 'rejectSummary' },
      },
    },
    summarizing: {
      on: {
        turn: [
          { guard: 'sealsBeforeEvent', actions: ['sealOpenSegment', 'recordEvent'] },
          { actions: 'recordEvent' },
        ],
        tool: [
          { guard: 'sealsBeforeEvent', actions: ['sealOpenSegment', 'recordEvent'] },
          { actions: 'recordEvent' },
        ],
        prompt: { actions: 'recordEvent' },
        summary: [
          {
            guard: 'summaryIsTheOneAsked',
            target: 'segmented',
            actions: 'attachSummaryToRequest',
          },
          { actions: 'rejectSummary' },
        ],
      },
    },
    segmented: {
      always: [
        { guard: 'hasPending', target: 'summarizing', actions: 'requestCatchUp' },
        { target: 'active' },
      ],
    },
  },
});

export type SessionMachine = typeof sessionMachine;
export type SessionStateValue = 'active' | 'summarizing';
