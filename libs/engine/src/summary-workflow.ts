import {
  toId,
  type AcceptedEvent,
  type Summarizer,
  type SummaryOutcome,
  type SummaryRequest,
} from '@threadline/core';
import type { SessionKey, SessionStore } from '@threadline/store';

/**
 * The eventId of a summary: deterministic, so duplicate answers collapse. A request is named by
 * the session's life and the newest segment it covers (requests of a life cover disjoint ranges
 * of segments), so that the answer of an earlier life of the session id is never taken for this
 * life's (their event jobs would collapse on one job id).
 */
export function summaryEventIdOf(request: Pick<SummaryRequest, 'life' | 'segmentIndex'>): string {
  return `summary-${request.life}-${request.segmentIndex}`;
}

/**
 * Makes the summary a request asks for, from the store: the events of the sealed segments it
 * covers and the summary before them (rolling). Returns the `summary_ready` event to send through the
 * session's own queue, so that it is ordered with everything else.
 */
export async function produceSummaryEvent(
  store: SessionStore,
  key: SessionKey,
  request: SummaryRequest,
  summarizer: Summarizer,
  now: () => string,
  signal?: AbortSignal,
): Promise<AcceptedEvent> {
  const [events, previousSummary] = await Promise.all([
    store.readEvents(key, request.fromSeq, request.toSeq),
    request.previousSummarySegmentIndex === null
      ? Promise.resolve(null)
      : store.readSummary(key, request.previousSummarySegmentIndex),
  ]);
  const outcome = await summarizer.summarize({ request, events, previousSummary, signal });
  return summaryReadyEvent(key, request, outcome, now());
}

export function summaryReadyEvent(
  key: SessionKey,
  request: SummaryRequest,
  outcome: SummaryOutcome,
  at: string,
): AcceptedEvent {
  return {
    type: 'summary_ready',
    eventId: toId(summaryEventIdOf(request), 'eventId'),
    sessionId: toId(key.sessionId, 'sessionId'),
    occurredAt: at,
    segmentIndex: request.segmentIndex,
    segmentId: request.segmentId,
    summary: {
      text: outcome.text,
      items: outcome.items,
      ...(outcome.reserve && outcome.reserve.length > 0 ? { reserve: outcome.reserve } : {}),
      kind: outcome.kind,
      model: outcome.model,
      promptTokens: outcome.promptTokens,
      completionTokens: outcome.completionTokens,
      costNano: outcome.costNano,
      attempts: outcome.attempts,
      fallbackReason: outcome.fallbackReason,
    },
  };
}
