import { nextSeqOf } from '../session/session-state.ts';
import type { EventRecord } from '../session/event-record.ts';
import type { SessionState } from '../session/session-state.ts';
import { byEvictionOrder } from '../summary/summary-eviction.ts';
import {
  inPrintOrder,
  renderItemLine,
  renderSummaryText,
  SECTION_HEADINGS,
  type SummaryItem,
  type SummarySection,
} from '../summary/structured-summary.ts';
import { countsExactlyFor } from '../tokens/encoding-for-model.ts';
import { REPLY_PRIMING_TOKENS, type TokenCounter } from '../tokens/token-counter.ts';
import { clipEvent, type ClippedEvent } from './clip-event.ts';
import {
  escapeSummaryMarkers,
  renderEvent,
  renderSummaryMessage,
  type ChatMessage,
} from './render-messages.ts';

export interface ContextOptions {
  /** Put the system prompt first. @defaultValue true */
  includeSystem?: boolean;
  /**
   * Token budget for the whole context (reply priming included). Without one, the context is the
   * summary and every event it does not cover.
   */
  budget?: number | null;
}

/** What assembling a context counts with: the session model's tokenizer. */
export type ContextTokens = Pick<TokenCounter, 'countMessage' | 'countText'>;

/** How the context spent its tokens. */
export interface BudgetReport {
  budget: number | null;
  /** Everything below, plus the reply priming of the chat format: the tokenizer's count. */
  used: number;
  system: number;
  summary: number;
  /** Tokens of the events shown verbatim (the window). */
  turns: number;
  replyPriming: number;
  /** Events shown (verbatim, or clipped: see `clippedEvents`). */
  includedEvents: number;
  /**
   * Of those, events shown clipped (0 or 1): the newest event left out for its size, cut to the
   * room left around a marker saying how much was left out (clip-event.ts).
   */
  clippedEvents: number;
  /** Events no summary covers that were left out to fit the budget: missing from the context. */
  droppedEvents: number;
  /** Of the events shown, how many belong to sealed segments whose summary is still being made. */
  pendingSummaryEvents: number;
  /** Seq of the oldest event shown (the window's start); `nextSeq` when none is. */
  windowFromSeq: number;
  /** Events before this seq are covered by the summary (shown verbatim or as summary items). */
  summaryCoversToSeq: number;
  /** Summary items shown. */
  summaryItems: number;
  /** Summary items left out because the event they come from is shown verbatim. */
  summaryItemsInWindow: number;
  /** Summary items left out to fit the budget (least important first). */
  summaryItemsTrimmed: number;
  /** True when summary items had to be left out to fit the budget. */
  summaryTrimmed: boolean;
  /**
   * True only when the system prompt alone (with the reply priming, 3 tokens) exceeds the budget:
   * nothing else is then sent.
   */
  overBudget: boolean;
  /**
   * Tokens of the stable prefix: the system prompt (when included) and the summary, as rendered
   * here. Without a budget they change only when a summary lands or the prompt changes, so a
   * provider's prompt cache keeps them between calls; with a budget the window can also change
   * the summary (an item whose event is shown verbatim leaves it, and comes back when the event
   * leaves the window), so compare them between reads rather than assume them fixed.
   */
  stablePrefixTokens: number;
  /** How many messages at the start form the stable prefix (0, 1 or 2: system, summary). */
  stablePrefixMessages: number;
  /**
   * `exact` when the session's model is an OpenAI model whose tokenizer we have and the messages
   * are sent as counted (OpenAI chat format); `estimated` for any other model (Claude, Gemini:
   * counted with OpenAI's o200k_base) or any other format (its framing is not what we counted).
   */
  tokenCount: 'exact' | 'estimated';
}

export interface ContextWindow {
  messages: ChatMessage[];
  report: BudgetReport;
}

/** The seq range of events not covered by a landed summary: what the context must show. */
export function uncoveredRange(state: SessionState): { fromSeq: number; toSeq: number } {
  return { fromSeq: state.latestSummary?.coversToSeq ?? 0, toSeq: nextSeqOf(state) };
}

