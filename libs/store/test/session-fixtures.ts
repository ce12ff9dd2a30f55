import {
  decide,
  newSessionState,
  SessionConfigSchema,
  startSession,
  type MeasuredEvent,
  type PersistedSession,
  type SessionConfigInput,
  type SessionMachineEvent,
  type SummaryAnswer,
} from '@threadline/core';
import type { CommitRequest } from '@threadline/store';

/**
 * Realistic store inputs, made by the core itself: sessions from `startSession`, commits from
 * what `decide` returns (exactly how the engine builds them). Events are measured by hand, so no
 * tokenizer is loaded.
 */

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();

let lives = 0;

/**
 * A builder of one session's history; eventIds and times are unique within it. Each script is a
 * life of its own (`l1`, `l2`, …), as each create by the engine is.
 */
export class SessionScript {
  session: PersistedSession;
  private n = 0;

  constructor(
    readonly sessionId: string,
    config: SessionConfigInput = {},
  ) {
    this.session = startSession(
      newSessionState({
        life: `l${++lives}`,
        sessionId,
        config: SessionConfigSchema.parse({
          infiniteContext: true,
          maxTurnsPerSegment: 4,
          tokenThreshold: 100_000,
          ...config,
        }),
        systemPrompt: 'You are a helpful assistant. Réponds en français si on te parle français.',
        systemPromptTokens: 18,
        metadata: { channel: 'web', tags: ['beta'] },
        parentId: null,
        createdAt: at(0),
      }),
    );
  }

  /** The commit that creates the session (no events). */
  create(): CommitRequest {
    return {
      expectedVersion: 0,
      session: this.session,
      appendEvents: [],
      eventIds: [],
      sealedSegments: [],
      summaries: [],
    };
  }

  measured(type: MeasuredEvent['type'], extra: Partial<MeasuredEvent> = {}): MeasuredEvent {
    this.n += 1;
    const tokens = 7 + this.n;
    return {
      eventId: `${this.sessionId}-e${this.n}`,
      type,
      occurredAt: at(this.n),
      metadata: {},
      content: type === 'tool_call' ? null : `message ${this.n}`,
      model: type === 'assistant_message' ? 'gpt-4o-mini' : null,
      provider: type === 'assistant_message' ? 'openai' : null,
      usage: type === 'assistant_message' ? { promptTokens: 120, completionTokens: tokens } : null,
      tool: type === 'tool_call' ? 'search' : null,
      arguments: type === 'tool_call' ? { query: `q${this.n}` } : null,
      result: type === 'tool_call' ? { hits: [] } : null,
      error: null,
      success: type === 'tool_call' ? true : null,
      contextTokens: tokens,
      promptTokens: tokens,
      completionTokens: type === 'assistant_message' ? tokens : 0,
      costNano: tokens * 150,
      ...extra,
    };
  }

  user(extra: Partial<MeasuredEvent> = {}): SessionMachineEvent {
    return { type: 'turn', event: this.measured('user_message', extra) };
  }

  assistant(extra: Partial<MeasuredEvent> = {}): SessionMachineEvent {
    return { type: 'turn', event: this.measured('assistant_message', extra) };
  }

  tool(extra: Partial<MeasuredEvent> = {}): SessionMachineEvent {
    return { type: 'tool', event: this.measured('tool_call', extra) };
  }

  /** The summarizer's answer for the segment whose summary is in flight. */
  summaryOf(
    segmentIndex: number,
    text = `Summary of segment ${segmentIndex}.`,
  ): SessionMachineEvent {
    this.n += 1;
    const answer: SummaryAnswer = {
      segmentIndex,
      segmentId: `${this.sessionId}.s${segmentIndex}`,
      text,
      items: [
        {
          key: `fact:${segmentIndex}`,
          section: 'facts',
          text,
          seq: -1,
          weight: 5,
          mentions: 0,
          age: 0,
        },
      ],
      kind: 'llm',
      model: 'gpt-4o-mini',
      contextTokens: 40,
      promptTokens: 900,
      completionTokens: 60,
      costNano: 171_000,
      attempts: 1,
      fallbackReason: null,
      createdAt: at(this.n),
      eventId: `${this.sessionId}-summary-${segmentIndex}`,
    };
    return { type: 'summary', answer };
  }

  /**
   * Runs events through the machine and returns the commit the engine would send. The script's
   * session moves on only when `accept` is called (after the commit landed).
   */
  batch(
    expectedVersion: number,
    events: SessionMachineEvent[],
  ): { request: CommitRequest; accept(): void } {
    const decision = decide(this.session, events);
    const request: CommitRequest = {
      expectedVersion,
      session: decision.next,
      appendEvents: decision.effects.flatMap((e) =>
        e.type === 'appendEvent' ? [e.params.record] : [],
      ),
      eventIds: events.map((e) => (e.type === 'summary' ? e.answer.eventId : e.event.eventId)),
      sealedSegments: decision.effects.flatMap((e) =>
        e.type === 'sealSegment' ? [e.params.segment] : [],
      ),
      summaries: decision.effects.flatMap((e) =>
        e.type === 'attachSummary' ? [e.params.summary] : [],
      ),
    };
    return {
      request,
      accept: () => {
        this.session = decision.next;
      },
    };
  }
}
