import { z } from 'zod';
import type { SummaryKind } from '../schemas/event.ts';
import type { SummaryRecord } from './segment.ts';

/** Most summaries one page holds (and its default size). */
export const SUMMARY_PAGE_MAX = 100;

/** Where a page of a session's landed summaries starts, oldest first. */
export interface SummaryPageRequest {
  /** Summaries on the page at most. @defaultValue {@link SUMMARY_PAGE_MAX} */
  limit?: number;
  /** A segment index: the summaries attached to segments after it (pass `page.nextAfter`). */
  after?: number;
}

/** A page request as the SDK takes it. */
export const SummaryPageRequestSchema = z.object({
  limit: z.number().int().min(1).max(SUMMARY_PAGE_MAX).optional(),
  after: z.number().int().min(0).optional(),
});

/** One landed summary as the API and the SDK show it: what it is, what it covers, what it cost. */
export interface SummaryView {
  /** The segment it is attached to (the newest it covers). */
  segmentIndex: number;
  segmentId: string;
  /** The oldest segment it newly covers (== segmentIndex unless it caught up on several). */
  firstSegmentIndex: number;
  kind: SummaryKind;
  model: string | null;
  /** The events it newly covers: `fromSeq <= seq < toSeq`. */
  fromSeq: number;
  toSeq: number;
  /** Tokens it occupies as a context message. */
  contextTokens: number;
  /** What making it cost: the summarizer's own LLM call (0 for an extractive summary). */
  promptTokens: number;
  completionTokens: number;
  costNano: number;
  attempts: number;
  /** Why the extractive summary was used instead of the one asked for; null when it was not. */
  fallbackReason: string | null;
  text: string;
  createdAt: string;
  eventId: string;
}

export interface SummaryPage {
  summaries: SummaryView[];
  page: {
    limit: number;
    /**
     * Pass as `after` for the next page; null when this page reached the newest landed summary
     * (later, pass the last summary's `segmentIndex` as `after` for the ones landed since).
     */
    nextAfter: number | null;
  };
}

export function summaryView(record: SummaryRecord): SummaryView {
  return {
    segmentIndex: record.segmentIndex,
    segmentId: record.segmentId,
    firstSegmentIndex: record.firstSegmentIndex,
    kind: record.kind,
    model: record.model,
    fromSeq: record.fromSeq,
    toSeq: record.coversToSeq,
    contextTokens: record.contextTokens,
    promptTokens: record.promptTokens,
    completionTokens: record.completionTokens,
    costNano: record.costNano,
    attempts: record.attempts,
    fallbackReason: record.fallbackReason,
    text: record.text,
    createdAt: record.createdAt,
    eventId: record.eventId,
  };
}
