import { NANO_PER_USD } from '../pricing/money.ts';
import type { EventRecord } from './event-record.ts';
import type { SegmentCounters } from './segment.ts';

/** Tokens and cost of one model in a session, as `getStats().usageByModel[model]` gives them. */
export interface ModelUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** USD, for display; `costNano` is the exact figure. */
  cost: number;
  costNano: number;
  /** Assistant messages the model wrote (its LLM calls). */
  calls: number;
}

/** Per-model usage of some events, and the models no price was known for. */
export interface UsageBreakdown {
  /**
   * By model name as the events gave it (`gpt-4o-2024-08-06` apart from `gpt-4o`). What is sent
   * to a model (user messages, tool results) counts for the session's model, as it is priced;
   * the figures of all models add up to the stats' totals.
   */
  usageByModel: Record<string, ModelUsage>;
  /** Models whose tokens were counted but not priced (no price-table entry), first seen first. */
  unpricedModels: string[];
}

/** A running tally of usage by model, folded page by page (a long history is never held whole). */
export interface UsageTally {
  byModel: Map<string, ModelUsage>;
  unpriced: Set<string>;
}

export const emptyUsageTally = (): UsageTally => ({ byModel: new Map(), unpriced: new Set() });

/**
 * Adds `records` to `tally` (in place). `defaultModel` is the session's model, which tool calls
 * are priced for (their records name no model). Prompt changes count for no model.
 */
export function tallyUsage(
  tally: UsageTally,
  records: readonly EventRecord[],
  defaultModel: string,
): UsageTally {
  for (const r of records) {
    if (r.type === 'system_prompt_updated') continue;
    const model = r.model ?? defaultModel;
    let usage = tally.byModel.get(model);
    if (!usage) tally.byModel.set(model, (usage = emptyUsage()));
    usage.promptTokens += r.promptTokens;
    usage.completionTokens += r.completionTokens;
    usage.totalTokens += r.promptTokens + r.completionTokens;
    usage.costNano += r.costNano;
    usage.cost = usage.costNano / NANO_PER_USD;
    if (r.type === 'assistant_message') usage.calls += 1;
    if (r.unpriced) tally.unpriced.add(model);
  }
  return tally;
}

/** The tally as stats give it (a model named `__proto__` is an own key like any other). */
export function usageBreakdown(tally: UsageTally): UsageBreakdown {
  return {
    usageByModel: Object.fromEntries(tally.byModel),
    unpricedModels: [...tally.unpriced],
  };
}

/**
 * The breakdown a scope's counters keep (see `SegmentCounters.byModel`): O(models), no event
 * read. Null for counters persisted before they kept it (fold the scope's events instead).
 */
export function breakdownOfCounters(counters: SegmentCounters): UsageBreakdown | null {
  if (!counters.byModel) return null;
  const tally = emptyUsageTally();
  for (const m of counters.byModel) {
    tally.byModel.set(m.model, {
      promptTokens: m.promptTokens,
      completionTokens: m.completionTokens,
      totalTokens: m.promptTokens + m.completionTokens,
      cost: m.costNano / NANO_PER_USD,
      costNano: m.costNano,
      calls: m.calls,
    });
    if (m.unpriced) tally.unpriced.add(m.model);
  }
  return usageBreakdown(tally);
}

function emptyUsage(): ModelUsage {
  return { promptTokens: 0, completionTokens: 0, totalTokens: 0, cost: 0, costNano: 0, calls: 0 };
}
