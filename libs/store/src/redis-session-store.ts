import type { Cluster, Redis } from 'ioredis';
import {
  MAX_RETENTION_SECONDS,
  sessionFromStoredJson,
  sessionToStoredJson,
  upgradeSegmentRecord,
  upgradeSummaryRecord,
  type EventRecord,
  type SegmentRecord,
  type SummaryRecord,
} from '@threadline/core';
import { ErrorCode } from './error-code.ts';
import { loadLuaScript, runLuaScript } from './lua-scripts.ts';
import {
  assertKeyPrefix,
  sessionDataKeyList,
  sessionKeyList,
  sessionKeys,
  subjectKey,
  type SessionKeys,
} from './session-keys.ts';
import {
  keyString,
  type CommitRequest,
  type CommitResult,
  type SessionKey,
  type SessionStore,
  type StoredSession,
} from './session-store.ts';

import { DEFAULT_TOMBSTONE_TTL_SECONDS } from './tombstone.ts';

const commitSessionScript = loadLuaScript('commit-session-6.lua');

export interface RedisSessionStoreOptions {
  /** A connected ioredis client: a single Redis or a Cluster. */
  redis: Redis | Cluster;
  /**
   * First part of every key: `${prefix}:{${tenant}:${sessionId}}:<part>`. May not contain
   * `{` or `}`.
   *
   * @defaultValue 'tl'
   */
  prefix?: string;
  /**
   * Whether the store owns the connection: `close()` then quits it. Leave it false when the
   * client is shared (the usual case): the caller closes it.
   *
   * @defaultValue false
   */
  ownsConnection?: boolean;
  /**
   * How long the tombstone of a deleted or expired session lives, in seconds (a positive
   * integer): after a delete, and after the session's retention ran out. While it lives, events
   * still queued for the session (or a summary in flight) are refused instead of creating it
   * again; after it, they would start a new session with defaults. Make it longer than events
   * can wait in the queues.
   *
   * @defaultValue 604800 (7 days)
   */
  tombstoneTtlSeconds?: number;
}

/**
 * The production SessionStore. Each session is five data keys and its life key (the tombstone) under one Redis
 * Cluster hash tag (see {@link sessionKeys} and the lib's README); every commit is one Lua
 * script (`lua/commit-session-6.lua`), every read and the delete one round trip.
 */
export class RedisSessionStore implements SessionStore {
  readonly prefix: string;
  private readonly redis: Redis | Cluster;
  readonly tombstoneTtlSeconds: number;
  private readonly ownsConnection: boolean;
  private closed = false;

  constructor(options: RedisSessionStoreOptions) {
    this.redis = options.redis;
    this.prefix = options.prefix ?? 'tl';
    this.ownsConnection = options.ownsConnection ?? false;
    this.tombstoneTtlSeconds = options.tombstoneTtlSeconds ?? DEFAULT_TOMBSTONE_TTL_SECONDS;
    assertKeyPrefix(this.prefix);
    if (!Number.isSafeInteger(this.tombstoneTtlSeconds) || this.tombstoneTtlSeconds <= 0)
      throw new Error(
        `RedisSessionStore: tombstoneTtlSeconds must be a positive integer, got ${JSON.stringify(options.tombstoneTtlSeconds)}`,
      );
  }

  /** The Redis keys of a session (throws on ids that would break the key layout). */
  keysOf(key: SessionKey): SessionKeys {
    return sessionKeys(this.prefix, key);
  }

  /** 1 round trip: HMGET state version session. */
  async load(key: SessionKey): Promise<StoredSession | null> {
    const keys = this.keysOf(key);
    const [version, session] = await this.redis.hmget(keys.state, 'version', 'session');
    if (version === null || version === undefined) return null;
    if (session === null || session === undefined)
      throw new Error(`session ${keyString(key)}: ${keys.state} has a version but no session`);
    return {
      session: sessionFromStoredJson(session),
      version: Number(version),
    };
  }

  /** 1 round trip: SMISMEMBER ids ... (none for an empty list). */
  async consumedEventIds(key: SessionKey, eventIds: readonly string[]): Promise<Set<string>> {
    const keys = this.keysOf(key);
    if (eventIds.length === 0) return new Set();
    const found = await this.redis.smismember(keys.ids, ...eventIds);
    return new Set(eventIds.filter((_, i) => found[i] === 1));
  }