/**
 * What to send to the model next: the anatomy is
 *
 * ```text
 * system prompt | summary of everything before the window | window: recent events verbatim
 * ```
 *
 * **Without a budget**: the latest summary and every event it does not cover, in order.
 *
 * **With a budget** (never exceeded, unless the system prompt alone does: then `overBudget` and
 * only the system prompt), in this order of priority:
 *
 * 1. the system prompt;
 * 2. the latest user message and the latest assistant message (continuation: the model sees the
 *    request it answers and what it said last);
 * 3. the latest summary, minus the items whose source event is shown verbatim; when it does not
 *    fit, its least important items are left out (`summaryTrimmed`), never cut mid-text;
 * 4. the window: first the events no summary covers, newest first (one too large for what is
 *    left is skipped, older ones still tried: it would be missing either way); then, when there
 *    is room, back into summarized segments, newest first and contiguous (it ends at the first
 *    event that does not fit, skipping only an outlier over a quarter of the budget). As an
 *    event enters the window, the summary items it is the source of leave the summary: nothing
 *    is shown twice, and an event left out keeps its items in the summary;
 * 5. room still left brings back summary items trimmed in step 3, most important first;
 * 6. room still left (at least `CLIP_MIN_TOKENS`, 48) shows the newest event left out for its
 *    size clipped to that room: its start and end around a marker saying how many tokens were
 *    left out (clip-event.ts). Its summary items stay: it is not shown whole.
 *
 * A tool call is one event (the assistant's `tool_calls` message and its result): never split.
 *
 * `newestFirst` holds events from the newest back; the reader stops once it has enough for the
 * budget, so the cost of a read follows the window, not the history. `tokens` counts the
 * summary as rendered for this window (events carry their counts, measured once).
 */
