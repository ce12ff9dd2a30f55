// FROZEN COPY of the context pipeline at commit 1ad38c6 (before the context-quality issue), kept
// for measurement only: the v1 baseline of `npm run eval`. Never edit it.
//
// Transcribed from, at 1ad38c6:
// - libs/core/src/session/session-machine.ts: `openSegmentIsFull` (the seal check, run before a
//   turn is added, limits reached with `>=`; tool calls never seal);
// - libs/core/src/session/measure-event.ts: the context tokens of each event;
// - libs/core/src/session/summarizer-port.ts: `toSummaryTurns` and the extractive summarizer's
//   blank-summary text;
// - libs/core/src/context/render-messages.ts: `renderEvent`, `renderSummaryMessage`;
// - libs/core/src/context/messages-for-llm.ts: `assembleContext` (system prompt, latest
//   summary, every uncovered event, trimmed from the oldest side, whole events);
// - libs/core/src/schemas/session-config.ts: the defaults.
// The one difference is time: here every summary is made at once when its segment is sealed,
// one rolling summary per segment (the SDK makes it in the background; the eval waits for it).
import type { TokenCounter } from '@threadline/core';
import { extractiveSummary, type SummaryTurn } from './extractive-summarizer.ts';
import { stableJson } from './stable-json.ts';

/** Session defaults at 1ad38c6. */
export const V1_DEFAULTS = {
  tokenThreshold: 4000,
  maxTurnsPerSegment: 20,
  summaryMaxTokens: 400,
  defaultModel: 'gpt-4o-mini',
} as const;

const TOKENS_PER_MESSAGE = 3;
const REPLY_PRIMING_TOKENS = 3;
const SUMMARY_HEADING = 'Summary of the conversation so far:';
const EMPTY_SUMMARY = '(nothing fitted in the summary token cap)';

export interface V1Settings {
  systemPrompt: string | null;
  tokenThreshold: number;
  maxTurnsPerSegment: number;
  summaryMaxTokens: number;
  model: string;
}

/** An event as the v1 pipeline saw it. */
export type V1Event =
  | { type: 'user_message' | 'assistant_message'; eventId: string; content: string }
  | {
      type: 'tool_call';
      eventId: string;
      tool: string;
      arguments: unknown;
      result: unknown;
      error: string | null;
    };

/** The chat messages v1 rendered (OpenAI format). */
export type V1Message =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | {
      role: 'assistant';
      content: string | null;
      tool_calls?: Array<{
        id: string;
        type: 'function';
        function: { name: string; arguments: string };
      }>;
    }
  | { role: 'tool'; tool_call_id: string; content: string };

interface Recorded {
  seq: number;
  event: V1Event;
  contextTokens: number;
}

interface V1Summary {
  text: string;
  contextTokens: number;
  coversToSeq: number;
}

/** The v1 context window and the used figure of its budget report. */
export interface V1Window {
  messages: V1Message[];
  used: number;
  summaryCoversToSeq: number;
}

/**
 * Today's (1ad38c6) seal rule, rolling extractive summary and context assembly, as a pure
 * simulator: feed it the events in order, read the context at any time.
 */
export class V1Simulator {
  private readonly events: Recorded[] = [];
  private openFromSeq = 0;
  private openTurns = 0;
  private openTokens = 0;
  private sealedSegments = 0;
  private summary: V1Summary | null = null;
  private readonly systemTokens: number;

  constructor(
    private readonly settings: V1Settings,
    private readonly counter: TokenCounter,
  ) {
    const prompt = settings.systemPrompt?.trim() ? settings.systemPrompt : null;
    this.systemTokens = prompt ? this.countMessage('system', prompt) : 0;
  }

  /** Segments so far, sealed and open (the chain's length). */
  get segments(): number {
    return this.sealedSegments + 1;
  }

  /** Adds an event; a turn first seals the open segment when it is full (and summarizes it). */
  add(event: V1Event): void {
    const isTurn = event.type !== 'tool_call';
    if (isTurn && this.openSegmentIsFull()) this.seal();
    const seq = this.events.length;
    const contextTokens = this.measure(event);
    this.events.push({ seq, event, contextTokens });
    if (isTurn) this.openTurns++;
    this.openTokens += contextTokens;
  }

