import type { SummaryKind } from '../schemas/event.ts';
import type { EventRecord } from './event-record.ts';
import type { SummaryRecord } from './segment.ts';
import type { SummaryRequest } from './session-state.ts';
import { extractiveSummary } from '../summary/extractive-summarizer.ts';
import { summaryTextCap } from '../context/render-messages.ts';
import type { SummaryItem } from '../summary/structured-summary.ts';

/**
 * What a summarizer gets: the events of the sealed segments a request covers (one, or several
 * when catching up) and the summary before them (rolling).
 */
export interface SummarizeInput {
  request: SummaryRequest;
  events: EventRecord[];
  previousSummary: SummaryRecord | null;
  signal?: AbortSignal;
}

/** What it gives back; costs in integer nano-dollars. */
export interface SummaryOutcome {
  /** The rendering of `items`. */
  text: string;
  /** The structured summary (structured-summary.ts): what the context shows, item by item. */
  items: SummaryItem[];
  /** Items left out by the cap, kept for later (see `SummaryRecord.reserve`). */
  reserve?: SummaryItem[];
  kind: SummaryKind;
  model: string | null;
  promptTokens: number;
  completionTokens: number;
  costNano: number;
  attempts: number;
  /** Set when the preferred summarizer failed and a fallback made this one. */
  fallbackReason: string | null;
}

/** Makes the summary of sealed segments (an LLM, the extractive one, a user callback). */
export interface Summarizer {
  summarize(input: SummarizeInput): Promise<SummaryOutcome>;
}

/** The text of a summary with no item (nothing in its turns was worth keeping). */
export const EMPTY_SUMMARY_TEXT = '(nothing in these turns needed keeping)';

/** What the extractive summarizer counts with: a token counter, which it readies itself. */
export interface SummaryTokenCounting {
  /** Loads what counting for these models needs (a no-op once loaded). */
  prepare(models: Iterable<string>): Promise<void>;
  countText(text: string, model: string): number;
}

/**
 * The deterministic, offline summarizer: the default, and the fallback when an LLM fails.
 * It costs nothing and calls no model. Given a token counter, it loads the request model's
 * tokenizer itself before counting (hosts need not prepare it); a bare counting function must
 * be able to count already.
 */
export function createExtractiveSummarizer(
  tokens: SummaryTokenCounting | ((text: string, model: string) => number),
  fallbackReason: string | null = null,
): Summarizer {
  return {
    async summarize({ request, events, previousSummary }) {
      if (typeof tokens !== 'function') await tokens.prepare([request.model]);
      const count = (t: string) =>
        typeof tokens === 'function'
          ? tokens(t, request.model)
          : tokens.countText(t, request.model);
      const made = extractiveSummary({
        events,
        previous: previousSummary?.items ?? null,
        reserve: previousSummary?.reserve ?? [],
        maxTokens: summaryTextCap(request.maxTokens, count),
        countTokens: count,
      });
      return {
        text: made.text || EMPTY_SUMMARY_TEXT,
        items: made.items,
        reserve: made.reserve,
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