export function assembleContext(
  state: SessionState,
  newestFirst: readonly EventRecord[],
  options: ContextOptions,
  tokens: ContextTokens,
): ContextWindow {
  const includeSystem = options.includeSystem ?? true;
  const budget = options.budget ?? null;
  const model = state.config.defaultModel;
  const system =
    includeSystem && state.systemPrompt
      ? {
          message: { role: 'system', content: state.systemPrompt } as ChatMessage,
          tokens: state.systemPromptTokens,
        }
      : null;
  const systemTokens = system?.tokens ?? 0;
  const coversToSeq = state.latestSummary?.coversToSeq ?? 0;
  const allItems = state.latestSummary?.items ?? [];
  const summaryCost = new SummaryCost(allItems, tokens, model);

  const shown = new Map<number, EventRecord>();
  const clipped = new Map<number, ClippedEvent>();
  const hidden = new Set<SummaryItem>();
  const trimmed = new Set<SummaryItem>();
  const hide = (seq: number) => {
    for (const item of summaryCost.itemsFrom(seq)) {
      hidden.add(item);
      trimmed.delete(item);
    }
  };
  let overBudget = false;

  if (budget === null) {
    for (const record of newestFirst) if (record.seq >= coversToSeq) shown.set(record.seq, record);
  } else {
    let room = budget - systemTokens - REPLY_PRIMING_TOKENS;
    if (room < 0) {
      overBudget = true;
      room = -Infinity;
    }
    // 2. Continuation first: the latest user message, then the latest assistant message.
    for (const type of ['user_message', 'assistant_message'] as const) {
      const record = newestFirst.find((r) => r.type === type);
      if (record && record.contextTokens <= room) {
        shown.set(record.seq, record);
        room -= record.contextTokens;
        hide(record.seq);
      }
    }
    // 3. The summary, its least important items left out while it does not fit.
    const byImportance = [...allItems].sort(byEvictionOrder);
    while (summaryCost.of(hidden, trimmed) > room) {
      const next = byImportance.find((item) => !hidden.has(item) && !trimmed.has(item));
      if (!next) break;
      trimmed.add(next);
    }
    room -= summaryCost.of(hidden, trimmed);
    // 4a. The events no summary covers, newest first: one too large for what is left is
    // skipped (it would be missing either way) and older ones are still tried.
    for (const record of newestFirst) {
      if (record.seq < coversToSeq || shown.has(record.seq)) continue;
      if (record.contextTokens > room) continue;
      shown.set(record.seq, record);
      room -= record.contextTokens;
    }
    // 4b. Back into summarized segments, newest first, each event costing what it takes less
    // what its summary items free. The window stays contiguous: it ends at the first event that
    // does not fit, unless that event alone is an outlier (over a quarter of the budget, a huge
    // tool result), which is skipped: its items stay in the summary.
    const outlier = budget / 4;
    for (const record of newestFirst) {
      if (record.seq >= coversToSeq || shown.has(record.seq)) continue;
      const freed = summaryCost.freedBy(record.seq, hidden, trimmed);
      if (record.contextTokens - freed > room) {
        if (record.contextTokens > outlier) continue;
        break;
      }
      shown.set(record.seq, record);
      room -= record.contextTokens - freed;
      hide(record.seq);
    }
    // 5. Room left: summary items trimmed above come back, most important first, if they fit.
    for (const item of [...trimmed].sort(byEvictionOrder).reverse()) {
      if (hidden.has(item)) continue;
      const withIt = new Set(trimmed);
      withIt.delete(item);
      const extra = summaryCost.of(hidden, withIt) - summaryCost.of(hidden, trimmed);
      if (extra > room) continue;
      trimmed.delete(item);
      room -= extra;
    }
    // 6. Room left: the newest event left out for its size, clipped to that room.
    const unshown = newestFirst.find((r) => !shown.has(r.seq) && r.contextTokens > room);
    const clip = unshown
      ? clipEvent(unshown, room, (message) => tokens.countMessage(message, model))
      : null;
    if (unshown && clip) {
      shown.set(unshown.seq, unshown);
      clipped.set(unshown.seq, clip);
      room -= clip.tokens;
    }
  }

  // The estimate above is the tokenizer's count line by line; the rendered whole is what
  // counts. Should it be over (a merge across a line end), the least important item goes, then
  // the oldest event that is not the latest user or assistant message.
  const pinned = new Set(
    (['user_message', 'assistant_message'] as const).flatMap((type) => {
      const record = newestFirst.find((r) => r.type === type);
      return record ? [record.seq] : [];
    }),
  );
  const renderNow = () =>
    render(state, shown, clipped, hidden, trimmed, system, tokens, model, overBudget);
  let assembled = renderNow();
  while (budget !== null && !overBudget && assembled.used > budget) {
    const clippedSeq = [...clipped.keys()][0];
    if (clippedSeq !== undefined) {
      // The clipped event goes first: it was only filling what room was left.
      clipped.delete(clippedSeq);
      shown.delete(clippedSeq);
      assembled = renderNow();
      continue;
    }
    const visibleItems = allItems
      .filter((item) => !hidden.has(item) && !trimmed.has(item))
      .sort(byEvictionOrder);
    if (visibleItems.length > 0) trimmed.add(visibleItems[0]!);
    else {
      const oldest = [...shown.values()]
        .filter((r) => !pinned.has(r.seq))
        .sort((a, b) => a.seq - b.seq)[0];
      if (!oldest) break;
      shown.delete(oldest.seq);
    }
    assembled = renderNow();
  }
  const { messages, window, visible, summaryTokens, turns } = assembled;
  const systemShown = messages[0]?.role === 'system';
  const shownUncovered = window.filter((r) => r.seq >= coversToSeq).length;
  const firstOpenSeq = state.open.fromSeq;
  return {
    messages,
    report: {
      budget,
      used: assembled.used,
      system: systemTokens,
      summary: summaryTokens,
      turns,
      replyPriming: REPLY_PRIMING_TOKENS,
      includedEvents: window.length,
      clippedEvents: window.filter((r) => clipped.has(r.seq)).length,
      droppedEvents: nextSeqOf(state) - coversToSeq - shownUncovered,
      pendingSummaryEvents: window.filter((r) => r.seq >= coversToSeq && r.seq < firstOpenSeq)
        .length,
      windowFromSeq: window[0]?.seq ?? nextSeqOf(state),
      summaryCoversToSeq: coversToSeq,
      summaryItems: visible.length,
      summaryItemsInWindow: hidden.size,
      summaryItemsTrimmed: trimmed.size,
      summaryTrimmed: trimmed.size > 0,
      overBudget,
      stablePrefixTokens: (systemShown ? systemTokens : 0) + summaryTokens,
      stablePrefixMessages: (systemShown ? 1 : 0) + (summaryTokens > 0 ? 1 : 0),
      tokenCount: countsExactlyFor(model) ? 'exact' : 'estimated',
    },
  };
}

