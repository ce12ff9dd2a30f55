import {
  inPrintOrder,
  renderSummaryText,
  type SummarizeInput,
  type SummaryItem,
  type SummaryOutcome,
} from '@threadline/core';

/**
 * What a summary falls back to when the code that should make it did not (it ran past its
 * timeout, its thread died, or its queue job failed for good). It must be cheap and pure: it
 * runs instead of the code that failed, on the thread that serves everything else, so it may
 * not summarize anything itself.
 *
 * @param input - the request and the summary before it (the events are not needed)
 * @param reason - why it is used, for the outcome's `fallbackReason` (tenants read it: no URL,
 *   no host, no error text from a provider)
 */
export type TimeoutFallback = (
  input: Pick<SummarizeInput, 'request' | 'previousSummary'>,
  reason: string,
) => SummaryOutcome;

/** The events a request covers, for people: `events 12–19 are`, `event 12 is` (`toSeq` is exclusive). */
function eventsAre(fromSeq: number, toSeq: number): string {
  const last = toSeq - 1;
  return last <= fromSeq ? `event ${fromSeq} is` : `events ${fromSeq}–${last} are`;
}

/**
 * The default {@link TimeoutFallback}: the previous summary's items carried forward as they were
 * (aged by one roll), and one item saying which events could not be summarized in time, so that
 * the model reading the context knows something is missing there. It weighs least, so it is the
 * first to go when a later summary needs room. `kind: 'extractive'` (no model was called),
 * nothing spent, `fallbackReason` = `reason`.
 *
 * ```text
 * <the previous summary's items>
 * Facts:
 * - (not summarized in time: events 12–19 are missing from this summary)
 * ```
 */
export function timeoutFallback(
  input: Pick<SummarizeInput, 'request' | 'previousSummary'>,
  reason: string,
): SummaryOutcome {
  const { fromSeq, toSeq } = input.request;
  const note: SummaryItem = {
    key: `gap:${fromSeq}-${toSeq}`,
    section: 'facts',
    text: `(not summarized in time: ${eventsAre(fromSeq, toSeq)} missing from this summary)`,
    seq: -1,
    weight: 1,
    mentions: 0,
    age: 0,
  };
  const carried = (input.previousSummary?.items ?? []).map((item) => ({
    ...item,
    age: item.age + 1,
  }));
  const items = inPrintOrder([...carried, note]);
  return {
    text: renderSummaryText(items),
    items,
    kind: 'extractive',
    model: null,
    promptTokens: 0,
    completionTokens: 0,
    costNano: 0,
    attempts: 0,
    fallbackReason: reason,
  };
}
