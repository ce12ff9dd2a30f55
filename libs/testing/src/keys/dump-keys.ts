import type { Redis } from 'ioredis';

/** One key as read back: its type, its whole value (type by type) and whether it expires. */
export interface DumpedKey {
  type: string;
  value: unknown;
  expires: boolean;
}

/**
 * Every key matching `pattern` (SCAN MATCH, glob) with its whole value, sorted by key: compare
 * two dumps with `toEqual` to prove nothing under the pattern changed. Set members and hash
 * fields are sorted, so that the dump does not depend on Redis's internal order.
 */
export async function dumpKeys(redis: Redis, pattern: string): Promise<Record<string, DumpedKey>> {
  const names: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    names.push(...found);
  } while (cursor !== '0');
  const out: Record<string, DumpedKey> = {};
  for (const name of [...new Set(names)].sort()) {
    const type = await redis.type(name);
    const expires = (await redis.pttl(name)) >= 0;
    let value: unknown;
    if (type === 'string') value = await redis.get(name);
    else if (type === 'list') value = await redis.lrange(name, 0, -1);
    else if (type === 'set') value = (await redis.smembers(name)).sort();
    else if (type === 'hash')
      value = Object.entries(await redis.hgetall(name)).sort(([a], [b]) => (a < b ? -1 : 1));
    else if (type === 'zset') value = await redis.zrange(name, '0', '-1', 'WITHSCORES');
    else if (type === 'stream') value = await redis.xrange(name, '-', '+');
    else value = `(${type})`;
    out[name] = { type, value, expires };
  }
  return out;
}

/** Glob-escapes text for a SCAN MATCH pattern (`{`, `}` and `:` are plain in globs). */
export const globEscape = (text: string): string => text.replace(/[*?[\]\\]/g, '\\$&');
