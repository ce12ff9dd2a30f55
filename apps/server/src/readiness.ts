/** One check of `/readyz`. */
export interface ReadyCheckResult {
  ok: boolean;
  detail: string;
}

/** What `/readyz` answers: 200 when every check is ok, 503 otherwise. */
export interface ReadyReport {
  ready: boolean;
  checks: Record<string, ReadyCheckResult>;
}

export type ReadyCheck = () => Promise<ReadyReport>;

/** What the default check needs of a BullMQ queue. */
export interface WorkerProbe {
  readonly name: string;
  getWorkersCount(): Promise<number>;
}

export interface DefaultReadyCheckOptions {
  /** PING of the Redis the runtime uses. */
  ping: () => Promise<unknown>;
  /** The event partition queues: a session worker serving any of them counts. */
  eventQueues: readonly WorkerProbe[];
  /**
   * A worker seen within this many ms counts as "seen recently" (a worker restarting for a few
   * seconds does not make the API unready).
   *
   * @defaultValue 15000
   */
  workerSeenWithinMs?: number;
  /**
   * Workers are looked for (BullMQ `getWorkers`, a `CLIENT LIST`) at most this often.
   *
   * @defaultValue 2000
   */
  recheckWorkersMs?: number;
  /** @defaultValue 2000 */
  timeoutMs?: number;
  now?: () => number;
}

/**
 * Ready when Redis answers PING and a session worker has been seen on an event partition queue
 * within `workerSeenWithinMs` (BullMQ names its worker connections, so `getWorkers()` finds
 * them with `CLIENT LIST`). Queues are asked in turn until one has a worker; usually the first
 * does, as a worker serves every partition by default.
 */
export function defaultReadyCheck(options: DefaultReadyCheckOptions): ReadyCheck {
  const seenWithin = options.workerSeenWithinMs ?? 15_000;
  const recheck = options.recheckWorkersMs ?? 2_000;
  const timeoutMs = options.timeoutMs ?? 2_000;
  const now = options.now ?? Date.now;
  let lastSeen = -Infinity;
  let lastLooked = -Infinity;

  const findWorker = async (): Promise<boolean> => {
    for (const queue of options.eventQueues) if ((await queue.getWorkersCount()) > 0) return true;
    return false;
  };

  return async () => {
    const checks: Record<string, ReadyCheckResult> = {};
    try {
      await withTimeout(options.ping(), timeoutMs, 'PING');
      checks['redis'] = { ok: true, detail: 'PING answered' };
    } catch (error) {
      checks['redis'] = {
        ok: false,
        detail: `Redis did not answer PING: ${(error as Error).message}`,
      };
      checks['sessionWorkers'] = { ok: false, detail: 'not checked: Redis is unreachable' };
      return { ready: false, checks };
    }
    const t = now();
    if (t - lastSeen > recheck && t - lastLooked > recheck) {
      lastLooked = t;
      try {
        if (await withTimeout(findWorker(), timeoutMs, 'CLIENT LIST')) lastSeen = t;
      } catch (error) {
        checks['sessionWorkers'] = {
          ok: false,
          detail: `could not list the workers: ${(error as Error).message}`,
        };
        return { ready: false, checks };
      }
    }
    const ago = t - lastSeen;
    checks['sessionWorkers'] =
      ago <= seenWithin
        ? { ok: true, detail: `a session worker was seen ${Math.round(ago / 1000)} s ago` }
        : {
            ok: false,
            detail: `no session worker on the ${options.eventQueues.length} event queues in the last ${Math.round(seenWithin / 1000)} s: events are accepted but not applied; start one (apps/session-worker)`,
          };
    return { ready: Object.values(checks).every((c) => c.ok), checks };
  };
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
