import { randomUUID } from 'node:crypto';
import { acceptEvents } from '@threadline/core';
import type { RedisRuntime } from '@threadline/runtime';
import { LoadTargetError, type LoadTarget } from './load-target.ts';
import type { PlannedEvent } from './load-plan.ts';

interface Watch {
  eventId: string;
  deadline: number;
  resolve: (at: number) => void;
  reject: (error: Error) => void;
}

/**
 * Drives the partition queues directly, as a platform's own BullMQ producer would: events are
 * validated and stamped at the door (`acceptEvents`), then added as jobs by the
 * `EventProducer`. Applied means "recorded among the session's consumed eventIds in the store",
 * which one poller checks for every watched event (one SMISMEMBER per session per round, a
 * round every `pollMs`): the latency resolution is about `pollMs` plus a round trip.
 */
export class QueueLoadTarget implements LoadTarget {
  readonly description: string;
  private readonly watches = new Map<string, Watch[]>();
  private polling: Promise<void> | null = null;

  constructor(
    private readonly runtime: RedisRuntime,
    private readonly eventsPerJob: number,
    where: string,
    private readonly pollMs = 2,
  ) {
    this.description = `queue ${where} (prefix ${runtime.topology.prefix}, ${runtime.topology.partitions} partitions), tenant ${runtime.tenant}`;
  }

  async createSession(sessionId: string): Promise<void> {
    await this.runtime.open({ sessionId, infiniteContext: true });
  }

  async send(sessionId: string, events: PlannedEvent[]): Promise<void> {
    const accepted = acceptEvents(events, {
      now: new Date().toISOString(),
      newEventId: randomUUID,
    });
    try {
      await this.runtime.producer.enqueue(this.runtime.tenant, accepted, this.eventsPerJob);
    } catch (error) {
      throw new LoadTargetError(
        'enqueue',
        `enqueue for session ${sessionId}: ${(error as Error).message}`,
      );
    }
  }

  applied(sessionId: string, eventId: string, deadline: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const list = this.watches.get(sessionId) ?? [];
      list.push({ eventId, deadline, resolve, reject });
      this.watches.set(sessionId, list);
      this.polling ??= this.poll().finally(() => (this.polling = null));
    });
  }

  private async poll(): Promise<void> {
    while (this.watches.size > 0) {
      await Promise.all(
        [...this.watches].map(async ([sessionId, list]) => {
          let found: Set<string>;
          try {
            found = await this.runtime.store.consumedEventIds(
              { tenant: this.runtime.tenant, sessionId },
              list.map((w) => w.eventId),
            );
          } catch {
            found = new Set(); // a failed round is retried on the next one, until the deadline
          }
          const now = performance.now();
          const waiting = list.filter((w) => {
            if (found.has(w.eventId)) w.resolve(now);
            else if (now > w.deadline)
              w.reject(
                new LoadTargetError('not applied', `event ${w.eventId} was not applied in time`),
              );
            else return true;
            return false;
          });
          // Watches added while the round was out were pushed onto this same list; not having
          // been asked about, they are not in `found` and simply wait for the next round.
          if (waiting.length) this.watches.set(sessionId, waiting);
          else this.watches.delete(sessionId);
        }),
      );
      await new Promise((r) => setTimeout(r, this.pollMs));
    }
  }

  async close(): Promise<void> {
    for (const list of this.watches.values())
      for (const w of list) w.reject(new LoadTargetError('aborted', 'load run closed'));
    this.watches.clear();
    await this.polling;
    await this.runtime.close();
  }
}
