import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AcceptedEvent } from '@threadline/core';
import { eventQueueNames, type EventProducer, type QueueTopology } from '@threadline/queue';

/** Pauses (or resumes) every event partition of a topology. */
export async function setPartitionsPaused(
  redis: Redis,
  topology: QueueTopology,
  paused: boolean,
): Promise<void> {
  await Promise.all(
    eventQueueNames(topology).map(async (name) => {
      const q = new Queue(name, { connection: redis, prefix: topology.prefix });
      if (paused) await q.pause();
      else await q.resume();
      await q.close();
    }),
  );
}

/**
 * Removes every job of the event partitions (between measurements), and leaves them paused.
 * `obliterate` deletes the queue's meta key, and with it the global concurrency of 1 that the
 * workers set when they start: it is set again here, or the next measurement would run two
 * jobs of a partition at once (and break per-session order).
 */
export async function obliteratePartitions(redis: Redis, topology: QueueTopology): Promise<void> {
  for (const name of eventQueueNames(topology)) {
    const q = new Queue(name, { connection: redis, prefix: topology.prefix });
    await q.pause();
    await q.obliterate({ force: true });
    await q.setGlobalConcurrency(1);
    await q.pause();
    await q.close();
  }
}

/** Completed jobs across the given queues (the `completed` sorted sets, one pipelined round trip). */
export async function completedCount(
  redis: Redis,
  prefix: string,
  queueNames: readonly string[],
): Promise<number> {
  const pipeline = redis.pipeline();
  for (const name of queueNames) pipeline.zcard(`${prefix}:${name}:completed`);
  const replies = (await pipeline.exec()) ?? [];
  let n = 0;
  for (const [error, value] of replies) {
    if (error) throw error;
    n += Number(value);
  }
  return n;
}

/** Failed jobs across the given queues. */
export async function failedCount(
  redis: Redis,
  prefix: string,
  queueNames: readonly string[],
): Promise<number> {
  const pipeline = redis.pipeline();
  for (const name of queueNames) pipeline.zcard(`${prefix}:${name}:failed`);
  const replies = (await pipeline.exec()) ?? [];
  return replies.reduce((n, [, v]) => n + Number(v), 0);
}

/** Enqueues events with the project's producer, `chunk` events per `enqueue` call. */
export async function enqueueAll(
  producer: EventProducer,
  tenant: string,
  events: readonly AcceptedEvent[],
  perJob: number,
  chunk = 4000,
): Promise<number> {
  let jobs = 0;
  for (let i = 0; i < events.length; i += chunk)
    jobs += (await producer.enqueue(tenant, events.slice(i, i + chunk), perJob)).length;
  return jobs;
}

export interface DrainResult {
  /** Seconds from resume to the last completion. */
  seconds: number;
  /** Completions over time since resume: [seconds, completed]. */
  timeline: Array<[number, number]>;
  failed: number;
}

/**
 * Resumes the (paused, prefilled) partitions and waits until `expected` more jobs have
 * completed, sampling the count every `pollMs`.
 */
export async function resumeAndDrain(
  admin: Redis,
  topology: QueueTopology,
  expected: number,
  options: { pollMs?: number; timeoutMs?: number; onProgress?: (done: number) => void } = {},
): Promise<DrainResult> {
  const names = eventQueueNames(topology);
  const base = await completedCount(admin, topology.prefix, names);
  const pollMs = options.pollMs ?? 25;
  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  const started = performance.now();
  await setPartitionsPaused(admin, topology, false);
  const timeline: Array<[number, number]> = [];
  for (;;) {
    const done = (await completedCount(admin, topology.prefix, names)) - base;
    const t = (performance.now() - started) / 1000;
    timeline.push([t, done]);
    options.onProgress?.(done);
    if (done >= expected) break;
    if (Date.now() > deadline) {
      const failed = await failedCount(admin, topology.prefix, names);
      throw new Error(`only ${done} of ${expected} jobs completed in time (${failed} failed)`);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  const failed = await failedCount(admin, topology.prefix, names);
  return { seconds: timeline.at(-1)![0], timeline, failed };
}

/**
 * Steady-state rate of a drain: completions between 10% and 90% of the total over the time
 * they took, so that the start (workers fetching their first jobs) and the tail (the last
 * partitions finishing alone) do not count.
 */
export function steadyRate(timeline: ReadonlyArray<[number, number]>, total: number): number {
  const at = (share: number) => timeline.find(([, n]) => n >= share * total) ?? timeline.at(-1)!;
  const [t1, n1] = at(0.1);
  const [t2, n2] = at(0.9);
  if (t2 <= t1) return total / timeline.at(-1)![0];
  return (n2 - n1) / (t2 - t1);
}
