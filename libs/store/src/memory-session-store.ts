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
import { DEFAULT_TOMBSTONE_TTL_SECONDS } from './tombstone.ts';

interface Entry {
  /** The session as the Redis store keeps it: its JSON, without what is derived. */
  stored: { sessionJson: string; version: number };
  /** When the session expires (ms since the epoch; renewed by every commit), or null: never. */
  expiresAt: number | null;
  events: EventRecord[];
  eventIds: Set<string>;
  segments: Map<number, SegmentRecord>;
  summaries: Map<number, SummaryRecord>;
}

/** Values go in and out as JSON, exactly as they would through Redis: no aliasing, same shapes. */
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export interface MemorySessionStoreOptions {
  /** Milliseconds since the epoch, for expiry; @defaultValue `Date.now` */
  clock?: () => number;
  /**
   * How long the tombstone of a deleted or expired session lives, in seconds, as the Redis
   * store's option of the same name.
   *
   * @defaultValue 604800 (7 days)
   */
  tombstoneTtlSeconds?: number;
}

/**
 * In-process store for the embedded runtime and tests. Expiry as the Redis store: a session idle
 * for longer than its `retentionSeconds` is gone (checked on every access), and its life marker
 * (the tombstone) lives `tombstoneTtlSeconds` longer; a delete leaves a tombstone too.
 */
export class MemorySessionStore implements SessionStore {
  private readonly entries = new Map<string, Entry>();
  /**
   * keyString → when its life marker expires (null: never): what the Redis store's life key is.
   * While it lives and the session's data does not, an implicit create is refused.
   */
  private readonly lives = new Map<string, number | null>();
  /** `tenant:subjectId` → session ids (see `sessionsOfSubject`); never expires here. */
  private readonly subjects = new Map<string, Set<string>>();
  private readonly clock: () => number;
  readonly tombstoneTtlSeconds: number;

  constructor(options: MemorySessionStoreOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.tombstoneTtlSeconds = options.tombstoneTtlSeconds ?? DEFAULT_TOMBSTONE_TTL_SECONDS;
    if (!Number.isSafeInteger(this.tombstoneTtlSeconds) || this.tombstoneTtlSeconds <= 0)
      throw new Error(
        `MemorySessionStore: tombstoneTtlSeconds must be a positive integer, got ${JSON.stringify(options.tombstoneTtlSeconds)}`,
      );
  }

  /** The session's entry unless it has expired (an expired one is dropped, as Redis would). */
  private entry(k: string): Entry | undefined {
    const entry = this.entries.get(k);
    if (entry && entry.expiresAt !== null && entry.expiresAt <= this.clock()) {
      this.entries.delete(k);
      return undefined;
    }
    return entry;
  }

  /** Whether the session's life marker (its tombstone once the data is gone) still lives. */
  private hasLife(k: string): boolean {
    if (!this.lives.has(k)) return false;
    const until = this.lives.get(k)!;
    if (until !== null && until <= this.clock()) {
      this.lives.delete(k);
      return false;
    }
    return true;
  }

  async load(key: SessionKey): Promise<StoredSession | null> {
    const entry = this.entry(keyString(key));
    return entry
      ? { session: sessionFromStoredJson(entry.stored.sessionJson), version: entry.stored.version }
      : null;
  }

  async consumedEventIds(key: SessionKey, eventIds: readonly string[]): Promise<Set<string>> {
    const entry = this.entry(keyString(key));
    return new Set(entry ? eventIds.filter((id) => entry.eventIds.has(id)) : []);
  }

