import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultTokenCounter, nextSeqOf } from '@threadline/core';
import { createLogger } from '@threadline/observability';
import { eventQueueNames, SUMMARIZE_QUEUE } from '@threadline/queue';
import { RedisRuntime } from '@threadline/sdk';
import { startServer, type RunningServer } from '@threadline/server';
import {
  startFakeLlm,
  startRedisServer,
  type FakeLlm,
  type FakeLlmStats,
  type RedisServerHandle,
} from '@threadline/testing';
import { checkSession, type Violation } from './chaos-checker.ts';
import { ChaosSchedule, type ChaosEvent, type ChaosFigures } from './chaos-schedule.ts';
import { makeConversationPlan, type SessionPlan } from './conversation-plan.ts';
import { embeddedReference } from './embedded-reference.ts';
import { driveLoad, type LoadResult } from './load-driver.ts';
import { ProgressLine, type ProgressStream } from './progress-line.ts';
import { readQueueFigures, type QueueFigures } from './queue-figures.ts';
import { RetryingHttpClient } from './retrying-http-client.ts';
import { deriveSeed, seededRandom } from './seeded-random.ts';
import { observeOverHttp, type SessionObservation } from './session-observation.ts';
import { WorkerFleet } from './worker-fleet.ts';

export interface ChaosOptions {
  sessions: number;
  eventsPerSession: number;
  /** A worker is SIGKILLed about this often. */
  killIntervalMs: number;
  /** Fixes the conversations, their batching and resends, the victims and the LLM's draws. */
  seed: number;
  /** Events sent per second, duplicates included. */
  rate: number;
  /** Requests in flight at most. */
  maxInFlight: number;
  maxTurnsPerSegment: number;
  tokenThreshold: number;
  partitions: number;
  sessionWorkers: number;
  summarizers: number;
  /** Share of the load after which every Redis connection is killed (once). */
  clientKillAt: number;
  /** Share of the load after which Redis is crashed and restarted (once). */
  redisRestartAt: number;
  /** How long Redis stays down after the crash. */
  redisDownMs: number;
  /** How long after the load stops every session must have settled. */
  quiesceTimeoutMs: number;
  /** The whole run. */
  timeoutMs: number;
  llm: {
    failureRate: number;
    timeoutRate: number;
    rateLimitRate: number;
    retryAfterSeconds: number;
    latencyMs: [number, number];
    /** The summarizers' per-request timeout (THREADLINE_LLM_TIMEOUT_MS). */
    clientTimeoutMs: number;
  };
  /** Keep the processes' logs even when the run is clean. */
  keepLogs: boolean;
}

/** The sizes: 500 sessions × 40 events, a kill every 2 s, 3 + 2 worker processes. */
export const DEFAULT_CHAOS_OPTIONS: ChaosOptions = {
  sessions: 500,
  eventsPerSession: 40,
  killIntervalMs: 2000,
  seed: 1,
  rate: 400,
  maxInFlight: 64,
  maxTurnsPerSegment: 6,
  tokenThreshold: 900,
  partitions: 16,
  sessionWorkers: 3,
  summarizers: 2,
  clientKillAt: 0.3,
  redisRestartAt: 0.6,
  redisDownMs: 3000,
  quiesceTimeoutMs: 180_000,
  timeoutMs: 30 * 60_000,
  llm: {
    failureRate: 0.2,
    timeoutRate: 0.05,
    rateLimitRate: 0.05,
    retryAfterSeconds: 0.5,
    latencyMs: [20, 120],
    clientTimeoutMs: 2000,
  },
  keepLogs: false,
};

export interface ChaosFiguresReport {
  sessions: number;
  eventsAccepted: number;
  duplicateEventsSent: number;
  requests: number;
  httpRetries: number;
  httpRetriesByReason: Record<string, number>;
  chaos: ChaosFigures;
  queues: QueueFigures;
  summaries: { sealedSegments: number; llm: number; extractive: number; fallbacks: number };
  llm: FakeLlmStats;
  /** From the first request to the last acceptance. */
  loadMs: number;
  /** From the last acceptance until every session had settled and the queues were empty; null if they never did in time. */
  quiesceMs: number | null;
  totalMs: number;
}

export interface ChaosReport {
  options: ChaosOptions;
  figures: ChaosFiguresReport;
  violations: Violation[];
  /** The processes' logs, kept when the run found violations (or with keepLogs). */
  logDir: string | null;
}

