import {
  assembleContext,
  emptyUsageTally,
  defaultTokenCounter,
  type ContextTokens,
  type TokenCounter,
  sessionStats,
  tallyUsage,
  usageBreakdown,
  toConversation,
  conversationPage,
  planConversationPage,
  type ContextOptions,
  type ConversationPage,
  type ConversationPageRequest,
  type ContextWindow,
  type ConversationEntry,
  type EventRecord,
  type OpenSegment,
  type SegmentRecord,
  type SessionStats,
  type SessionState,
  type UsageBreakdown,
  nextSeqOf,
  SUMMARY_PAGE_MAX,
  summaryView,
  type SummaryPage,
  type SummaryPageRequest,
} from '@threadline/core';
import type { SessionKey, SessionStore, StoredSession } from '@threadline/store';
import { SessionNotFoundError } from './engine-errors.ts';

/** The open segment as a chain entry (status `open`, not sealed, no summary yet). */
export function openSegmentRecord(open: OpenSegment): SegmentRecord {
  return {
    index: open.index,
    id: open.id,
    parentId: open.parentId,
    status: 'open',
    fromSeq: open.fromSeq,
    toSeq: null,
    openedAt: open.openedAt,
    sealedAt: null,
    counters: open.counters,
    summary: null,
  };
}

export interface ConversationOptions {
  /** Every segment of the chain, not only the open one. @defaultValue false */
  allSegments?: boolean;
  /** Include tool calls as `tool` entries. @defaultValue false */
  includeTools?: boolean;
}

/**
 * Every read of a session, over the SessionStore port, so that all runtimes answer alike.
 * The context read pages back from the newest event and stops once the budget is spent: its
 * cost follows the window, not the history.
 */
export class SessionReader {
  constructor(
    readonly store: SessionStore,
    /** Counts the summary as each context renders it (prepared for the sessions' models). */
    private readonly tokens: ContextTokens & Pick<TokenCounter, 'prepare'> = defaultTokenCounter,
    /** Events fetched per round trip when the context reads back from the newest. */
    private readonly pageSize = 64,
  ) {}

  async session(key: SessionKey): Promise<StoredSession> {
    const stored = await this.store.load(key);
    if (!stored) throw new SessionNotFoundError(key);
    return stored;
  }

  async messagesForLlm(key: SessionKey, options: ContextOptions = {}): Promise<ContextWindow> {
    const { session } = await this.session(key);
    const state = session.context;
    const coversToSeq = state.latestSummary?.coversToSeq ?? 0;
    const budget = options.budget ?? null;
    const newestFirst: EventRecord[] = [];
    // Without a budget every event the summary does not cover is needed: one read. With one,
    // page back from the newest (into summarized segments too: the window fills the budget)
    // until twice the budget has been read: enough to fill it even when a large event is
    // skipped, and a read still costs O(window), not O(history).
    const enough = budget === null ? Infinity : 2 * budget;
    let tokens = 0;
    let end = nextSeqOf(state);
    const floor = budget === null ? coversToSeq : 0;
    while (end > floor && tokens < enough) {
      const start = budget === null ? floor : Math.max(floor, end - this.pageSize);
      const page = await this.store.readEvents(key, start, end);
      for (let i = page.length - 1; i >= 0; i--) {
        newestFirst.push(page[i]!);
        tokens += page[i]!.contextTokens;
      }
      end = start;
    }
    await this.tokens.prepare([state.config.defaultModel]);
    return assembleContext(state, newestFirst, options, this.tokens);
  }

  async conversation(
    key: SessionKey,
    options: ConversationOptions = {},
  ): Promise<ConversationEntry[]> {
    const { session } = await this.session(key);
    const from = options.allSegments ? 0 : session.context.open.fromSeq;
    const records = await this.store.readEvents(key, from, nextSeqOf(session.context));
    return toConversation(records, options.includeTools ?? false);
  }

