import { setTimeout as sleep } from 'node:timers/promises';
import { sendRedisCommand, type RedisServerHandle } from '@threadline/testing';
import { pick, type Random } from './seeded-random.ts';
import { WORKER_ROLES, type WorkerFleet, type WorkerRole } from './worker-fleet.ts';

/** How many processes of each role the run keeps (a killed one is replaced at once). */
export type FleetSize = Record<WorkerRole, number>;

export interface ChaosFigures {
  kills: Record<WorkerRole, number>;
  /** Times every client connection was killed (CLIENT KILL), and how many connections died. */
  clientKills: number;
  connectionsKilled: number;
  redisRestarts: number;
  /** From the crash of Redis until it answered again, ms. */
  redisDowntimeMs: number[];
  /** Replacements that failed to start (they are started again). */
  failedStarts: number;
  /** One-off faults that could not be done (the error): the run did less chaos than it says. */
  failedFaults: string[];
  /**
   * Processes serving while the faults ran, sampled every 250 ms: a replacement takes seconds
   * to start, so with a kill every couple of seconds fewer than the fleet's size serve.
   */
  serving: Record<WorkerRole, { average: number; min: number }>;
}

/** Something the schedule did, for the progress line and the report. */
export type ChaosEvent =
  | { kind: 'kill'; worker: string; role: WorkerRole }
  | { kind: 'client-kill'; connections: number }
  | { kind: 'redis-restart'; downtimeMs: number }
  | { kind: 'start-failed'; role: WorkerRole; error: string }
  | { kind: 'fault-failed'; error: string };

export interface ChaosScheduleOptions {
  fleet: WorkerFleet;
  size: FleetSize;
  redis: RedisServerHandle;
  random: Random;
  /** A worker is SIGKILLed about this often (± 25 %). */
  killIntervalMs: number;
  /** Share of the load after which every Redis connection is killed, once. */
  clientKillAt: number;
  /** Share of the load after which Redis is crashed (SIGKILL) and started again, once. */
  redisRestartAt: number;
  /** How long Redis stays down before it is started again (a supervisor's restart delay). */
  redisDownMs: number;
  onEvent?: (event: ChaosEvent) => void;
  /** The run's: once aborted, nothing is started again. */
  signal?: AbortSignal;
}

/**
 * The faults of a run. `start()` SIGKILLs a random worker every `killIntervalMs` and starts its
 * replacement at once (the first two victims are one session worker and one summarizer, so
 * that even a short run kills both kinds); `progress(share)` fires the one CLIENT KILL and the
 * one Redis crash-restart when the load reaches their share; `stop()` ends the faults and
 * brings the fleet back to its full size.
 */
export class ChaosSchedule {
  readonly figures: ChaosFigures = {
    kills: { 'session-worker': 0, summarizer: 0 },
    clientKills: 0,
    connectionsKilled: 0,
    redisRestarts: 0,
    redisDowntimeMs: [],
    failedStarts: 0,
    failedFaults: [],
    serving: {
      'session-worker': { average: 0, min: 0 },
      summarizer: { average: 0, min: 0 },
    },
  };
  private readonly samples: Record<WorkerRole, number[]> = { 'session-worker': [], summarizer: [] };
  private sampler: NodeJS.Timeout | null = null;
  private stopped = false;
  private halted = false;
  private readonly stopSignal = new AbortController();
  private loop: Promise<void> | null = null;
  /** One-off faults and replacements under way. */
  private readonly faults = new Set<Promise<unknown>>();
  private readonly replacements = new Set<Promise<unknown>>();
  private clientKillDone = false;
  private redisRestartDone = false;

  constructor(private readonly options: ChaosScheduleOptions) {}

  start(): void {
    this.loop = this.killLoop();
    this.sampler = setInterval(() => {
      for (const role of WORKER_ROLES)
        this.samples[role].push(this.options.fleet.ready(role).length);
    }, 250);
  }

  private stopSampling(): void {
    if (this.sampler) clearInterval(this.sampler);
    this.sampler = null;
    for (const role of WORKER_ROLES) {
      const samples = this.samples[role];
      if (samples.length === 0) continue;
      this.figures.serving[role] = {
        average: samples.reduce((a, b) => a + b, 0) / samples.length,
        min: Math.min(...samples),
      };
    }
  }

  /** Tells the schedule how far the load is (0 to 1): the one-off faults fire at their share. */
  progress(share: number): void {
    if (this.stopped) return;
    if (!this.clientKillDone && share >= this.options.clientKillAt) {
      this.clientKillDone = true;
      this.track(this.faults, this.clientKill());
    }
    if (!this.redisRestartDone && share >= this.options.redisRestartAt) {
      this.redisRestartDone = true;
      this.track(this.faults, this.restartRedis());
    }
  }