export interface RunChaosContext {
  /** Progress and notes (stderr); null for none. */
  progress: ProgressStream | null;
  /** Aborts the run: everything it started is stopped and it rejects. */
  signal?: AbortSignal;
}

const TENANT = 'chaos';

/**
 * The chaos run of issue 6: worker processes, an HTTP server, a flaky fake LLM and a Redis
 * with an fsync'd AOF; the conversations sent over HTTP (every batch twice) while workers are
 * SIGKILLed, every Redis connection killed once and Redis crashed and restarted once; then,
 * after the load, every session is read back and checked (see `checkSession`) against the
 * embedded runtime fed the same accepted events. Resolves with the figures and every violation.
 */
export async function runChaos(options: ChaosOptions, ctx: RunChaosContext): Promise<ChaosReport> {
  const started = performance.now();
  const progress = new ProgressLine(ctx.progress);
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, timeout]) : timeout;
  // Every request and wait of the run listens to it: hundreds at once is expected.
  setMaxListeners(0, signal);
  const logDir = await mkdtemp(join(tmpdir(), 'threadline-chaos-'));
  const prefix = 'chaos';
  let redis: RedisServerHandle | null = null;
  let llm: FakeLlm | null = null;
  let fleet: WorkerFleet | null = null;
  let schedule: ChaosSchedule | null = null;
  let runtime: RedisRuntime | null = null;
  let server: RunningServer | null = null;
  const serverLog = createWriteStream(join(logDir, 'server.log'));
  let clean = false;

  try {
    await defaultTokenCounter.prepare(['gpt-4o-mini', 'gpt-4o', 'gpt-4.1', 'claude-3-5-sonnet']);
    const plan = makeConversationPlan({
      sessions: options.sessions,
      eventsPerSession: options.eventsPerSession,
      seed: options.seed,
      maxTurnsPerSegment: options.maxTurnsPerSegment,
      tokenThreshold: options.tokenThreshold,
    });
    progress.note(
      `chaos: ${options.sessions} sessions × ${options.eventsPerSession} events, seed ${options.seed}, a kill every ${options.killIntervalMs / 1000} s, ${options.sessionWorkers} session workers + ${options.summarizers} summarizers; logs in ${logDir}`,
    );

    redis = await startRedisServer({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
    llm = await startFakeLlm({
      seed: deriveSeed(options.seed, 1_000_001),
      failureRate: options.llm.failureRate,
      timeoutRate: options.llm.timeoutRate,
      rateLimitRate: options.llm.rateLimitRate,
      retryAfterSeconds: options.llm.retryAfterSeconds,
      latencyMs: options.llm.latencyMs,
    });
    fleet = new WorkerFleet({
      logDir,
      env: {
        REDIS_URL: redis.url,
        THREADLINE_PREFIX: prefix,
        THREADLINE_PARTITIONS: String(options.partitions),
        LOG_LEVEL: 'info',
      },
      roleEnv: {
        summarizer: {
          THREADLINE_LLM_BASE_URL: llm.url,
          THREADLINE_LLM_MODEL: 'gpt-4o-mini',
          THREADLINE_LLM_TIMEOUT_MS: String(options.llm.clientTimeoutMs),
        },
      },
    });
    const size = { 'session-worker': options.sessionWorkers, summarizer: options.summarizers };
    const fleetRef = fleet;
    await Promise.all([
      ...Array.from({ length: size['session-worker'] }, () => fleetRef.start('session-worker')),
      ...Array.from({ length: size.summarizer }, () => fleetRef.start('summarizer')),
    ]);
    signal.throwIfAborted();

    const apiKey = `chaos-${randomBytes(16).toString('hex')}`;
    runtime = new RedisRuntime({
      url: redis.url,
      topology: { prefix, partitions: options.partitions },
      tenant: 'runtime-tenant-unused',
    });
    const serverLogger = createLogger({ name: 'server', level: 'warn', destination: serverLog });
    // The server's queue clients lose their connection on purpose here: log it (a BullMQ queue
    // with no 'error' listener prints every such error on stderr, over the progress line).
    for (const name of [...eventQueueNames(runtime.topology), SUMMARIZE_QUEUE])
      runtime.producer
        .queue(name)
        .on('error', (error) =>
          serverLogger.warn({ queue: name, err: error.message }, 'queue client error'),
        );
    server = await startServer({
      runtime,
      apiKeys: { [apiKey]: TENANT },
      adminKey: `admin-${randomBytes(16).toString('hex')}`,
      logger: serverLogger,
      port: 0,
      rateLimit: false,
    });
    const client = new RetryingHttpClient({ baseUrl: server.url, apiKey, signal });

    schedule = new ChaosSchedule({
      fleet,
      size,
      redis,
      random: seededRandom(deriveSeed(options.seed, 1_000_002)),
      killIntervalMs: options.killIntervalMs,
      clientKillAt: options.clientKillAt,
      redisRestartAt: options.redisRestartAt,
      redisDownMs: options.redisDownMs,
      onEvent: (event) => progress.note(describeChaosEvent(event)),
      signal,
    });
    const scheduleRef = schedule;
    const status = (eventsAccepted: number, eventsPlanned: number) => {
      const f = scheduleRef.figures;
      return `load: ${eventsAccepted}/${eventsPlanned} events accepted · HTTP retries ${client.totalRetries()} · kills ${f.kills['session-worker']} session-worker, ${f.kills.summarizer} summarizer · CLIENT KILL ${f.clientKills} · Redis restarts ${f.redisRestarts}`;
    };

    // The load, under the faults.
    const loadStarted = performance.now();
    schedule.start();
    const load: LoadResult = await driveLoad(plan, client, {
      rate: options.rate,
      maxInFlight: options.maxInFlight,
      signal,
      onProgress: (p) => {
        scheduleRef.progress(p.eventsAccepted / p.eventsPlanned);
        progress.update(status(p.eventsAccepted, p.eventsPlanned));
      },
    });
    const loadStopped = performance.now();
    progress.update(status(load.eventsAccepted, load.eventsAccepted), true);
    progress.done();
    progress.note('load done: stopping the faults, bringing the fleet back to full size');
    await schedule.stop();
    signal.throwIfAborted();

    // Every session settles within the bound: all accepted events applied, no summary pending.
    const acceptedIds = new Map(
      plan.map((p) => [
        p.sessionId,
        (load.accepted.get(p.sessionId) ?? []).flat().map((e) => e.eventId),
      ]),
    );
    const settling = await waitUntilSettled(runtime, plan, acceptedIds, {
      deadline: loadStopped + options.quiesceTimeoutMs,
      signal,
      onProgress: (n) => progress.update(`settling: ${n}/${plan.length} sessions settled`),
    });
    const quiesceMs = settling.settled ? performance.now() - loadStopped : null;
    progress.done();
    progress.note(
      settling.settled
        ? `every session settled and the queues drained ${(quiesceMs! / 1000).toFixed(1)} s after the load stopped`
        : `NOT settled ${options.quiesceTimeoutMs / 1000} s after the load stopped (${settling.unsettled.length} sessions${settling.queuesBusy ? ', queues still busy' : ''}): checking what is there`,
    );

    // Read everything back over HTTP and check it against the embedded runtime.
    const observed = new Map<string, SessionObservation | null>();
    await forEachLimited(plan, 16, async (p) => {
      observed.set(p.sessionId, await observeOverHttp(client, p.sessionId));
      progress.update(`reading back: ${observed.size}/${plan.length} sessions`);
    });
    progress.done();
    const waitedMs = performance.now() - loadStopped;
    progress.note('replaying the accepted events in the embedded runtime');
    const reference = await embeddedReference(plan, load.accepted);
    const violations: Violation[] = load.refusals.map((r) => ({
      sessionId: r.sessionId,
      kind: 'request-refused' as const,
      detail: r.message,
    }));
    if (!settling.settled)
      violations.push({
        sessionId: '*',
        kind: 'not-settled',
        detail: settling.queuesBusy
          ? `every session had settled, but the queues still held jobs ${options.quiesceTimeoutMs / 1000} s after the load stopped`
          : `${settling.unsettled.length} session(s) not settled ${options.quiesceTimeoutMs / 1000} s after the load stopped: ${settling.unsettled.slice(0, 5).join(', ')}${settling.unsettled.length > 5 ? ' …' : ''}`,
      });
    for (const failure of schedule.figures.failedFaults)
      violations.push({ sessionId: '*', kind: 'fault-not-done', detail: failure });
    for (const p of plan)
      violations.push(
        ...checkSession({
          sessionId: p.sessionId,
          accepted: acceptedIds.get(p.sessionId)!,
          observed: observed.get(p.sessionId) ?? null,
          reference: reference.get(p.sessionId)!,
          waitedMs,
        }),
      );

    const queues = await readQueueFigures(runtime.producer, options.partitions);
    const summaries = { sealedSegments: 0, llm: 0, extractive: 0, fallbacks: 0 };
    for (const o of observed.values()) {
      for (const segment of o?.chain.slice(0, -1) ?? []) {
        summaries.sealedSegments++;
        if (segment.summary?.kind === 'llm') summaries.llm++;
        if (segment.summary?.kind === 'extractive') summaries.extractive++;
        if (segment.summary?.fallbackReason) summaries.fallbacks++;
      }
    }
    clean = violations.length === 0;
    return {
      options,
      violations,
      logDir: clean && !options.keepLogs ? null : logDir,
      figures: {
        sessions: plan.length,
        eventsAccepted: load.eventsAccepted,
        duplicateEventsSent: load.duplicateEventsSent,
        requests: load.requests,
        httpRetries: client.totalRetries(),
        httpRetriesByReason: client.retriesByReason(),
        chaos: schedule.figures,
        queues,
        summaries,
        llm: llm.stats(),
        loadMs: loadStopped - loadStarted,
        quiesceMs,
        totalMs: performance.now() - started,
      },
    };
  } finally {
    progress.done();
    const aborted = signal.aborted;
    await schedule?.halt();
    await server?.close().catch(() => undefined);
    await runtime?.close().catch(() => undefined);
    await fleet?.stopAll(aborted ? 2000 : 10_000);
    await llm?.close();
    await redis?.stop();
    await new Promise<void>((resolve) => serverLog.end(resolve));
    // Kept when they may explain something: violations, or a run that ran out of time. A run
    // its caller stopped (SIGINT/SIGTERM) leaves nothing behind.
    const stoppedByCaller = ctx.signal?.aborted === true;
    if ((clean || stoppedByCaller) && !options.keepLogs)
      await rm(logDir, { recursive: true, force: true });
    else if (!clean) progress.note(`process logs kept in ${logDir}`);
  }
}

function describeChaosEvent(event: ChaosEvent): string {
  switch (event.kind) {
    case 'kill':
      return `SIGKILL ${event.worker}; its replacement is starting`;
    case 'client-kill':
      return `CLIENT KILL: ${event.connections} connections killed (workers and server)`;
    case 'redis-restart':
      return `Redis crashed (SIGKILL) and restarted on the same port: answering again after ${event.downtimeMs} ms`;
    case 'start-failed':
      return `a ${event.role} failed to start (${event.error}); trying again`;
    case 'fault-failed':
      return `a fault could not be done: ${event.error}`;
  }
}

/** Where the run stood when it stopped waiting for the sessions to settle. */
interface Settling {
  settled: boolean;
  /** Sessions with accepted events not applied yet, a summary pending, or not `active`. */
  unsettled: string[];
  /** The queues still had jobs (waiting, active, delayed …) at the deadline. */
  queuesBusy: boolean;
}

/**
 * Waits until every session has applied all its accepted events, is `active` with no summary
 * pending, and then until every queue is empty (nothing waiting, active or delayed), or until
 * `deadline`. Reads the store directly (cheap polling); the check itself reads over HTTP.
 */
async function waitUntilSettled(
  runtime: RedisRuntime,
  plan: readonly SessionPlan[],
  acceptedIds: ReadonlyMap<string, readonly string[]>,
  options: { deadline: number; signal: AbortSignal; onProgress: (settled: number) => void },
): Promise<Settling> {
  let unsettled = plan.map((p) => p.sessionId);
  for (;;) {
    options.signal.throwIfAborted();
    const still: string[] = [];
    await forEachLimited(unsettled, 32, async (sessionId) => {
      const stored = await runtime.store.load({ tenant: TENANT, sessionId }).catch(() => null);
      const state = stored?.session;
      const done =
        state !== undefined &&
        state.value === 'active' &&
        state.context.pending.length === 0 &&
        nextSeqOf(state.context) === acceptedIds.get(sessionId)!.length;
      if (!done) still.push(sessionId);
    });
    unsettled = still;
    options.onProgress(plan.length - unsettled.length);
    const left = options.deadline - performance.now();
    if (unsettled.length === 0) {
      try {
        await runtime.idle(Math.max(1, left));
        return { settled: true, unsettled, queuesBusy: false };
      } catch {
        return { settled: false, unsettled, queuesBusy: true };
      }
    }
    if (left <= 0) return { settled: false, unsettled, queuesBusy: false };
    await sleep(Math.min(250, left));
  }
}

async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}