  /**
   * A page of the conversation, by seq cursor in either direction (core's conversation-page.ts
   * decides the range and the cursors). It reads events in pages of `pageSize` and stops at
   * `limit` entries or after `limit × 8` events, whichever comes first: bounded either way.
   */
  async conversationPage(
    key: SessionKey,
    options: ConversationOptions & ConversationPageRequest = {},
  ): Promise<ConversationPage> {
    const { session } = await this.session(key);
    const floor = options.allSegments ? 0 : session.context.open.fromSeq;
    const plan = planConversationPage(options, floor, nextSeqOf(session.context));
    const includeTools = options.includeTools ?? false;
    const entries: ConversationEntry[] = [];
    let scanned = 0;
    let at = plan.start;
    if (plan.direction === 'forward') {
      while (at < plan.end && entries.length < plan.limit && scanned < plan.maxScan) {
        const to = Math.min(plan.end, at + this.pageSize);
        const records = await this.store.readEvents(key, at, to);
        for (const record of records) {
          if (entries.length >= plan.limit || scanned >= plan.maxScan) break;
          at = record.seq + 1;
          scanned += 1;
          entries.push(...toConversation([record], includeTools));
        }
        if (records.length === 0) at = to;
      }
    } else {
      const newestFirst: ConversationEntry[] = [];
      while (at > plan.floor && newestFirst.length < plan.limit && scanned < plan.maxScan) {
        const from = Math.max(plan.floor, at - this.pageSize);
        const records = await this.store.readEvents(key, from, at);
        for (let i = records.length - 1; i >= 0; i--) {
          if (newestFirst.length >= plan.limit || scanned >= plan.maxScan) break;
          at = records[i]!.seq;
          scanned += 1;
          newestFirst.push(...toConversation([records[i]!], includeTools));
        }
        if (records.length === 0) at = from;
      }
      entries.push(...newestFirst.reverse());
    }
    return conversationPage(plan, entries, at);
  }

  /** The chain, oldest first: sealed segments (with their summaries) and the open one. */
  async chain(key: SessionKey): Promise<SegmentRecord[]> {
    const { session } = await this.session(key);
    const sealed = await this.store.readSealedSegments(key);
    // A catch-up summary is attached to the newest segment it covers; the ones before it are
    // summarized too.
    const summarizedUpTo = session.context.latestSummary?.segmentIndex ?? -1;
    return [
      ...sealed.map((segment) =>
        segment.index <= summarizedUpTo ? { ...segment, status: 'summarized' as const } : segment,
      ),
      openSegmentRecord(session.context.open),
    ];
  }

  /**
   * The session's stats, from the session's state: O(models). Counters persisted before they
   * kept the per-model breakdown have it folded from the scope's events instead (the open
   * segment's, or all of them), read a page at a time: O(events in scope) to read, O(models) in
   * memory.
   */
  async stats(key: SessionKey, options: { allSegments?: boolean } = {}): Promise<SessionStats> {
    const { session } = await this.session(key);
    const state = session.context;
    const allSegments = options.allSegments ?? false;
    const counters = allSegments ? state.totals : state.open.counters;
    const folded = counters.byModel
      ? undefined
      : await this.#foldUsage(key, allSegments ? 0 : state.open.fromSeq, state);
    return sessionStats(state, session.value, allSegments, folded);
  }

  /** Usage by model of events `from` up to the newest, read a page at a time (legacy counters). */
  async #foldUsage(key: SessionKey, from: number, state: SessionState): Promise<UsageBreakdown> {
    const tally = emptyUsageTally();
    const end = nextSeqOf(state);
    const page = 8 * this.pageSize;
    for (let at = from; at < end; at += page)
      tallyUsage(
        tally,
        await this.store.readEvents(key, at, Math.min(at + page, end)),
        state.config.defaultModel,
      );
    return usageBreakdown(tally);
  }

  /**
   * A page of the session's landed summaries, oldest first, by segment-index cursor. It looks at
   * the sealed segments after `after` in windows of `limit` indexes (one HMGET each) and stops
   * once the page is full or after 4 windows: O(limit) per round trip, at most 4 round trips. A
   * page may hold fewer than `limit` (segments covered by a catch-up summary have none of their
   * own): follow `page.nextAfter` until it is null.
   */
  async summaries(key: SessionKey, request: SummaryPageRequest = {}): Promise<SummaryPage> {
    const { session } = await this.session(key);
    const limit = request.limit ?? SUMMARY_PAGE_MAX;
    // Every landed summary is attached at or before the newest one's segment; segments after it
    // are still waiting for theirs, so the cursor never passes a summary that is yet to land.
    const end = (session.context.latestSummary?.segmentIndex ?? -1) + 1;
    const found: SummaryPage['summaries'] = [];
    let at = request.after === undefined ? 0 : request.after + 1;
    for (let windows = 0; windows < 4 && at < end && found.length < limit; windows++) {
      const to = Math.min(end, at + limit - found.length);
      const records = await this.store.readSummaries(key, at, to);
      found.push(...records.map(summaryView));
      at = to;
    }
    return { summaries: found, page: { limit, nextAfter: at < end ? at - 1 : null } };
  }
}