  /** The context for the next model call, within `budget` tokens. */
  context(budget: number | null): V1Window {
    const head: V1Message[] = [];
    let system = 0;
    let summary = 0;
    if (this.settings.systemPrompt?.trim()) {
      head.push({ role: 'system', content: this.settings.systemPrompt });
      system = this.systemTokens;
    }
    if (this.summary) {
      head.push({ role: 'system', content: `${SUMMARY_HEADING}\n${this.summary.text}` });
      summary = this.summary.contextTokens;
    }
    const fromSeq = this.summary?.coversToSeq ?? 0;
    const fixed = system + summary + REPLY_PRIMING_TOKENS;
    let room = budget === null ? Infinity : budget - fixed;
    const kept: Recorded[] = [];
    let turns = 0;
    for (let i = this.events.length - 1; i >= 0; i--) {
      const record = this.events[i]!;
      if (record.seq < fromSeq) break;
      if (record.contextTokens > room) break;
      room -= record.contextTokens;
      turns += record.contextTokens;
      kept.push(record);
    }
    kept.reverse();
    return {
      messages: [...head, ...kept.flatMap((r) => renderEvent(r.event))],
      used: fixed + turns,
      summaryCoversToSeq: fromSeq,
    };
  }

  private openSegmentIsFull(): boolean {
    if (this.events.length === this.openFromSeq) return false;
    return (
      this.openTurns >= this.settings.maxTurnsPerSegment ||
      this.openTokens >= this.settings.tokenThreshold
    );
  }

  private seal(): void {
    const segment = this.events.slice(this.openFromSeq);
    const text =
      extractiveSummary({
        turns: toSummaryTurns(segment.map((r) => r.event)),
        previousSummary: this.summary?.text ?? null,
        maxTokens: this.settings.summaryMaxTokens,
        countTokens: (t) => this.counter.countText(t, this.settings.model),
      }) || EMPTY_SUMMARY;
    this.summary = {
      text,
      contextTokens: this.countMessage('system', `${SUMMARY_HEADING}\n${text}`),
      coversToSeq: this.events.length,
    };
    this.sealedSegments++;
    this.openFromSeq = this.events.length;
    this.openTurns = 0;
    this.openTokens = 0;
  }

  private countMessage(role: string, content: string): number {
    const { model } = this.settings;
    return (
      TOKENS_PER_MESSAGE +
      this.counter.countText(role, model) +
      this.counter.countText(content, model)
    );
  }

  private measure(event: V1Event): number {
    const { model } = this.settings;
    const count = (text: string) => this.counter.countText(text, model);
    switch (event.type) {
      case 'user_message':
        return count(event.content) + this.countMessage('user', '');
      case 'assistant_message':
        return count(event.content) + this.countMessage('assistant', '');
      case 'tool_call':
        return (
          TOKENS_PER_MESSAGE +
          count('assistant') +
          count(event.tool) +
          count(stableJson(event.arguments ?? {})) +
          TOKENS_PER_MESSAGE +
          count('tool') +
          count(toolResultText(event))
        );
    }
  }
}

function toolResultText(event: Extract<V1Event, { type: 'tool_call' }>): string {
  return typeof event.error === 'string' && event.error.length > 0
    ? `Error: ${event.error}`
    : stableJson(event.result ?? null);
}

function toSummaryTurns(events: readonly V1Event[]): SummaryTurn[] {
  const turns: SummaryTurn[] = [];
  for (const e of events) {
    if (e.type === 'tool_call')
      turns.push({
        role: 'tool',
        tool: e.tool,
        content: `${e.tool}(${stableJson(e.arguments ?? {})}) -> ${toolResultText(e)}`,
        error: e.error,
      });
    else turns.push({ role: e.type === 'user_message' ? 'user' : 'assistant', content: e.content });
  }
  return turns;
}

function renderEvent(event: V1Event): V1Message[] {
  switch (event.type) {
    case 'user_message':
      return [{ role: 'user', content: event.content }];
    case 'assistant_message':
      return [{ role: 'assistant', content: event.content }];
    case 'tool_call': {
      const id = `call_${event.eventId}`;
      return [
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id,
              type: 'function',
              function: { name: event.tool, arguments: stableJson(event.arguments ?? {}) },
            },
          ],
        },
        { role: 'tool', tool_call_id: id, content: toolResultText(event) },
      ];
    }
  }
}
