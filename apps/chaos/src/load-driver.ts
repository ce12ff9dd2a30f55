import { setTimeout as sleep } from 'node:timers/promises';
import type { PlannedEvent, SessionPlan } from './conversation-plan.ts';
import { RequestRefusedError, type RetryingHttpClient } from './retrying-http-client.ts';

export interface LoadProgress {
  /** Events accepted for the first time (duplicates not counted). */
  eventsAccepted: number;
  eventsPlanned: number;
  /** Resent batches answered 202 (their events were already accepted). */
  resendsAccepted: number;
}

export interface LoadResult {
  /** Per session, the batches the API accepted (202), in the order it accepted them. */
  accepted: Map<string, PlannedEvent[][]>;
  eventsAccepted: number;
  /** Events sent a second time (every batch is resent once, whole or in two parts). */
  duplicateEventsSent: number;
  requests: number;
  /** Requests the API refused with a 4xx although they were valid: each one is a violation. */
  refusals: Array<{ sessionId: string; message: string }>;
}

export interface DriveLoadOptions {
  /** Events per second sent, duplicates included. */
  rate: number;
  /** Requests in flight at most (each session has at most one, so its batches stay in order). */
  maxInFlight: number;
  signal: AbortSignal;
  onProgress?: (progress: LoadProgress) => void;
}

/**
 * Creates every session of the plan, then sends their batches over HTTP at `rate` events/s:
 * sessions take turns, each with one request in flight, so that a session's batches are
 * accepted in the order of its plan. Every request is retried by the client until answered.
 */
export async function driveLoad(
  plan: readonly SessionPlan[],
  client: RetryingHttpClient,
  options: DriveLoadOptions,
): Promise<LoadResult> {
  const { signal } = options;
  const refusals: LoadResult['refusals'] = [];
  const accepted = new Map<string, PlannedEvent[][]>(plan.map((p) => [p.sessionId, []]));
  const eventsPlanned = plan.reduce(
    (n, p) => n + p.batches.reduce((m, b) => m + b.events.length, 0),
    0,
  );
  let eventsAccepted = 0;
  let resendsAccepted = 0;
  let duplicateEventsSent = 0;
  let requests = 0;
  const progress = () => options.onProgress?.({ eventsAccepted, eventsPlanned, resendsAccepted });

  // The sessions first; a 409 means an earlier attempt of this very request created it.
  let nextToCreate = 0;
  const failed = new Set<number>();
  await Promise.all(
    Array.from({ length: Math.min(16, plan.length) }, async () => {
      while (nextToCreate < plan.length) {
        const s = nextToCreate++;
        requests++;
        try {
          await client.request('POST', '/v1/sessions', plan[s]!.create, [201, 409]);
        } catch (error) {
          if (!(error instanceof RequestRefusedError)) throw error;
          refusals.push({ sessionId: plan[s]!.sessionId, message: error.message });
          failed.add(s);
        }
      }
    }),
  );

  const nextSend = plan.map(() => 0);
  const idle = plan.map((_, s) => s).filter((s) => !failed.has(s));
  let inFlight = 0;
  let dispatched = 0;
  let firstError: unknown = null;
  const started = performance.now();

  const send = async (s: number) => {
    const session = plan[s]!;
    const planned = session.sends[nextSend[s]!++]!;
    const events = session.batches[planned.batch]!.events.slice(planned.from, planned.to);
    dispatched += events.length;
    if (planned.resend) duplicateEventsSent += events.length;
    inFlight++;
    requests++;
    try {
      const answer = await client.request(
        'POST',
        `/v1/sessions/${encodeURIComponent(session.sessionId)}/events`,
        { events },
        [202],
      );
      const ids = (answer.body as { accepted?: string[] } | null)?.accepted ?? [];
      if (ids.join(',') !== events.map((e) => e.eventId).join(','))
        refusals.push({
          sessionId: session.sessionId,
          message: `202 with accepted ${JSON.stringify(ids)}, expected the batch's own eventIds`,
        });
      if (planned.resend) resendsAccepted++;
      else {
        accepted.get(session.sessionId)!.push(events);
        eventsAccepted += events.length;
      }
      progress();
    } catch (error) {
      if (error instanceof RequestRefusedError)
        refusals.push({ sessionId: session.sessionId, message: error.message });
      else firstError ??= error;
    } finally {
      inFlight--;
      if (nextSend[s]! < session.sends.length) idle.push(s);
    }
  };

  while (idle.length > 0 || inFlight > 0) {
    if (firstError) throw firstError;
    signal.throwIfAborted();
    const due = Math.floor(((performance.now() - started) / 1000) * options.rate) + 1;
    while (dispatched < due && inFlight < options.maxInFlight && idle.length > 0)
      void send(idle.shift()!);
    await sleep(idle.length > 0 && dispatched < due ? 0 : 5);
  }
  if (firstError) throw firstError;
  progress();
  return { accepted, eventsAccepted, duplicateEventsSent, requests, refusals };
}
