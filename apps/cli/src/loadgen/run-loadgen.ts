import { ProgressBar } from '../progress-bar.ts';
import { latencyStats, type LatencyStats } from './latency-stats.ts';
import { isSampled, plannedEvent, type LoadPlan, type PlannedEvent } from './load-plan.ts';
import { LoadTargetError, type LoadTarget } from './load-target.ts';

export interface LoadRunOptions {
  plan: LoadPlan;
  /** Events per second across all sessions. */
  rate: number;
  /** Events of one session per request (HTTP) or job (queue). */
  batch: number;
  /** The whole run (creating, sending, waiting for the last events) stops after this. */
  timeoutMs: number;
  /** Requests in flight at most (one per session at a time, so that a session's events stay in order). @defaultValue 256 */
  maxInFlight?: number;
  progress?: NodeJS.WriteStream;
}

export interface LoadRunResult {
  target: string;
  sessions: number;
  eventsPlanned: number;
  eventsSent: number;
  eventsFailed: number;
  batch: number;
  rate: number;
  /** From the first send to the last acceptance, ms. */
  sendMs: number;
  /** From the first send to the moment every session's last event was seen applied, ms; null if some never were. */
  allAppliedMs: number | null;
  /** Sessions whose last sent event was not seen applied before the timeout. */
  sessionsNotApplied: number;
  /** accept→applied latency of the sampled events. */
  latency: LatencyStats | null;
  errors: { kind: string; count: number; example: string }[];
  timedOut: boolean;
}

/**
 * Sends the plan at `rate` events/s: sessions take turns (round robin), each with at most one
 * request in flight so that its events are accepted in order, `batch` events per request.
 * Every sampled event is watched from its acceptance until it is applied. Bounded: the run
 * ends after `timeoutMs` whatever is left.
 */
export async function runLoad(target: LoadTarget, options: LoadRunOptions): Promise<LoadRunResult> {
  const { plan, rate, batch } = options;
  const sessions = plan.sessionIds.length;
  const total = sessions * plan.eventsPerSession;
  const maxInFlight = options.maxInFlight ?? 256;
  const started = performance.now();
  const deadline = started + options.timeoutMs;
  const errors = new Map<string, { count: number; example: string }>();
  const noteError = (error: unknown) => {
    const kind =
      error instanceof LoadTargetError
        ? error.kind
        : ((error as NodeJS.ErrnoException).code ?? (error as Error).name ?? 'error');
    const entry = errors.get(kind) ?? { count: 0, example: (error as Error).message };
    entry.count++;
    errors.set(kind, entry);
  };

  // Sessions first, a bounded number at a time.
  let next = 0;
  const failedSessions = new Set<number>();
  await Promise.all(
    Array.from({ length: Math.min(32, sessions) }, async () => {
      while (next < sessions && performance.now() < deadline) {
        const s = next++;
        await target.createSession(plan.sessionIds[s]!).catch((error: unknown) => {
          noteError(error);
          failedSessions.add(s);
        });
      }
    }),
  );

  const bar = new ProgressBar('events accepted', total, options.progress);
  const sentPerSession = new Array<number>(sessions).fill(0);
  const latencies: number[] = [];
  const lastApplied = new Map<number, Promise<number | null>>();
  const idle: number[] = [];
  for (let s = 0; s < sessions; s++) if (!failedSessions.has(s)) idle.push(s);
  let eventsFailed = failedSessions.size * plan.eventsPerSession;
  let dispatched = eventsFailed;
  let eventsSent = 0;
  let inFlight = 0;
  const sendStarted = performance.now();
  let lastAcceptAt = sendStarted;
  const watchers: Promise<void>[] = [];

  const sendBatch = async (s: number) => {
    const from = sentPerSession[s]!;
    const count = Math.min(batch, plan.eventsPerSession - from);
    sentPerSession[s] = from + count;
    dispatched += count;
    const events: PlannedEvent[] = Array.from({ length: count }, (_, k) =>
      plannedEvent(plan, s, from + k),
    );
    inFlight++;
    try {
      await target.send(plan.sessionIds[s]!, events);
      const acceptedAt = performance.now();
      lastAcceptAt = acceptedAt;
      eventsSent += count;
      bar.tick(count);
      events.forEach((event, k) => {
        const index = from + k;
        if (!isSampled(plan, s, index) && k !== events.length - 1) return;
        const watch = target.applied(event.sessionId, event.eventId, deadline).then(
          (at) => {
            if (isSampled(plan, s, index)) latencies.push(at - acceptedAt);
            return at;
          },
          () => null,
        );
        if (k === events.length - 1) lastApplied.set(s, watch);
        watchers.push(watch.then(() => undefined));
      });
    } catch (error) {
      noteError(error);
      eventsFailed += count;
    } finally {
      inFlight--;
      if (sentPerSession[s]! < plan.eventsPerSession) idle.push(s);
    }
  };

  let timedOut = false;
  while (dispatched < total || inFlight > 0) {
    if (performance.now() > deadline) {
      timedOut = true;
      break;
    }
    const due = Math.min(total, Math.floor(((performance.now() - sendStarted) / 1000) * rate) + 1);
    while (dispatched < due && inFlight < maxInFlight && idle.length > 0)
      void sendBatch(idle.shift()!);
    await new Promise((r) => setTimeout(r, idle.length > 0 && dispatched < due ? 0 : 2));
  }
  bar.finish();
  const sendMs = lastAcceptAt - sendStarted;

  await Promise.all(watchers);
  const appliedAt = await Promise.all([...lastApplied.values()]);
  const sessionsNotApplied = appliedAt.filter((at) => at === null).length;
  const allAppliedMs =
    sessionsNotApplied === 0 && appliedAt.length > 0
      ? Math.max(...(appliedAt as number[])) - sendStarted
      : null;
  if (performance.now() > deadline && sessionsNotApplied > 0) timedOut = true;

  return {
    target: target.description,
    sessions,
    eventsPlanned: total,
    eventsSent,
    eventsFailed: eventsFailed + (total - dispatched),
    batch,
    rate,
    sendMs,
    allAppliedMs,
    sessionsNotApplied,
    latency: latencyStats(latencies),
    errors: [...errors].map(([kind, e]) => ({ kind, ...e })).sort((a, b) => b.count - a.count),
    timedOut,
  };
}