/** The messages for this choice of events and items, and what they cost. */
function render(
  state: SessionState,
  shown: ReadonlyMap<number, EventRecord>,
  clipped: ReadonlyMap<number, ClippedEvent>,
  hidden: ReadonlySet<SummaryItem>,
  trimmed: ReadonlySet<SummaryItem>,
  system: { message: ChatMessage; tokens: number } | null,
  tokens: ContextTokens,
  model: string,
  overBudget: boolean,
) {
  const systemTokens = system?.tokens ?? 0;
  if (overBudget) {
    return {
      messages: system ? [system.message] : [],
      window: [] as EventRecord[],
      visible: [] as SummaryItem[],
      summaryTokens: 0,
      turns: 0,
      used: systemTokens + REPLY_PRIMING_TOKENS,
    };
  }
  const allItems = state.latestSummary?.items ?? [];
  const window = [...shown.values()].sort((a, b) => a.seq - b.seq);
  const visible = allItems.filter((item) => !hidden.has(item) && !trimmed.has(item));
  let summaryMessage: ChatMessage | null = null;
  let summaryTokens = 0;
  if (state.latestSummary && visible.length > 0) {
    summaryMessage = renderSummaryMessage(renderSummaryText(inPrintOrder(visible)));
    // Counted as rendered for this window (a few hundred tokens at most): a count stored by an
    // older version, or for another set of items, is never trusted.
    summaryTokens = tokens.countMessage(summaryMessage, model);
  }
  let turns = 0;
  for (const record of window) turns += clipped.get(record.seq)?.tokens ?? record.contextTokens;
  const messages: ChatMessage[] = [];
  if (system) messages.push(system.message);
  if (summaryMessage) messages.push(summaryMessage);
  for (const record of window)
    messages.push(...(clipped.get(record.seq)?.messages ?? renderEvent(record)));
  return {
    messages,
    window,
    visible,
    summaryTokens,
    turns,
    used: systemTokens + summaryTokens + turns + REPLY_PRIMING_TOKENS,
  };
}

/**
 * The tokens the summary message costs for a given set of left-out items: its wrapper (role,
 * preamble, markers), each section heading in use, and one line per item. Lines end in a
 * newline, so the sum is the count of the rendered text.
 */
class SummaryCost {
  readonly #lines = new Map<SummaryItem, number>();
  readonly #bySeq = new Map<number, SummaryItem[]>();
  readonly #headings = new Map<SummarySection, number>();
  readonly #wrapper: number;

  constructor(
    readonly items: readonly SummaryItem[],
    private readonly tokens: ContextTokens,
    private readonly model: string,
  ) {
    this.#wrapper = items.length > 0 ? tokens.countMessage(renderSummaryMessage(''), model) : 0;
    for (const item of items) {
      const list = this.#bySeq.get(item.seq);
      if (list) list.push(item);
      else this.#bySeq.set(item.seq, [item]);
    }
  }

  /** Items whose source is the event at `seq` (never those of unknown source, seq -1). */
  itemsFrom(seq: number): readonly SummaryItem[] {
    return seq < 0 ? [] : (this.#bySeq.get(seq) ?? []);
  }

  /** Tokens of the summary message with these items left out (0 when none is left). */
  of(hidden: ReadonlySet<SummaryItem>, trimmed: ReadonlySet<SummaryItem>): number {
    let total = 0;
    const sections = new Set<SummarySection>();
    for (const item of this.items) {
      if (hidden.has(item) || trimmed.has(item)) continue;
      total += this.#line(item);
      sections.add(item.section);
    }
    if (sections.size === 0) return 0;
    for (const section of sections) total += this.#heading(section);
    return total + this.#wrapper;
  }

  /** What showing the event at `seq` verbatim frees in the summary. */
  freedBy(
    seq: number,
    hidden: ReadonlySet<SummaryItem>,
    trimmed: ReadonlySet<SummaryItem>,
  ): number {
    const from = this.itemsFrom(seq).filter((item) => !hidden.has(item) && !trimmed.has(item));
    if (from.length === 0) return 0;
    const more = new Set([...hidden, ...from]);
    return this.of(hidden, trimmed) - this.of(more, trimmed);
  }

  #line(item: SummaryItem): number {
    let cost = this.#lines.get(item);
    if (cost === undefined) {
      cost = this.tokens.countText(`${escapeSummaryMarkers(renderItemLine(item))}\n`, this.model);
      this.#lines.set(item, cost);
    }
    return cost;
  }

  #heading(section: SummarySection): number {
    let cost = this.#headings.get(section);
    if (cost === undefined) {
      cost = this.tokens.countText(`${SECTION_HEADINGS[section]}\n`, this.model);
      this.#headings.set(section, cost);
    }
    return cost;
  }
}
