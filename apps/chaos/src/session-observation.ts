import {
  nextSeqOf,
  type ChatMessage,
  type EventRecord,
  type PersistedSession,
  type SegmentRecord,
  type SessionStats,
} from '@threadline/core';
import type { SessionReader } from '@threadline/engine';
import type { RetryingHttpClient } from './retrying-http-client.ts';

/** Everything the checker looks at of one session, read back after the run. */
export interface SessionObservation {
  sessionId: string;
  /** The machine's state: `active`, or `summarizing` while a sealed segment waits. */
  state: PersistedSession['value'];
  /** The segment log, every segment, in seq order. */
  events: EventRecord[];
  /** Sealed segments (with their summaries), then the open one. */
  chain: SegmentRecord[];
  /** Stats of the whole chain (`allSegments`). */
  stats: SessionStats;
  /** Stats of the open segment. */
  openStats: SessionStats;
  /** What `getMessagesForLlm()` returns (no budget). */
  messages: ChatMessage[];
}

/**
 * Reads a session back through the HTTP API, as a platform would: the export (state and every
 * event), the chain, both stats and the messages. Null when the API says it does not exist.
 */
export async function observeOverHttp(
  client: RetryingHttpClient,
  sessionId: string,
): Promise<SessionObservation | null> {
  const path = `/v1/sessions/${encodeURIComponent(sessionId)}`;
  const exported = await client.requestText('GET', `${path}/export`, [200, 404]);
  if (exported.status === 404) return null;
  const lines = exported.text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { kind: string } & Record<string, unknown>);
  const session = lines.find((l) => l.kind === 'session')?.['session'] as PersistedSession;
  const events = lines
    .filter((l) => l.kind === 'event')
    .map(({ kind: _kind, ...record }) => record as unknown as EventRecord);
  const [chain, stats, openStats, messages] = await Promise.all([
    client.request('GET', `${path}/chain`, undefined, [200]),
    client.request('GET', `${path}/stats?allSegments=true`, undefined, [200]),
    client.request('GET', `${path}/stats`, undefined, [200]),
    client.request('GET', `${path}/messages`, undefined, [200]),
  ]);
  return {
    sessionId,
    state: session.value,
    events,
    chain: (chain.body as { segments: SegmentRecord[] }).segments,
    stats: stats.body as SessionStats,
    openStats: openStats.body as SessionStats,
    messages: (messages.body as { messages: ChatMessage[] }).messages,
  };
}

/** The same reads straight from a runtime's reader (the embedded reference). */
export async function observeWithReader(
  reader: SessionReader,
  key: { tenant: string; sessionId: string },
): Promise<SessionObservation> {
  const stored = await reader.session(key);
  const [events, chain, stats, openStats, window] = await Promise.all([
    reader.store.readEvents(key, 0, nextSeqOf(stored.session.context)),
    reader.chain(key),
    reader.stats(key, { allSegments: true }),
    reader.stats(key, { allSegments: false }),
    reader.messagesForLlm(key),
  ]);
  return {
    sessionId: key.sessionId,
    state: stored.session.value,
    events,
    chain,
    stats,
    openStats,
    messages: window.messages,
  };
}
