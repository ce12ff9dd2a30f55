import { z } from 'zod';
import type { ConversationEntry } from './conversation.ts';

/** Most entries one page of the conversation holds (and its default size). */
export const CONVERSATION_PAGE_MAX = 1000;

/**
 * Events one page reads at most, per entry asked for: a page of turns among many tool calls (or
 * prompt changes) that are not shown stops there, and its cursor goes on from where it stopped.
 */
export const CONVERSATION_PAGE_SCAN_FACTOR = 8;

/** Where a page of the conversation starts, by seq (the event's position in the session). */
export interface ConversationPageRequest {
  /** Entries on the page at most. @defaultValue {@link CONVERSATION_PAGE_MAX} */
  limit?: number;
  /** Entries after this seq, oldest first (the next page). Not with `before`. */
  after?: number;
  /**
   * Entries before this seq: the newest `limit` of them, given oldest first (the previous
   * page). Without `after` or `before`, the page is the newest entries.
   */
  before?: number;
}

const seq = z.number().int().min(0);

/** A page request as the SDK takes it: `after` or `before`, not both. */
export const ConversationPageRequestSchema = z
  .object({
    limit: z.number().int().min(1).max(CONVERSATION_PAGE_MAX).optional(),
    after: seq.optional(),
    before: seq.optional(),
  })
  .refine((r) => r.after === undefined || r.before === undefined, {
    path: ['before'],
    error: 'give after (the next page) or before (the previous page), not both',
  });

export interface ConversationPage {
  entries: ConversationEntry[];
  page: {
    limit: number;
    /** Pass as `before` for the entries older than this page; null when there are none. */
    olderBefore: number | null;
    /** Pass as `after` for the entries newer than this page; null when there are none yet. */
    newerAfter: number | null;
  };
}

/**
 * How a page is read: the seq range `[floor, end)` it may cover (the segments asked for), the
 * direction, the seq it starts at, and how many events it may read.
 */
export interface PagePlan {
  direction: 'forward' | 'backward';
  /** Forward: the first seq to read; backward: the seq to read below. */
  start: number;
  floor: number;
  end: number;
  limit: number;
  maxScan: number;
}

export function planConversationPage(
  request: ConversationPageRequest,
  floor: number,
  end: number,
): PagePlan {
  const limit = Math.min(
    CONVERSATION_PAGE_MAX,
    Math.max(1, request.limit ?? CONVERSATION_PAGE_MAX),
  );
  const maxScan = limit * CONVERSATION_PAGE_SCAN_FACTOR;
  if (request.after !== undefined)
    return {
      direction: 'forward',
      start: Math.max(floor, request.after + 1),
      floor,
      end,
      limit,
      maxScan,
    };
  const start = Math.max(floor, Math.min(end, request.before ?? end));
  return { direction: 'backward', start, floor, end, limit, maxScan };
}

/**
 * The cursors of a page read by `plan`, which stopped at `stoppedAt`: forward, the seq after the
 * last event read; backward, the seq of the oldest event read (where the page begins).
 */
export function conversationPage(
  plan: PagePlan,
  entries: ConversationEntry[],
  stoppedAt: number,
): ConversationPage {
  const [from, to] =
    plan.direction === 'forward' ? [plan.start, stoppedAt] : [stoppedAt, plan.start];
  return {
    entries,
    page: {
      limit: plan.limit,
      olderBefore: from > plan.floor ? from : null,
      newerAfter: to < plan.end ? to - 1 : null,
    },
  };
}
