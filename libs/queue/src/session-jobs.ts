import type { JobType, Queue } from 'bullmq';
import { isJobOfSession, isThreadlineJobId } from './job-ids.ts';

/** The states a job rests in; an `active` job is locked by the worker running it. */
const STATES: readonly JobType[] = [
  'wait',
  'prioritized',
  'delayed',
  'waiting-children',
  'completed',
  'failed',
  'active',
];

/** Job ids read per round trip. */
const PAGE = 1000;

export interface RemoveSessionJobsOptions {
  /**
   * How long to wait for a job of these sessions that is running (locked) to finish, before
   * leaving it: a running event job of a deleted session removes itself when it finishes (the
   * worker drops its events), but one that applied them just before the delete is kept as
   * completed. @defaultValue 5000
   */
  waitForRunningMs?: number;
}

export interface RemovedSessionJobs {
  /** Jobs removed. */
  removed: number;
  /** Jobs still running after the wait (left to remove themselves). */
  stillRunning: string[];
}

/**
 * Removes every job of the given sessions of one tenant from `queue`, in every state: the event
 * jobs (and with them the content they carry) and the summary requests. A job is known by its id
 * when it has one of the forms of job-ids.ts, else by its data (`tenant` and `sessionId`, or
 * `request.sessionId` for a summary request), which is then read.
 *
 * Cost: O(jobs the queue holds), one round trip per 1000 ids, plus one per job read by its
 * data and one per job removed. It runs when sessions are deleted, not on the hot path; the
 * queue's retention (EVENT_JOB_RETENTION) bounds what it holds.
 */
export async function removeSessionJobs(
  queue: Queue,
  tenant: string,
  sessionIds: ReadonlySet<string>,
  options: RemoveSessionJobsOptions = {},
): Promise<RemovedSessionJobs> {
  if (sessionIds.size === 0) return { removed: 0, stillRunning: [] };
  const ids = new Set<string>();
  for (const state of STATES)
    for (let start = 0; ; start += PAGE) {
      const page = await queue.getRanges([state], start, start + PAGE - 1, true);
      for (const id of page) ids.add(id);
      if (page.length < PAGE) break;
    }
  const matches: string[] = [];
  for (const id of ids) {
    if (isThreadlineJobId(id)) {
      if ([...sessionIds].some((sessionId) => isJobOfSession(id, tenant, sessionId)))
        matches.push(id);
      continue;
    }
    const job = await queue.getJob(id);
    if (job && isOfSessions(job.data, tenant, sessionIds)) matches.push(id);
  }
  let removed = 0;
  let locked: string[] = [];
  for (const id of matches) {
    if ((await queue.remove(id)) === 1) removed++;
    else locked.push(id);
  }
  const deadline = Date.now() + (options.waitForRunningMs ?? 5000);
  while (locked.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const still: string[] = [];
    for (const id of locked) {
      if ((await queue.remove(id)) === 1) removed++;
      else still.push(id);
    }
    locked = still;
  }
  return { removed, stillRunning: locked };
}

/** Whether job data names one of the sessions (an event job, or a summary request). */
function isOfSessions(data: unknown, tenant: string, sessionIds: ReadonlySet<string>): boolean {
  if (typeof data !== 'object' || data === null) return false;
  const record = data as {
    tenant?: unknown;
    sessionId?: unknown;
    request?: { sessionId?: unknown };
  };
  if (record.tenant !== tenant) return false;
  const sessionId = record.sessionId ?? record.request?.sessionId;
  return typeof sessionId === 'string' && sessionIds.has(sessionId);
}