  async commit(key: SessionKey, request: CommitRequest): Promise<CommitResult> {
    const k = keyString(key);
    const entry = this.entry(k);
    const currentVersion = entry?.stored.version ?? 0;
    if (currentVersion !== request.expectedVersion)
      return { ok: false, reason: 'version_conflict', currentVersion };
    const create = request.create ?? 'implicit';
    if (create !== 'implicit' && create !== 'explicit')
      throw new Error(
        `commit of ${k}: create must be 'implicit' or 'explicit', got ${String(create)}`,
      );
    const creating = currentVersion === 0;
    if (creating && create === 'implicit' && this.hasLife(k))
      return { ok: false, reason: 'deleted', currentVersion: 0 };
    const duplicate = entry && request.eventIds.find((id) => entry.eventIds.has(id));
    if (duplicate)
      return { ok: false, reason: 'duplicate_event', currentVersion, eventId: duplicate };
    const next: Entry = entry ?? {
      stored: { sessionJson: '', version: 0 },
      expiresAt: null,
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
    const { subjectId } = request.session.context;
    if (subjectId !== null && creating) {
      const k2 = `${key.tenant}:${subjectId}`;
      this.subjects.set(k2, (this.subjects.get(k2) ?? new Set()).add(key.sessionId));
    }
    // Every commit renews the expiry, as the Redis store's script does.
    const retentionSeconds = request.session.context.config.retentionSeconds;
    const now = this.clock();
    next.expiresAt = retentionSeconds ? now + retentionSeconds * 1000 : null;
    this.lives.set(
      k,
      next.expiresAt === null ? null : next.expiresAt + this.tombstoneTtlSeconds * 1000,
    );
    this.entries.set(k, next);
    return { ok: true, version: next.stored.version };
  }

  async readEvents(key: SessionKey, fromSeq: number, toSeq: number): Promise<EventRecord[]> {
    const entry = this.entry(keyString(key));
    return entry ? copy(entry.events.slice(Math.max(0, fromSeq), Math.max(0, toSeq))) : [];
  }

  async readSealedSegments(key: SessionKey): Promise<SegmentRecord[]> {
    const entry = this.entry(keyString(key));
    if (!entry) return [];
    return [...entry.segments.values()]
      .sort((a, b) => a.index - b.index)
      .map((segment) => {
        const summary = entry.summaries.get(segment.index) ?? null;
        return copy({ ...segment, status: summary ? 'summarized' : segment.status, summary });
      });
  }

  async readSummary(key: SessionKey, segmentIndex: number): Promise<SummaryRecord | null> {
    const summary = this.entry(keyString(key))?.summaries.get(segmentIndex);
    return summary ? copy(summary) : null;
  }

  async readSummaries(
    key: SessionKey,
    fromIndex: number,
    toIndex: number,
  ): Promise<SummaryRecord[]> {
    const summaries = this.entry(keyString(key))?.summaries;
    if (!summaries) return [];
    const found: SummaryRecord[] = [];
    for (let index = Math.max(0, fromIndex); index < toIndex; index++) {
      const summary = summaries.get(index);
      if (summary) found.push(copy(summary));
    }
    return found;
  }

  /** Erases the session and leaves its tombstone (even if it did not exist). */
  async deleteSession(key: SessionKey): Promise<boolean> {
    const k = keyString(key);
    const entry = this.entry(k);
    const existed = entry !== undefined;
    if (entry) {
      const { subjectId } = sessionFromStoredJson(entry.stored.sessionJson).context;
      if (subjectId !== null)
        await this.forgetSubjectSessions(key.tenant, subjectId, [key.sessionId]);
    }
    this.entries.delete(k);
    this.lives.set(k, this.clock() + this.tombstoneTtlSeconds * 1000);
    return existed;
  }

  async sessionsOfSubject(tenant: string, subjectId: string): Promise<string[]> {
    return [...(this.subjects.get(`${tenant}:${subjectId}`) ?? [])].sort();
  }

  async forgetSubjectSessions(
    tenant: string,
    subjectId: string,
    sessionIds: readonly string[],
  ): Promise<void> {
    const k = `${tenant}:${subjectId}`;
    const set = this.subjects.get(k);
    for (const id of sessionIds) set?.delete(id);
    if (set?.size === 0) this.subjects.delete(k);
  }

  /** Session ids of a tenant (for tests and the embedded CLI). */
  sessionIds(tenant: string): string[] {
    const prefix = `${tenant}:`;
    return [...this.entries.keys()]
      .filter((k) => k.startsWith(prefix) && this.entry(k) !== undefined)
      .map((k) => k.slice(prefix.length));
  }

  async close(): Promise<void> {}
}
