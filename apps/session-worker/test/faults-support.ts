import type { Redis } from 'ioredis';
import { dumpKeys, type DumpedKey } from '@threadline/testing';

/**
 * Helpers of the faults-*.test.ts files: what a session looks like in Redis (to prove a poison
 * job touched nothing), the real entry points as child processes, and what the fake LLM was
 * asked to summarize.
 */

/**
 * Every session key under `prefix` with its content: the keys whose hash tag is
 * `{tenant:sessionId}` (BullMQ's own keys have tags without a colon: `{events-0}`, `{summarize}`).
 * Sets are sorted, so two dumps of an untouched session are equal.
 */
export function dumpSessionKeys(redis: Redis, prefix: string): Promise<Record<string, DumpedKey>> {
  return dumpKeys(redis, `${prefix}:{*:*}:*`);
}

export {
  startThreadlineProcess,
  type ProcessKind,
  type ThreadlineProcess,
} from './worker-processes.ts';

/** How many times `needle` occurs in `haystack` (non-overlapping). */
export function occurrences(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}