  /** 1 round trip: EVALSHA commit-session-6 (plus one EVAL the first time a node sees the script). */
  async commit(key: SessionKey, request: CommitRequest): Promise<CommitResult> {
    const keys = this.keysOf(key);
    const events = request.appendEvents;
    const firstSeq = events[0]?.seq ?? 0;
    events.forEach((record, i) => {
      if (record.seq !== firstSeq + i)
        throw new Error(
          `commit of ${keyString(key)}: appendEvents[${i}].seq is ${record.seq}, expected ${firstSeq + i} (seqs of a batch must be contiguous)`,
        );
    });
    const { life, config, subjectId } = request.session.context;
    const subject = subjectId === null ? null : subjectKey(this.prefix, key.tenant, subjectId);
    // The index lives as long as the longest-lived of its sessions: every commit of one raises
    // its expiry to that session's (GT: never lowers it; a session kept forever counts as the
    // longest retention there is). It names the session before the session exists, so an
    // erasure never misses it (an entry whose create then failed points at nothing: harmless).
    const indexTtl = (config.retentionSeconds ?? MAX_RETENTION_SECONDS) + this.tombstoneTtlSeconds;
    if (subject && request.expectedVersion === 0)
      transactionResults(
        await this.redis
          .multi()
          .sadd(subject, key.sessionId)
          .expire(subject, indexTtl, 'NX')
          .expire(subject, indexTtl, 'GT')
          .exec(),
        `subject index of ${keyString(key)}`,
      );
    const args: (string | number)[] = [
      request.expectedVersion,
      request.create ?? 'implicit',
      sessionToStoredJson(request.session),
      firstSeq,
      events.length,
      request.eventIds.length,
      request.sealedSegments.length,
      request.summaries.length,
      life,
      (config.retentionSeconds ?? 0) * 1000,
      this.tombstoneTtlSeconds * 1000,
    ];
    for (const record of events) args.push(JSON.stringify(record));
    for (const id of request.eventIds) args.push(id);
    for (const segment of request.sealedSegments) args.push(segment.index, JSON.stringify(segment));
    for (const summary of request.summaries)
      args.push(summary.segmentIndex, JSON.stringify(summary));

    const [reply] = await Promise.all([
      runLuaScript(this.redis, commitSessionScript, sessionKeyList(keys), args),
      subject && request.expectedVersion !== 0 && this.redis.expire(subject, indexTtl, 'GT'),
    ]);
    if (!Array.isArray(reply))
      throw new Error(`commit of ${keyString(key)}: unexpected reply ${JSON.stringify(reply)}`);
    const [code, version, detail] = reply as [number, number, string | number | undefined];
    switch (code) {
      case ErrorCode.Ok:
        return { ok: true, version };
      case ErrorCode.VersionConflict:
        return { ok: false, reason: 'version_conflict', currentVersion: version };
      case ErrorCode.DuplicateEvent:
        return {
          ok: false,
          reason: 'duplicate_event',
          currentVersion: version,
          eventId: String(detail),
        };
      case ErrorCode.Deleted:
        return { ok: false, reason: 'deleted', currentVersion: 0 };
      case ErrorCode.SeqGap:
        throw new Error(
          `commit of ${keyString(key)}: event seq ${firstSeq} does not follow the log (length ${detail})`,
        );
      case ErrorCode.MalformedArguments:
        throw new Error(
          `commit of ${keyString(key)}: ${commitSessionScript.name} refused its arguments: ${detail}`,
        );
      default:
        throw new Error(`commit of ${keyString(key)}: unexpected reply ${JSON.stringify(reply)}`);
    }
  }

  /** 1 round trip: LRANGE events from to-1 (none for an empty range); O(window) near the tail. */
  async readEvents(key: SessionKey, fromSeq: number, toSeq: number): Promise<EventRecord[]> {
    const keys = this.keysOf(key);
    const from = Math.max(0, Math.trunc(fromSeq));
    const to = Math.trunc(toSeq);
    if (!(to > from)) return [];
    const stop = Number.isFinite(to) ? to - 1 : -1;
    const items = await this.redis.lrange(keys.events, from, stop);
    return items.map((item) => JSON.parse(item) as EventRecord);
  }

