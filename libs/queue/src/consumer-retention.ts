import type { KeepJobs } from 'bullmq';

/** What a job's `removeOnComplete` / `removeOnFail` may hold (BullMQ's job options). */
export type JobRetention = boolean | number | KeepJobs | undefined;

/** A retention as its parts (absent: unbounded). */
interface Bounds {
  age?: number;
  count?: number;
  limit?: number;
}

const partsOf = (keep: KeepJobs): Bounds => keep as Bounds;

/**
 * The retention a finished job gets when the worker's bound applies whatever the producer set:
 * the producer's own retention where it is tighter, never a looser one. `false` (keep forever)
 * and no option at all become the bound; `true` (remove at once) stays; a count or an age is
 * capped by the bound's. Without a bound the producer's retention is kept as it is.
 */
export function boundedRetention(
  producer: JobRetention,
  bound: KeepJobs | undefined,
): JobRetention {
  if (!bound) return producer;
  if (producer === true) return true;
  if (producer === undefined || producer === false) return { ...bound };
  const asked: Bounds = typeof producer === 'number' ? { count: producer } : partsOf(producer);
  const limits = partsOf(bound);
  const tighter = (a: number | undefined, b: number | undefined) =>
    a === undefined || a < 0 ? b : b === undefined ? a : Math.min(a, b);
  const age = tighter(asked.age, limits.age);
  const count = tighter(asked.count, limits.count);
  const limit = asked.limit;
  if (age !== undefined)
    return {
      age,
      ...(count !== undefined ? { count } : {}),
      ...(limit !== undefined ? { limit } : {}),
    };
  return { count: count ?? -1 };
}
