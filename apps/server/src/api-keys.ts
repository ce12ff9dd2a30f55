import { createHash, timingSafeEqual } from 'node:crypto';
import { ID_RULE, isId } from '@threadline/core';

/** Who a request acts for: a tenant (through the API key `keyId`), or the operator (the admin key). */
export type Principal = { kind: 'tenant'; tenant: string; keyId: string } | { kind: 'admin' };

/** What a presented key is: a principal, a tenant's key past its `expiresAt`, or nothing known. */
export type Identified = Principal | { kind: 'expired'; keyId: string } | null;

/** One tenant API key, as configured. */
export interface ApiKeyEntry {
  /** Names the key in logs and metrics (the key itself never is): an id, e.g. `acme-2026-12`. */
  id: string;
  /** The secret. */
  key: string;
  /** The tenant it acts for. */
  tenant: string;
  /** From this instant on, the key is refused (401). Absent: it does not expire. */
  expiresAt?: Date | null;
  /** A revoked key is refused, as if it were not listed. @defaultValue false */
  revoked?: boolean;
}

/**
 * The id of a key configured without one (`THREADLINE_API_KEYS`, or the older `{ "key": "tenant" }`
 * file): `key-` and the first 12 hex digits of its SHA-256, which identify it without revealing it.
 */
export function derivedKeyId(key: string): string {
  return `key-${createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 12)}`;
}

/** API keys as a `key → tenant` map (the older form) or as entries, as entries. */
export function toKeyEntries(
  apiKeys: Readonly<Record<string, string>> | readonly ApiKeyEntry[],
): ApiKeyEntry[] {
  return Array.isArray(apiKeys)
    ? [...(apiKeys as readonly ApiKeyEntry[])]
    : Object.entries(apiKeys).map(([key, tenant]) => ({ id: derivedKeyId(key), key, tenant }));
}

/** Every problem of a set of entries (ids and keys unique, rules kept), naming entries by number and id. */
export function keyEntryProblems(
  entries: readonly ApiKeyEntry[],
  adminKey: string,
  where = 'apiKeys',
): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  const keys = new Set<string>();
  entries.forEach((entry, i) => {
    const at = `${where}[${i}]`;
    if (!isId(entry.id)) problems.push(`${at}.id: ${ID_RULE}`);
    else if (ids.has(entry.id))
      problems.push(`${at}.id: the id ${entry.id} is used twice; ids are unique`);
    ids.add(entry.id);
    if (typeof entry.key !== 'string' || !isValidKey(entry.key))
      problems.push(`${at}.key: ${KEY_RULE}`);
    else if (keys.has(entry.key)) problems.push(`${at}.key: the same key as an earlier entry`);
    else if (entry.key === adminKey)
      problems.push(`${at}.key: the admin key may not be an API key too`);
    keys.add(entry.key);
    if (!isId(entry.tenant)) problems.push(`${at}.tenant: ${ID_RULE}`);
  });
  return problems;
}

/** At least this many characters: a key is a secret, not a password someone types. */
export const MIN_KEY_LENGTH = 16;
/**
 * Keys are sent in headers: visible ASCII, no `,` (it separates entries in configuration). `=`
 * and `:` may occur (base64 padding): configuration splits an entry at its last `=` or `:`, and
 * tenants contain neither.
 */
const KEY_PATTERN = /^[\x21-\x7e]+$/;
export const KEY_RULE = `expected at least ${MIN_KEY_LENGTH} visible ASCII characters, none of them ","`;

export function isValidKey(key: string): boolean {
  return key.length >= MIN_KEY_LENGTH && KEY_PATTERN.test(key) && !key.includes(',');
}

const digest = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

interface RingEntry {
  digest: Buffer;
  principal: Principal;
  keyId: string | null;
  expiresAtMs: number | null;
}

