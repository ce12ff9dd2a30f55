import { nextSeqOf } from '@threadline/core';
import { openSegmentRecord } from '@threadline/engine';
import type { SessionKey, SessionStore, StoredSession } from '@threadline/store';

/** Events read per round trip by the export. */
const EXPORT_PAGE = 500;

/**
 * The whole session as JSON lines: a `session` line (the stored state), one `event` line per
 * event in order, then one `segment` line per segment of the chain, each with its summary.
 * The caller loaded `stored` first, so a missing session throws before anything is sent; the
 * events are paged (memory stays flat whatever the length of the history).
 */
export async function* exportSessionLines(
  store: SessionStore,
  key: SessionKey,
  stored: StoredSession,
  exportedAt: string,
): AsyncGenerator<string> {
  const { tenant, sessionId } = key;
  yield `${JSON.stringify({ kind: 'session', tenant, sessionId, exportedAt, version: stored.version, session: stored.session })}\n`;
  const end = nextSeqOf(stored.session.context);
  for (let from = 0; from < end; from += EXPORT_PAGE) {
    const page = await store.readEvents(key, from, Math.min(end, from + EXPORT_PAGE));
    yield page.map((event) => `${JSON.stringify({ kind: 'event', ...event })}\n`).join('');
  }
  // The chain as of the exported state: segments sealed after it are left out, and the open
  // segment is the one of that state (the reader's chain would show the newest).
  const open = stored.session.context.open;
  const sealed = (await store.readSealedSegments(key)).filter((s) => s.index < open.index);
  for (const segment of [...sealed, openSegmentRecord(open)])
    yield `${JSON.stringify({ kind: 'segment', ...segment })}\n`;
}
