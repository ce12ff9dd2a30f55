import { createHash } from 'node:crypto';

/**
 * Job ids are derived from what the job carries, so that a resent event (or batch) collapses
 * at enqueue. `~` cannot occur in ids (they are `[A-Za-z0-9._-]`), so the parts never run
 * together; BullMQ forbids `:` and all-digit ids, which these never are.
 *
 * - one event: `e~<tenant>~<sessionId>~<eventId>`
 * - a batch: `b~<tenant>~<sessionId>~<sha1 of the eventIds joined by ",">`
 * - a summary request: `s~<tenant>~<sessionId>~<life>~<segmentIndex>`
 *
 * Event jobs sent to a known life of the session (core's `SessionState.life`: the server knows
 * it, having checked the session exists) carry it after the session id,
 * `e~<tenant>~<sessionId>~<life>~<eventId>` (and `b~…~<life>~<digest>`), so that a session
 * deleted and created again never collapses onto its earlier life's jobs. A producer that does
 * not know the life leaves it out; deleting a session removes its finished jobs, so a resend
 * after a delete and re-create is enqueued again in either form.
 */
export function eventJobId(
  tenant: string,
  sessionId: string,
  eventIds: readonly string[],
  life?: string,
): string {
  const session = life === undefined ? sessionId : `${sessionId}~${life}`;
  if (eventIds.length === 1) return `e~${tenant}~${session}~${eventIds[0]}`;
  const digest = createHash('sha1').update(eventIds.join(',')).digest('hex');
  return `b~${tenant}~${session}~${digest}`;
}

export function summaryJobId(
  tenant: string,
  sessionId: string,
  life: string,
  segmentIndex: number,
): string {
  return `s~${tenant}~${sessionId}~${life}~${segmentIndex}`;
}

/**
 * Whether a job id is one of a session's jobs, in any of the forms above (what deleting a
 * session removes from the queues).
 */
export function isJobOfSession(jobId: string, tenant: string, sessionId: string): boolean {
  const parts = jobId.split('~');
  return (
    parts.length >= 4 &&
    (parts[0] === 'e' || parts[0] === 'b' || parts[0] === 's') &&
    parts[1] === tenant &&
    parts[2] === sessionId
  );
}

/** Whether a job id follows the forms above at all (else its data must be read to place it). */
export function isThreadlineJobId(jobId: string): boolean {
  return /^[ebs]~/.test(jobId) && jobId.split('~').length >= 4;
}
