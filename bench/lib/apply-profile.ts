import { PerformanceObserver } from 'node:perf_hooks';
import {
  commitPlanOf,
  decide,
  measureBatch,
  modelsToMeasure,
  PriceTable,
  sessionFromCreate,
  splitConsumed,
  type AcceptedEvent,
  type Meter,
  type TokenCounter,
} from '@threadline/core';
import { newLife } from '@threadline/engine';
import { EventJobSchema } from '@threadline/queue';
import type { RedisSessionStore, SessionKey } from '@threadline/store';

/** The steps of applying one job, as `SessionEngine.applyBatch` and the session worker run them. */
export const STEPS = ['validate', 'read', 'measure', 'machine', 'commit'] as const;
export type Step = (typeof STEPS)[number];

export const STEP_LABELS: Record<Step, string> = {
  validate: 'validation (EventJobSchema.safeParse of the job data)',
  read: 'Redis: the snapshot and the consumed eventIds (HMGET + SMISMEMBER sent together, JSON.parse)',
  measure: 'token counting + pricing (measureBatch)',
  machine: 'machine transition (decide: XState transition())',
  commit: 'Redis: commit (JSON.stringify + EVALSHA commit-session-6)',
};

export interface StepTimes {
  wallMs: Record<Step, number[]>;
  cpuMs: Record<Step, number>;
  events: number;
  jobs: number;
  /** Garbage collection pauses in this process during the profile (PerformanceObserver 'gc'). */
  gcMs: number;
}

/**
 * Applies jobs the way the session worker does (validate the job data, then the steps of
 * `SessionEngine.applyBatch`: the snapshot and the consumed eventIds read together, then core's
 * `planBatch` step by step — splitConsumed, measureBatch, decide, commitPlanOf — and the
 * commit), timing each
 * step with performance.now() (wall) and process.cpuUsage() (this process's CPU). The steps
 * are the engine's own, called in its order; a commit that loses a race is not expected here
 * (one writer) and is reported as an error.
 */
export async function profileApply(
  store: RedisSessionStore,
  tokens: TokenCounter,
  tenant: string,
  jobs: AcceptedEvent[][],
): Promise<StepTimes> {
  const meter: Meter = { tokens, prices: new PriceTable() };
  const wallMs = Object.fromEntries(STEPS.map((s) => [s, [] as number[]])) as Record<
    Step,
    number[]
  >;
  const cpuMs = Object.fromEntries(STEPS.map((s) => [s, 0])) as Record<Step, number>;
  let events = 0;
  let gcMs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration;
  });
  observer.observe({ entryTypes: ['gc'] });
  const timed = async <T>(step: Step, work: () => T | Promise<T>): Promise<T> => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const out = await work();
    wallMs[step].push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpuMs[step] += (c.user + c.system) / 1000;
    return out;
  };
  for (const jobEvents of jobs) {
    const sessionId = jobEvents[0]!.sessionId;
    // As BullMQ hands it over: the job data parsed from its JSON.
    const data = JSON.parse(
      JSON.stringify({ v: 1, tenant, sessionId, events: jobEvents }),
    ) as unknown;
    const parsed = await timed('validate', () => EventJobSchema.safeParse(data));
    if (!parsed.success) throw new Error(`job refused: ${parsed.error.message}`);
    const accepted = parsed.data.events as AcceptedEvent[];
    const key: SessionKey = { tenant, sessionId };

    // As the engine does: both reads sent at once, one wait for the replies.
    const [stored, consumedIds] = await timed('read', () =>
      Promise.all([
        store.load(key),
        store.consumedEventIds(
          key,
          accepted.map((e) => e.eventId),
        ),
      ]),
    );
    // A session's first event creates it with the default config, as the engine does.
    const current =
      stored?.session ??
      (await timed('machine', () =>
        sessionFromCreate(sessionId, {}, accepted[0]!.occurredAt, meter, newLife()),
      ));
    const version = stored?.version ?? 0;
    // The steps of core's planBatch (what the engine calls), timed one by one.
    const { fresh } = splitConsumed(accepted, stored ? consumedIds : new Set<string>());
    const machineEvents = await timed('measure', async () => {
      await meter.tokens.prepare(modelsToMeasure(fresh, current.context.config));
      return measureBatch(current, fresh, meter);
    });
    const decision = await timed('machine', () => decide(current, machineEvents));
    const plan = commitPlanOf(decision, fresh);
    const result = await timed('commit', () =>
      store.commit(key, { expectedVersion: version, ...plan }),
    );
    if (!result.ok) throw new Error(`profile commit lost: ${result.reason}`);
    events += fresh.length;
  }
  await new Promise((r) => setImmediate(r));
  observer.disconnect();
  return { wallMs, cpuMs, events, jobs: jobs.length, gcMs };
}
