import {
  sessionFromStoredJson,
  sessionToStoredJson,
  type EventRecord,
  type SegmentRecord,
  type SummaryRecord,
} from '@threadline/core';
import {
  keyString,
  type CommitRequest,
  type CommitResult,
  type SessionKey,
  type SessionStore,
  type StoredSession,
} from './session-store.ts';

interface Entry {
  /** The session as the Redis store keeps it: its JSON, without what is derived. */
  stored: { sessionJson: string; version: number };
  events: EventRecord[];
  eventIds: Set<string>;
  segments: Map<number, SegmentRecord>;
  summaries: Map<number, SummaryRecord>;
}

/** Values go in and out as JSON, exactly as they would through Redis: no aliasing, same shapes. */
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/**
 * In-process store for the embedded runtime and tests.
 *
 * Tombstones (see `deleteSession`) are a plain Set and never expire: the store has no clock, and
 * lives only as long as its process. A deleted session stays deleted for implicit creates until
 * an explicit create clears its tombstone (the Redis store's tombstone has a TTL instead).
 */
export class MemorySessionStore implements SessionStore {
  private readonly entries = new Map<string, Entry>();
  /** keyString of every deleted session not explicitly created again since. */
  private readonly tombstones = new Set<string>();

  async load(key: SessionKey): Promise<StoredSession | null> {
    const entry = this.entries.get(keyString(key));
    return entry
      ? { session: sessionFromStoredJson(entry.stored.sessionJson), version: entry.stored.version }
      : null;
  }

  async consumedEventIds(key: SessionKey, eventIds: readonly string[]): Promise<Set<string>> {
    const entry = this.entries.get(keyString(key));
    return new Set(entry ? eventIds.filter((id) => entry.eventIds.has(id)) : []);
  }

  async commit(key: SessionKey, request: CommitRequest): Promise<CommitResult> {
    const k = keyString(key);
    const entry = this.entries.get(k);
    const currentVersion = entry?.stored.version ?? 0;
    if (currentVersion !== request.expectedVersion)
      return { ok: false, reason: 'version_conflict', currentVersion };
    const create = request.create ?? 'implicit';
    if (create !== 'implicit' && create !== 'explicit')
      throw new Error(
        `commit of ${k}: create must be 'implicit' or 'explicit', got ${String(create)}`,
      );
    const creating = currentVersion === 0;
    if (creating && create === 'implicit' && this.tombstones.has(k))
      return { ok: false, reason: 'deleted', currentVersion: 0 };
    const duplicate = entry && request.eventIds.find((id) => entry.eventIds.has(id));
    if (duplicate)
      return { ok: false, reason: 'duplicate_event', currentVersion, eventId: duplicate };
    const next: Entry = entry ?? {
      stored: { sessionJson: '', version: 0 },
      events: [],
      eventIds: new Set(),
      segments: new Map(),
      summaries: new Map(),
    };
    // Check every seq before writing anything: a refused commit leaves nothing behind.
    request.appendEvents.forEach((record, i) => {
      if (record.seq !== next.events.length + i)
        throw new Error(
          `commit of ${k}: event seq ${record.seq} does not follow the log (length ${next.events.length + i})`,
        );
    });
    for (const record of request.appendEvents) next.events.push(copy(record));
    for (const id of request.eventIds) next.eventIds.add(id);
    for (const segment of request.sealedSegments) next.segments.set(segment.index, copy(segment));
    for (const summary of request.summaries)
      next.summaries.set(summary.segmentIndex, copy(summary));
    next.stored = {
      sessionJson: sessionToStoredJson(request.session),
      version: currentVersion + 1,
    };
    if (creating && create === 'explicit') this.tombstones.delete(k);
    this.entries.set(k, next);
    return { ok: true, version: next.stored.version };
  }

  async readEvents(key: SessionKey, fromSeq: number, toSeq: number): Promise<EventRecord[]> {
    const entry = this.entries.get(keyString(key));
    return entry ? copy(entry.events.slice(Math.max(0, fromSeq), Math.max(0, toSeq))) : [];
  }

  async readSealedSegments(key: SessionKey): Promise<SegmentRecord[]> {
    const entry = this.entries.get(keyString(key));
    if (!entry) return [];
    return [...entry.segments.values()]
      .sort((a, b) => a.index - b.index)
      .map((segment) => {
        const summary = entry.summaries.get(segment.index) ?? null;
        return copy({ ...segment, status: summary ? 'summarized' : segment.status, summary });
      });
  }

  async readSummary(key: SessionKey, segmentIndex: number): Promise<SummaryRecord | null> {
    const summary = this.entries.get(keyString(key))?.summaries.get(segmentIndex);
    return summary ? copy(summary) : null;
  }

  async readSummaries(
    key: SessionKey,
    fromIndex: number,
    toIndex: number,
  ): Promise<SummaryRecord[]> {
    const summaries = this.entries.get(keyString(key))?.summaries;
    if (!summaries) return [];
    const found: SummaryRecord[] = [];
    for (let index = Math.max(0, fromIndex); index < toIndex; index++) {
      const summary = summaries.get(index);
      if (summary) found.push(copy(summary));
    }
    return found;
  }

  /** Erases the session and leaves its tombstone (even if it did not exist; never expires here). */
  async deleteSession(key: SessionKey): Promise<boolean> {
    const k = keyString(key);
    this.tombstones.add(k);
    return this.entries.delete(k);
  }

  /** Session ids of a tenant (for tests and the embedded CLI). */
  sessionIds(tenant: string): string[] {
    const prefix = `${tenant}:`;
    return [...this.entries.keys()]
      .filter((k) => k.startsWith(prefix))
      .map((k) => k.slice(prefix.length));
  }

  async close(): Promise<void> {}
}
