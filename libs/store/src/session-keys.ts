import { toId } from '@threadline/core';
import type { SessionKey } from './session-store.ts';

/**
 * The Redis keys of one session. They all carry the same Cluster hash tag `{tenant:sessionId}`,
 * so every key of a session lives in one slot (one node), and a multi-key script or
 * transaction on them is allowed on Redis Cluster.
 */
export interface SessionKeys {
  /** HASH: `version` (commits so far; absent = no session) and `session` (PersistedSession JSON). */
  state: string;
  /** LIST of EventRecord JSON; list index == seq. */
  events: string;
  /** SET of the eventIds the session has consumed. */
  ids: string;
  /** HASH: segmentIndex → sealed SegmentRecord JSON (as sealed, without its summary). */
  segments: string;
  /** HASH: segmentIndex → SummaryRecord JSON. */
  summaries: string;
  /**
   * STRING: the session's life token (core's `SessionState.life`), written by every commit with
   * an expiry the tombstone TTL longer than the data keys' (none when the session is kept
   * forever); `deleteSession` sets it to `deleted <time>` with the tombstone TTL. Once the data
   * keys are gone (deleted or expired) it is the tombstone: while it lives, an implicit create
   * (the first event of an unknown session) is refused; an explicit create replaces it.
   */
  life: string;
}

/** The keys in the order the scripts take them (`KEYS[1..6]` of `commit-session-6.lua`). */
export function sessionKeyList(
  keys: SessionKeys,
): [string, string, string, string, string, string] {
  return [keys.state, keys.events, keys.ids, keys.segments, keys.summaries, keys.life];
}

/** The five keys that hold the session's data (every key but the tombstone): what a delete erases. */
export function sessionDataKeyList(keys: SessionKeys): [string, string, string, string, string] {
  return [keys.state, keys.events, keys.ids, keys.segments, keys.summaries];
}

/**
 * SET: the session ids of a tenant's subject (`SessionStore.sessionsOfSubject`). Its own hash tag
 * (`{tenant:subjectId}` after `subject:`), so it lives apart from the sessions' slots: it is
 * written beside the commit, not in it.
 */
export function subjectKey(prefix: string, tenant: string, subjectId: string): string {
  assertKeyPrefix(prefix);
  return `${prefix}:subject:{${toId(tenant, 'tenant')}:${toId(subjectId, 'subjectId')}}`;
}

/**
 * Checks a key prefix: it may not contain `{` or `}`, since Redis Cluster hashes the first
 * `{...}` of a key and a brace in the prefix would take the place of the session's hash tag.
 */
export function assertKeyPrefix(prefix: string): void {
  if (typeof prefix !== 'string' || prefix === '')
    throw new Error(`store key prefix: expected a non-empty string, got ${JSON.stringify(prefix)}`);
  if (/[{}]/.test(prefix))
    throw new Error(
      `store key prefix ${JSON.stringify(prefix)}: must not contain '{' or '}' (the session's Redis Cluster hash tag must be the first braces of every key)`,
    );
}

/**
 * `${prefix}:{${tenant}:${sessionId}}:<part>` for each part of a session.
 *
 * Ids are validated upstream by core's one id rule; this checks it again whatever the caller
 * ({@link toId}: a ValidationError naming `tenant` or `sessionId`), because a `{`, `}` or `:`
 * here would break the layout: `{`/`}` would end or move the hash tag, scattering the session
 * over slots, and tenant `a:b` with session `c` would share keys with tenant `a` and session
 * `b:c`.
 */
export function sessionKeys(prefix: string, key: SessionKey): SessionKeys {
  assertKeyPrefix(prefix);
  const tenant = toId(key.tenant, 'tenant');
  const sessionId = toId(key.sessionId, 'sessionId');
  const base = `${prefix}:{${tenant}:${sessionId}}`;
  return {
    state: `${base}:state`,
    events: `${base}:events`,
    ids: `${base}:ids`,
    segments: `${base}:segments`,
    summaries: `${base}:summaries`,
    life: `${base}:life`,
  };
}
