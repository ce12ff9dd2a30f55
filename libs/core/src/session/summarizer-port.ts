import type { SummaryKind } from '../schemas/event.ts';
import type { EventRecord } from './event-record.ts';
import type { SummaryRecord } from './segment.ts';
import type { SummaryRequest } from './session-state.ts';
import { extractiveSummary, type SummaryTurn } from '../summary/extractive-summarizer.ts';
import { renderToolResult } from '../context/render-messages.ts';
import { stableJson } from '../tokens/stable-json.ts';

/** What a summarizer gets: one sealed segment's events and the summary before it (rolling). */
export interface SummarizeInput {
  request: SummaryRequest;
  events: EventRecord[];
  previousSummary: SummaryRecord | null;
  signal?: AbortSignal;
}

/** What it gives back; costs in integer nano-dollars. */
export interface SummaryOutcome {
  text: string;
  kind: SummaryKind;
  model: string | null;
  promptTokens: number;
  completionTokens: number;
  costNano: number;
  attempts: number;
  /** Set when the preferred summarizer failed and a fallback made this one. */
  fallbackReason: string | null;
}

/** Makes the summary of a sealed segment (an LLM, the extractive one, a user callback). */
export interface Summarizer {
  summarize(input: SummarizeInput): Promise<SummaryOutcome>;
}

/** The segment's events as summary turns (prompt changes left out). */
export function toSummaryTurns(events: readonly EventRecord[]): SummaryTurn[] {
  const turns: SummaryTurn[] = [];
  for (const e of events) {
    if (e.type === 'user_message') turns.push({ role: 'user', content: e.content ?? '' });
    else if (e.type === 'assistant_message')
      turns.push({ role: 'assistant', content: e.content ?? '' });
    else if (e.type === 'tool_call')
      turns.push({
        role: 'tool',
        tool: e.tool ?? undefined,
        content: `${e.tool}(${stableJson(e.arguments ?? {})}) -> ${renderToolResult(e)}`,
        error: e.error,
      });
  }
  return turns;
}

/**
 * The deterministic, offline summarizer: the default, and the fallback when an LLM fails.
 * It costs nothing and calls no model.
 */
export function createExtractiveSummarizer(
  countTokens: (text: string, model: string) => number,
  fallbackReason: string | null = null,
): Summarizer {
  return {
    async summarize({ request, events, previousSummary }) {
      const text = extractiveSummary({
        turns: toSummaryTurns(events),
        previousSummary: previousSummary?.text ?? null,
        maxTokens: request.maxTokens,
        countTokens: (t: string) => countTokens(t, request.model),
      });
      // Under a cap too small for one useful line the extractive summary is empty: say so instead.
      return {
        text: text || '(nothing fitted in the summary token cap)',
        kind: 'extractive',
        model: null,
        promptTokens: 0,
        completionTokens: 0,
        costNano: 0,
        attempts: 0,
        fallbackReason,
      };
    },
  };
}

/**
 * Tries `primary`; on an error or a blank answer, the `fallback` makes the summary and it is
 * marked with the reason. A session is never left waiting for a summary that cannot be made.
 */
export function withFallback(primary: Summarizer, fallback: Summarizer): Summarizer {
  return {
    async summarize(input) {
      let reason: string;
      try {
        const outcome = await primary.summarize(input);
        if (outcome.text.trim()) return outcome;
        reason = 'the summarizer returned a blank summary';
      } catch (error) {
        reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      }
      const made = await fallback.summarize(input);
      return { ...made, fallbackReason: reason.slice(0, 2000) };
    },
  };
}
