import { nextSeqOf } from './session-state.ts';
import type { PersistedSession } from './decide.ts';
import { segmentIdOf } from './segment.ts';

/**
 * What changed between two reads of a session's state (the older first): the events applied,
 * the segments sealed, and the segment range whose summaries landed. Decided from the two states
 * alone (O(1)); reading the landed summaries themselves is the caller's.
 */
export interface SessionChanges {
  /** Events applied since: `fromSeq <= seq < toSeq`; null when none. */
  applied: { fromSeq: number; toSeq: number } | null;
  /** Segments sealed since, oldest first. */
  sealed: Array<{ segmentIndex: number; segmentId: string }>;
  /** Summaries landed since are attached to segments `fromIndex <= index < toIndex`; null when none. */
  summaries: { fromIndex: number; toIndex: number } | null;
}

export function sessionChanges(before: PersistedSession, after: PersistedSession): SessionChanges {
  const was = before.context;
  const now = after.context;
  const sealed: SessionChanges['sealed'] = [];
  for (let index = was.open.index; index < now.open.index; index++)
    sealed.push({ segmentIndex: index, segmentId: segmentIdOf(now.sessionId, index) });
  const summarizedBefore = was.latestSummary?.segmentIndex ?? -1;
  const summarizedNow = now.latestSummary?.segmentIndex ?? -1;
  return {
    applied:
      nextSeqOf(now) > nextSeqOf(was) ? { fromSeq: nextSeqOf(was), toSeq: nextSeqOf(now) } : null,
    sealed,
    summaries:
      summarizedNow > summarizedBefore
        ? { fromIndex: summarizedBefore + 1, toIndex: summarizedNow + 1 }
        : null,
  };
}
