import {
  sessionChanges,
  summaryView,
  type PersistedSession,
  type SummaryView,
} from '@threadline/core';
import type { SessionKey, SessionStore } from '@threadline/store';

/** What a watcher of a session hears, in the order it happened. */
export type SessionChange =
  | { type: 'events.applied'; version: number; fromSeq: number; toSeq: number }
  | { type: 'segment.sealed'; version: number; segmentIndex: number; segmentId: string }
  /** A summary landed; `summary.fell_back` when it is the extractive fallback (see `fallbackReason`). */
  | { type: 'summary.landed' | 'summary.fell_back'; version: number; summary: SummaryView }
  /** The session was deleted: nothing more will come. */
  | { type: 'session.deleted'; version: 0 };

/** Options of {@link watchSession}. */
export interface WatchOptions {
  /** Stops the watch (the generator returns). */
  signal: AbortSignal;
  /** The first pause between two reads of the state, and the one after a change, in ms. @defaultValue 100 */
  pollMinMs?: number;
  /** The longest pause, reached by growing ×1.5 while nothing changes, in ms. @defaultValue 1000 */
  pollMaxMs?: number;
}

/** Most landed summaries one poll reads (a catch-up after a long outage reports the newest). */
const SUMMARIES_PER_POLL = 100;

/**
 * Polls the session's state and yields what changed since `from` (the state the caller read
 * first), until the signal aborts or the session is deleted. One read of the state (a HGET of
 * an O(1) document) a poll: every `pollMinMs` right after a change, slowing to `pollMaxMs` while
 * the session is quiet. A change costs one more read when summaries landed (an HMGET of their
 * segments). Changes between two polls are reported together, in order: events, seals, summaries.
 */
export async function* watchSession(
  store: SessionStore,
  key: SessionKey,
  from: { session: PersistedSession; version: number },
  options: WatchOptions,
): AsyncGenerator<SessionChange> {
  const min = options.pollMinMs ?? 100;
  const max = Math.max(min, options.pollMaxMs ?? 1000);
  let last = from;
  let pause = min;
  while (!options.signal.aborted) {
    await sleep(pause, options.signal);
    if (options.signal.aborted) return;
    const now = await store.load(key);
    if (!now) {
      yield { type: 'session.deleted', version: 0 };
      return;
    }
    if (now.version === last.version) {
      pause = Math.min(max, pause * 1.5);
      continue;
    }
    pause = min;
    const { version } = now;
    const changes = sessionChanges(last.session, now.session);
    last = now;
    if (changes.applied) yield { type: 'events.applied', version, ...changes.applied };
    for (const sealed of changes.sealed) yield { type: 'segment.sealed', version, ...sealed };
    if (changes.summaries) {
      const fromIndex = Math.max(
        changes.summaries.fromIndex,
        changes.summaries.toIndex - SUMMARIES_PER_POLL,
      );
      for (const record of await store.readSummaries(key, fromIndex, changes.summaries.toIndex)) {
        const summary = summaryView(record);
        yield {
          type: summary.fallbackReason === null ? 'summary.landed' : 'summary.fell_back',
          version,
          summary,
        };
      }
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