  /** Ends the faults (the one-off ones still fire if their share was never reached) and waits for a full fleet. */
  async stop(): Promise<void> {
    this.progress(1);
    this.stopped = true;
    this.stopSignal.abort();
    this.stopSampling();
    await this.loop;
    for (const set of [this.faults, this.replacements])
      while (set.size > 0) await Promise.allSettled([...set]);
    await this.fillFleet();
  }

  /**
   * Stops at once (the run is aborting): no more kills or replacements; waits only for a fault
   * under way (a Redis restart must finish before Redis is stopped). Starting processes are
   * left to the fleet's stop.
   */
  async halt(): Promise<void> {
    this.stopped = true;
    this.halted = true;
    this.stopSignal.abort();
    this.stopSampling();
    await this.loop;
    await Promise.allSettled([...this.faults]);
  }

  /** Starts processes until each role has its size (alive ones that are still starting count). */
  async fillFleet(): Promise<void> {
    const { fleet, size } = this.options;
    await Promise.all(
      WORKER_ROLES.flatMap((role) =>
        Array.from({ length: Math.max(0, size[role] - fleet.alive(role).length) }, () =>
          this.startReplacement(role),
        ),
      ),
    );
    // Replacements started by the kill loop may still be starting: wait until every one serves.
    while (WORKER_ROLES.some((role) => fleet.ready(role).length < size[role])) {
      this.options.signal?.throwIfAborted();
      for (const role of WORKER_ROLES)
        if (fleet.alive(role).length < size[role]) await this.startReplacement(role);
      await sleep(100);
    }
  }

  private track(set: Set<Promise<unknown>>, work: Promise<unknown>): void {
    const p: Promise<unknown> = work
      .catch((error: unknown) => {
        this.figures.failedFaults.push(String(error));
        this.options.onEvent?.({ kind: 'fault-failed', error: String(error) });
      })
      .finally(() => set.delete(p));
    set.add(p);
  }

  private async killLoop(): Promise<void> {
    const { fleet, random } = this.options;
    let killed = 0;
    while (!this.stopped) {
      const wait = this.options.killIntervalMs * (0.75 + random() * 0.5);
      try {
        await sleep(wait, undefined, { signal: this.stopSignal.signal });
      } catch {
        return; // stopped
      }
      // The first victims: one of each role; then anyone that serves.
      const role: WorkerRole | undefined =
        killed < WORKER_ROLES.length ? WORKER_ROLES[killed] : undefined;
      const candidates = fleet.ready(role);
      if (candidates.length === 0) continue;
      const victim = pick(random, candidates);
      await fleet.kill(victim);
      killed++;
      this.figures.kills[victim.role]++;
      this.options.onEvent?.({ kind: 'kill', worker: victim.name, role: victim.role });
      this.track(this.replacements, this.startReplacement(victim.role));
    }
  }

  /** Starts one process of `role`, trying again (after a pause) until it serves or the run stops. */
  private async startReplacement(role: WorkerRole): Promise<void> {
    while (!this.halted && !this.options.signal?.aborted) {
      try {
        await this.options.fleet.start(role);
        return;
      } catch (error) {
        if (this.halted) return;
        this.figures.failedStarts++;
        this.options.onEvent?.({
          kind: 'start-failed',
          role,
          error: (error as Error).message.split('\n')[0]!,
        });
        await sleep(500);
      }
    }
  }

  /** Kills every normal client connection but the one sending the command (workers, server, all). */
  private async clientKill(): Promise<void> {
    const { redis } = this.options;
    const reply = await sendRedisCommand(
      redis.host,
      redis.port,
      ['CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes'],
      5000,
    );
    const connections = typeof reply === 'number' ? reply : 0;
    this.figures.clientKills++;
    this.figures.connectionsKilled += connections;
    this.options.onEvent?.({ kind: 'client-kill', connections });
  }

  /**
   * Crashes Redis (SIGKILL: no shutdown, no final save), leaves it down for `redisDownMs`, and
   * starts it again on the same port and directory; with `--appendonly yes --appendfsync always`
   * every acknowledged write is in the AOF it loads.
   */
  private async restartRedis(): Promise<void> {
    const { redis } = this.options;
    const crashedAt = Date.now();
    redis.kill('SIGKILL');
    await sleep(this.options.redisDownMs);
    await redis.restart();
    const downtimeMs = Date.now() - crashedAt;
    this.figures.redisRestarts++;
    this.figures.redisDowntimeMs.push(downtimeMs);
    this.options.onEvent?.({ kind: 'redis-restart', downtimeMs });
  }
}
