import type { Job } from 'bullmq';
import { eventQueueNames, SUMMARIZE_QUEUE, type EventProducer } from '@threadline/queue';

/** What the queues say happened, read from the jobs BullMQ keeps after they finish. */
export interface QueueFigures {
  /** Event jobs processed to completion (client batches and summary answers). */
  eventJobs: number;
  /** Event jobs taken more than once: the worker holding them was killed (or lost its lock). */
  eventJobsRedelivered: number;
  /** Client events a worker skipped because the session had already applied them (resends that did not collapse at enqueue, redeliveries after the commit). */
  duplicateEventsDropped: number;
  /** The same for summary answers (a summarize job redelivered after it answered). */
  duplicateSummariesDropped: number;
  summarizeJobs: number;
  /** Summarize jobs taken more than once (a killed summarizer) or failed and retried. */
  summarizeJobsRedelivered: number;
  /** Summarize jobs that found their segment no longer waiting (a duplicate request). */
  summarizeJobsSkipped: number;
  /** Jobs in `failed`: an event job there is events never applied. */
  failedEventJobs: number;
  failedSummarizeJobs: number;
}

const redelivered = (job: Job): boolean =>
  (job.attemptsStarted ?? 0) > 1 || (job.stalledCounter ?? 0) > 0 || (job.attemptsMade ?? 0) > 1;

/**
 * Counts from the completed and failed jobs of every queue. Completed jobs are kept 10 minutes
 * (at most 20,000 per queue): a run longer than that undercounts its early jobs.
 */
export async function readQueueFigures(
  producer: EventProducer,
  partitions: number,
): Promise<QueueFigures> {
  const figures: QueueFigures = {
    eventJobs: 0,
    eventJobsRedelivered: 0,
    duplicateEventsDropped: 0,
    duplicateSummariesDropped: 0,
    summarizeJobs: 0,
    summarizeJobsRedelivered: 0,
    summarizeJobsSkipped: 0,
    failedEventJobs: 0,
    failedSummarizeJobs: 0,
  };
  for (const name of eventQueueNames({ prefix: producer.topology.prefix, partitions })) {
    const queue = producer.queue(name);
    const [completed, failed] = await Promise.all([
      queue.getJobs(['completed'], 0, -1),
      queue.getJobs(['failed'], 0, -1),
    ]);
    figures.failedEventJobs += failed.length;
    for (const job of completed) {
      figures.eventJobs++;
      if (redelivered(job)) figures.eventJobsRedelivered++;
      const skipped = (job.returnvalue as { skipped?: number } | null)?.skipped ?? 0;
      const events = (job.data as { events?: Array<{ type?: string }> }).events ?? [];
      if (events.some((e) => e.type === 'summary_ready'))
        figures.duplicateSummariesDropped += skipped;
      else figures.duplicateEventsDropped += skipped;
    }
  }
  const summarize = producer.queue(SUMMARIZE_QUEUE);
  const [completed, failed] = await Promise.all([
    summarize.getJobs(['completed'], 0, -1),
    summarize.getJobs(['failed'], 0, -1),
  ]);
  figures.failedSummarizeJobs = failed.length;
  for (const job of completed) {
    figures.summarizeJobs++;
    if (redelivered(job)) figures.summarizeJobsRedelivered++;
    if ((job.returnvalue as { skipped?: boolean } | null)?.skipped) figures.summarizeJobsSkipped++;
  }
  return figures;
}