  /** 1 round trip: MULTI HGETALL segments, HGETALL summaries EXEC (a consistent pair). */
  async readSealedSegments(key: SessionKey): Promise<SegmentRecord[]> {
    const keys = this.keysOf(key);
    const replies = await this.redis.multi().hgetall(keys.segments).hgetall(keys.summaries).exec();
    const [segments, summaries] = transactionResults(
      replies,
      `readSealedSegments of ${keyString(key)}`,
    ) as [Record<string, string>, Record<string, string>];
    return Object.entries(segments)
      .map(([index, json]) => {
        const segment = upgradeSegmentRecord(JSON.parse(json) as SegmentRecord);
        const summaryJson = summaries[index];
        const summary =
          summaryJson === undefined
            ? null
            : upgradeSummaryRecord(JSON.parse(summaryJson) as SummaryRecord);
        return {
          ...segment,
          status: summary ? 'summarized' : segment.status,
          summary,
        } satisfies SegmentRecord;
      })
      .sort((a, b) => a.index - b.index);
  }

  /** 1 round trip: HGET summaries index. */
  async readSummary(key: SessionKey, segmentIndex: number): Promise<SummaryRecord | null> {
    const keys = this.keysOf(key);
    const json = await this.redis.hget(keys.summaries, String(segmentIndex));
    return json === null ? null : upgradeSummaryRecord(JSON.parse(json) as SummaryRecord);
  }

  /** 1 round trip: HMGET summaries fromIndex..toIndex-1 (none for an empty range). */
  async readSummaries(
    key: SessionKey,
    fromIndex: number,
    toIndex: number,
  ): Promise<SummaryRecord[]> {
    const from = Math.max(0, Math.trunc(fromIndex));
    const to = Math.trunc(toIndex);
    if (!(to > from)) return [];
    const fields = Array.from({ length: to - from }, (_, i) => String(from + i));
    const found = await this.redis.hmget(this.keysOf(key).summaries, ...fields);
    return found.flatMap((json) =>
      json === null ? [] : [upgradeSummaryRecord(JSON.parse(json) as SummaryRecord)],
    );
  }

  /**
   * 2 round trips: HMGET state (to know its subject), then MULTI EXISTS state, UNLINK the five
   * data keys, SET life "deleted <now>" EX ttl EXEC; and SREM from its subject's index first when
   * it has one. The tombstone is left even when the session did not exist: its first events may
   * be queued.
   */
  async deleteSession(key: SessionKey): Promise<boolean> {
    const keys = this.keysOf(key);
    const stored = await this.load(key);
    const subjectId = stored?.session.context.subjectId ?? null;
    if (subjectId !== null)
      await this.redis.srem(subjectKey(this.prefix, key.tenant, subjectId), key.sessionId);
    const replies = await this.redis
      .multi()
      .exists(keys.state)
      .unlink(...sessionDataKeyList(keys))
      .set(keys.life, `deleted ${new Date().toISOString()}`, 'EX', this.tombstoneTtlSeconds)
      .exec();
    const [existed] = transactionResults(replies, `deleteSession of ${keyString(key)}`) as [
      number,
      number,
      string,
    ];
    return existed === 1;
  }

  /** 1 round trip: SMEMBERS of the subject's index. */
  async sessionsOfSubject(tenant: string, subjectId: string): Promise<string[]> {
    return (await this.redis.smembers(subjectKey(this.prefix, tenant, subjectId))).sort();
  }

  /** 1 round trip: SREM (none for an empty list). */
  async forgetSubjectSessions(
    tenant: string,
    subjectId: string,
    sessionIds: readonly string[],
  ): Promise<void> {
    if (sessionIds.length > 0)
      await this.redis.srem(subjectKey(this.prefix, tenant, subjectId), ...sessionIds);
  }

  /** Quits the connection if the store owns it; otherwise leaves it to its owner. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsConnection) await this.redis.quit();
  }
}

/** The results of an EXEC, or the first error in it. */
function transactionResults(replies: [Error | null, unknown][] | null, what: string): unknown[] {
  if (!replies) throw new Error(`${what}: the transaction was aborted`);
  return replies.map(([error, result]) => {
    if (error) throw error;
    return result;
  });
}
