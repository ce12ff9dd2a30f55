import type { Job } from 'bullmq';
import type { SummaryRequest } from '@threadline/core';
import { summaryReadyEvent } from '@threadline/engine';
import type { TimeoutFallback } from '@threadline/llm';
import type { Logger, ThreadlineMetrics } from '@threadline/observability';
import { SummarizeJobSchema, type EventProducer } from '@threadline/queue';
import type { SessionStore } from '@threadline/store';

/**
 * The `failedReason` BullMQ 6.7 gives a job found stalled more than `maxStalledCount` times.
 *
 * Where it comes from (node_modules/bullmq, 6.7.0): the stalled check
 * (`moveStalledJobsToWait-9.lua`, run by whichever worker's timer wins the `stalled-check` key)
 * does not fail such a job itself: it stores this text as a deferred failure (`defa`) in the
 * job's hash and moves the job back to `wait`, emitting only `stalled`. The next worker that
 * fetches the job sees `job.deferredFailure` (`Worker.getUnrecoverableErrorMessage`) and, without
 * calling the processor, fails it with `new UnrecoverableError(<this text>)`: the job moves to
 * `failed` for good, and THAT worker emits `failed` (job, error) with `job.failedReason` set to it.
 */
export const STALLED_OUT_REASON = 'job stalled more than allowable limit';

/** Whether this `failed` event is the job's last: no retry will follow. */
export function isFinalFailure(job: Job, error: Error): boolean {
  return error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
}

/** Whether the job failed because it stalled too often (its processes died or hung), not by throwing. */
export function stalledOut(job: Job, error: Error): boolean {
  return job.failedReason === STALLED_OUT_REASON || error.message === STALLED_OUT_REASON;
}

export interface FailedSummaryAnswerDeps {
  store: SessionStore;
  producer: EventProducer;
  /** Makes the answer: cheap and pure, never the code that failed. */
  fallback: TimeoutFallback;
  /** The worker's `maxStalledCount`, for the reason. */
  maxStalledCount: number;
  logger: Logger;
  metrics?: ThreadlineMetrics;
  now?: () => string;
  /**
   * Sendings of the answer tried before giving up (Redis may be briefly away).
   *
   * @defaultValue 5
   */
  attempts?: number;
}

export type FailedSummaryAnswer = 'answered' | 'not-awaited' | 'invalid-job';

/**
 * Answers a summarize job that failed for good (it stalled out, or its last attempt threw) so
 * that its session never stays `summarizing`: the `summary_ready` of the segment still pending,
 * made by `fallback` (the previous summary and a line naming the events missing), with the same
 * eventId the normal path uses (`summaryEventIdOf`), so that a late real answer and this one
 * collapse into whichever comes first.
 *
 * The reason tenants read says what happened, not what the error said: `SummaryJobStalledError:
 * the summarizers taking this summary died or hung 2 times; it was not tried again`, or
 * `SummaryJobFailedError: the summary failed 8 times; it was not tried again`.
 *
 * Nothing is sent for a job whose data is not a summarize job (it failed at the door: there is
 * no segment to answer for) or whose segment is no longer pending.
 */
export async function answerFailedSummaryJob(
  job: Job,
  error: Error,
  deps: FailedSummaryAnswerDeps,
): Promise<FailedSummaryAnswer> {
  const parsed = SummarizeJobSchema.safeParse(job.data);
  if (!parsed.success) return 'invalid-job';
  const { tenant } = parsed.data;
  const key = { tenant, sessionId: parsed.data.request.sessionId };
  const reason = stalledOut(job, error)
    ? `SummaryJobStalledError: the summarizers taking this summary died or hung ${deps.maxStalledCount + 1} times; it was not tried again`
    : `SummaryJobFailedError: the summary failed ${job.attemptsMade} time${job.attemptsMade === 1 ? '' : 's'}; it was not tried again`;

  const attempts = deps.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    try {
      // As the normal path: the request stored with the session is the truth, not the job.
      const stored = await deps.store.load(key);
      const request = stored?.session.context.inFlight;
      if (!request || !isTheRequestStored(parsed.data.request, request)) return 'not-awaited';
      const previousSummary =
        request.previousSummarySegmentIndex === null
          ? null
          : await deps.store.readSummary(key, request.previousSummarySegmentIndex);
      const outcome = deps.fallback({ request, previousSummary }, reason);
      const at = deps.now?.() ?? new Date().toISOString();
      await deps.producer.enqueue(
        tenant,
        [summaryReadyEvent(key, request, outcome, at)],
        1,
        request.life,
      );
      deps.metrics?.recordSummaryLanded({
        kind: outcome.kind,
        sealedAt: request.sealedAt,
        fellBack: true,
      });
      deps.logger.warn(
        { jobId: job.id, tenant, sessionId: key.sessionId, segmentIndex: request.segmentIndex },
        'summarize job failed for good: fallback summary sent',
      );
      return 'answered';
    } catch (sendError) {
      if (attempt >= attempts) throw sendError;
      await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** (attempt - 1)));
    }
  }
}

/**
 * Whether a summarize job asks for the summary the session is waiting for: the same segment of
 * the same life (a job without a life was made before sessions had lives).
 */
export function isTheRequestStored(
  asked: { segmentIndex: number; life?: string | undefined },
  stored: SummaryRequest,
): boolean {
  return (
    asked.segmentIndex === stored.segmentIndex &&
    (asked.life === undefined || asked.life === stored.life)
  );
}
