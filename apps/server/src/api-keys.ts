import { createHash, timingSafeEqual } from 'node:crypto';
import { ID_RULE, isId } from '@threadline/core';

/** Who a request acts for: a tenant (its API key), or the operator (the admin key). */
export type Principal = { kind: 'tenant'; tenant: string } | { kind: 'admin' };

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

/**
 * The configured keys, held as SHA-256 digests. A presented key is hashed and compared with
 * every configured digest by `timingSafeEqual` (equal lengths, no early exit), so the time
 * taken says nothing about how much of a key matched, nor which one. Keys are never kept in
 * clear here, never logged, never put in an error message.
 */
export class KeyRing {
  private readonly entries: Array<{ digest: Buffer; principal: Principal }> = [];

  constructor(apiKeys: Readonly<Record<string, string>>, adminKey: string) {
    const problems: string[] = [];
    if (!isValidKey(adminKey)) problems.push(`adminKey: ${KEY_RULE}`);
    Object.entries(apiKeys).forEach(([key, tenant], i) => {
      if (!isValidKey(key)) problems.push(`apiKeys entry ${i + 1}: key: ${KEY_RULE}`);
      if (!isId(tenant)) problems.push(`apiKeys entry ${i + 1}: tenant: ${ID_RULE}`);
      if (key === adminKey)
        problems.push(`apiKeys entry ${i + 1}: the admin key may not be an API key too`);
    });
    if (problems.length) throw new Error(`server keys: ${problems.join('; ')}`);
    for (const [key, tenant] of Object.entries(apiKeys))
      this.entries.push({ digest: digest(key), principal: { kind: 'tenant', tenant } });
    this.entries.push({ digest: digest(adminKey), principal: { kind: 'admin' } });
  }

  /** The principal of a presented key, or null. Constant time in the key's content. */
  identify(presented: string): Principal | null {
    const candidate = digest(presented);
    let found: Principal | null = null;
    for (const entry of this.entries) {
      // Every entry is compared, whatever matched before.
      const same = timingSafeEqual(candidate, entry.digest);
      if (same && !found) found = entry.principal;
    }
    return found;
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