/**
 * The configured keys, held as SHA-256 digests. A presented key is hashed and compared with
 * every configured digest by `timingSafeEqual` (equal lengths, no early exit), so the time
 * taken says nothing about how much of a key matched, nor which one. Keys are never kept in
 * clear here, never logged, never put in an error message.
 *
 * The tenant keys can be replaced while the server runs ({@link replace}: keys reloaded from
 * their file); a request is checked against the keys of the moment it arrives. Revoked entries
 * are left out; an expired one is recognized as expired (and refused).
 */
export class KeyRing {
  #entries: RingEntry[] = [];
  readonly #admin: RingEntry;
  #ids: string[] = [];
  readonly #now: () => number;

  /** @throws Error naming every bad entry (by number and field, never by key) and its rule. */
  constructor(
    apiKeys: Readonly<Record<string, string>> | readonly ApiKeyEntry[],
    adminKey: string,
    now: () => number = Date.now,
  ) {
    if (!isValidKey(adminKey)) throw new Error(`server keys: adminKey: ${KEY_RULE}`);
    this.#admin = {
      digest: digest(adminKey),
      principal: { kind: 'admin' },
      keyId: null,
      expiresAtMs: null,
    };
    this.#now = now;
    this.replace(toKeyEntries(apiKeys));
  }

  /**
   * Replaces the tenant keys, all at once; nothing changes if an entry is bad.
   *
   * @throws Error naming every bad entry (by number and field, never by key) and its rule.
   */
  replace(entries: readonly ApiKeyEntry[]): void {
    const problems = keyEntryProblems(entries, '');
    // The admin key is held as a digest only: compare digests.
    entries.forEach((entry, i) => {
      if (typeof entry.key === 'string' && timingSafeEqual(digest(entry.key), this.#admin.digest))
        problems.push(`apiKeys[${i}].key: the admin key may not be an API key too`);
    });
    if (problems.length) throw new Error(`server keys: ${problems.join('; ')}`);
    this.#entries = entries
      .filter((entry) => !entry.revoked)
      .map((entry) => ({
        digest: digest(entry.key),
        principal: { kind: 'tenant', tenant: entry.tenant, keyId: entry.id },
        keyId: entry.id,
        expiresAtMs: entry.expiresAt ? entry.expiresAt.getTime() : null,
      }));
    this.#ids = this.#entries.map((e) => e.keyId!);
  }

  /** The ids of the tenant keys held now (revoked ones left out, expired ones in). */
  keyIds(): string[] {
    return [...this.#ids];
  }

  /** The principal of a presented key, `expired`, or null. Constant time in the key's content. */
  identify(presented: string): Identified {
    const candidate = digest(presented);
    let found: RingEntry | null = null;
    for (const entry of [...this.#entries, this.#admin]) {
      // Every entry is compared, whatever matched before.
      const same = timingSafeEqual(candidate, entry.digest);
      if (same && !found) found = entry;
    }
    if (!found) return null;
    if (found.expiresAtMs !== null && this.#now() >= found.expiresAtMs)
      return { kind: 'expired', keyId: found.keyId! };
    return found.principal;
  }
}

/**
 * The key a request presents: `Authorization: Bearer <key>`, `x-api-key: <key>`, or (for the
 * dashboard in a browser) `Authorization: Basic` with the key as the password. `null` when none;
 * `'malformed'` when an Authorization header is there but unreadable.
 */
export function presentedKey(
  headers: Record<string, string | string[] | undefined>,
): string | null | 'malformed' {
  const authorization = headers['authorization'];
  if (typeof authorization === 'string' && authorization.trim()) {
    const match = /^\s*(\S+)\s+(\S+)\s*$/.exec(authorization);
    if (!match) return 'malformed';
    const scheme = match[1]!.toLowerCase();
    const value = match[2]!;
    if (scheme === 'bearer') return value;
    if (scheme === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      return colon < 0 ? 'malformed' : decoded.slice(colon + 1);
    }
    return 'malformed';
  }
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey.trim()) return apiKey.trim();
  if (Array.isArray(apiKey)) return 'malformed';
  return null;
}
