import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';

/** One of the store's Lua scripts, read from `src/lua/` once, when this module loads. */
export interface LuaScript {
  /** File name, e.g. `commit-session-6.lua`. */
  name: string;
  /** How many KEYS the script takes: the number at the end of its file name. */
  numberOfKeys: number;
  source: string;
  /** SHA1 of the source, as EVALSHA wants it. */
  sha: string;
}

/**
 * Reads `lua/<fileName>` next to this module. File names say what the script does and how many
 * keys it touches (`commit-session-6.lua`); the header of each file documents KEYS, ARGV and
 * the reply.
 */
export function loadLuaScript(fileName: string): LuaScript {
  const match = /-(\d+)\.lua$/.exec(fileName);
  if (!match)
    throw new Error(`Lua script ${fileName}: the name must end with -<number of keys>.lua`);
  const source = readFileSync(new URL(`./lua/${fileName}`, import.meta.url), 'utf8');
  return {
    name: fileName,
    numberOfKeys: Number(match[1]),
    source,
    sha: createHash('sha1').update(source).digest('hex'),
  };
}

/**
 * Runs a script with EVALSHA: one round trip. A node that does not have it cached yet (first
 * use, restart, failover) answers NOSCRIPT, and the script then goes once with EVAL, which
 * caches it on that node: two round trips, once per node. On a Cluster, ioredis routes both to
 * the node of the keys' slot.
 */
export async function runLuaScript(
  redis: Redis | Cluster,
  script: LuaScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  if (keys.length !== script.numberOfKeys)
    throw new Error(
      `Lua script ${script.name}: takes ${script.numberOfKeys} keys, got ${keys.length}`,
    );
  const params = [...keys, ...args];
  try {
    return await redis.evalsha(script.sha, keys.length, ...params);
  } catch (error) {
    if (!isNoScript(error)) throw error;
    return redis.eval(script.source, keys.length, ...params);
  }
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}
