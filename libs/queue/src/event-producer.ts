import { Queue, type JobsOptions } from 'bullmq';
import {
  ID_RULE,
  isId,
  ValidationError,
  type AcceptedEvent,
  type SummaryRequest,
  type ValidationIssue,
} from '@threadline/core';
import { eventJobId, summaryJobId } from './job-ids.ts';
import { MAX_EVENTS_PER_JOB, type SummarizeJob } from './job-schemas.ts';
import { partitionOf } from './partition.ts';
import {
  EVENT_JOB_NAME,
  eventQueueName,
  SUMMARIZE_JOB_NAME,
  SUMMARIZE_QUEUE,
  type QueueTopology,
} from './topology.ts';
import type { RedisConnection } from './redis-connection.ts';

/**
 * Completed event jobs are kept a short while so that a resent event collapses on its job id;
 * after that the store's eventId records still make a resend a no-op. Failed ones a week, at
 * most 100,000. The session workers bound what they finish by the same, whatever a producer set
 * (see `boundedRetention`), so a producer that enqueues with plain `Queue.add` keeps nothing
 * forever.
 */
export const EVENT_JOB_RETENTION = {
  removeOnComplete: { age: 600, count: 20_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 100_000 },
} as const satisfies Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail'>;

export const EVENT_JOB_OPTIONS: JobsOptions = { ...EVENT_JOB_RETENTION };

/**
 * Finished summary requests: kept an hour (a duplicate request collapses on its job id), failed
 * ones a week. The summarizer workers bound what they finish by the same (whatever a producer set).
 */
export const SUMMARIZE_JOB_RETENTION = {
  removeOnComplete: { age: 3600, count: 20_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 100_000 },
} as const satisfies Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail'>;

export const SUMMARIZE_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
  ...SUMMARIZE_JOB_RETENTION,
};

/**
 * The ids that go into queue names, job ids and the store's keys must be ids (core's
 * {@link isId}), whoever calls: a `{`, `:`, space or NUL there would make a job the
 * workers refuse, or a job id BullMQ refuses with a message naming no field. Checked before
 * any write; the events' other fields are validated at the door (HTTP, SDK) and by the worker.
 */
function checkIds(tenant: string, events: readonly AcceptedEvent[]): void {
  const issues: ValidationIssue[] = [];
  if (!isId(tenant)) issues.push({ path: 'tenant', rule: ID_RULE });
  events.forEach((event, i) => {
    if (!isId(event.sessionId)) issues.push({ path: `events[${i}].sessionId`, rule: ID_RULE });
    if (!isId(event.eventId)) issues.push({ path: `events[${i}].eventId`, rule: ID_RULE });
  });
  if (issues.length) throw new ValidationError(issues);
}

export interface EnqueuedJob {
  queue: string;
  jobId: string;
  eventIds: string[];
}

/** Puts events on their session's partition queue, and summary requests on the summarize queue. */
export class EventProducer {
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly connection: RedisConnection,
    readonly topology: QueueTopology,
  ) {}

  queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.connection, prefix: this.topology.prefix });
      this.queues.set(name, q);
    }
    return q;
  }

  /**
   * Enqueues the events of one tenant, grouped by session in their order, at most
   * `perJob` events of one session per job (all jobs of a session go to one partition queue,
   * in order, in one atomic `addBulk` per partition). A tenant, sessionId or eventId that is not
   * an id is a ValidationError naming it, and nothing is enqueued. `life`, when given, is the
   * life of the session the events are sent to (the events of one call are then of one session):
   * the jobs carry it, and the session worker drops them if that life has ended.
   */
  async enqueue(
    tenant: string,
    events: readonly AcceptedEvent[],
    perJob = 1,
    life?: string,
  ): Promise<EnqueuedJob[]> {
    checkIds(tenant, events);
    if (life !== undefined && !isId(life))
      throw new ValidationError([{ path: 'life', rule: ID_RULE }]);
    const size = Math.max(1, Math.min(perJob, MAX_EVENTS_PER_JOB));
    const bySession = new Map<string, AcceptedEvent[]>();
    for (const event of events) {
      const list = bySession.get(event.sessionId) ?? [];
      list.push(event);
      bySession.set(event.sessionId, list);
    }
    if (life !== undefined && bySession.size > 1)
      throw new Error(
        `enqueue with a life: the events must be of one session, got ${bySession.size} sessions`,
      );
    const byQueue = new Map<
      string,
      Array<{ name: string; data: unknown; opts: JobsOptions; job: EnqueuedJob }>
    >();
    for (const [sessionId, list] of bySession) {
      const queue = eventQueueName(partitionOf(tenant, sessionId, this.topology.partitions));
      const jobs = byQueue.get(queue) ?? [];
      for (let i = 0; i < list.length; i += size) {
        const chunk = list.slice(i, i + size);
        const eventIds = chunk.map((e) => e.eventId);
        const jobId = eventJobId(tenant, sessionId, eventIds, life);
        jobs.push({
          name: EVENT_JOB_NAME,
          data: { v: 1, tenant, sessionId, ...(life === undefined ? {} : { life }), events: chunk },
          opts: { ...EVENT_JOB_OPTIONS, jobId },
          job: { queue, jobId, eventIds },
        });
      }
      byQueue.set(queue, jobs);
    }
    const added: EnqueuedJob[] = [];
    await Promise.all(
      [...byQueue].map(async ([queue, jobs]) => {
        await this.queue(queue).addBulk(jobs.map(({ name, data, opts }) => ({ name, data, opts })));
        added.push(...jobs.map((j) => j.job));
      }),
    );
    return added;
  }

  /** Asks the summarizer pool for a segment's summary; a duplicate request collapses. */
  async requestSummary(tenant: string, request: SummaryRequest): Promise<void> {
    const issues: ValidationIssue[] = [];
    if (!isId(tenant)) issues.push({ path: 'tenant', rule: ID_RULE });
    const { sessionId, life } = request;
    if (!isId(sessionId)) issues.push({ path: 'request.sessionId', rule: ID_RULE });
    if (!isId(life)) issues.push({ path: 'request.life', rule: ID_RULE });
    if (issues.length || !isId(tenant) || !isId(sessionId) || !isId(life))
      throw new ValidationError(issues);
    const data: SummarizeJob = { v: 1, tenant, request: { ...request, sessionId, life } };
    await this.queue(SUMMARIZE_QUEUE).add(SUMMARIZE_JOB_NAME, data, {
      ...SUMMARIZE_JOB_OPTIONS,
      jobId: summaryJobId(tenant, request.sessionId, request.life, request.segmentIndex),
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }
}
