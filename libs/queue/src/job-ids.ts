import { createHash } from 'node:crypto';

/**
 * Job ids are derived from what the job carries, so that a resent event (or batch) collapses
 * at enqueue. `~` cannot occur in ids (they are `[A-Za-z0-9._-]`), so the parts never run
 * together; BullMQ forbids `:` and all-digit ids, which these never are.
 *
 * - one event: `e~<tenant>~<sessionId>~<eventId>`
 * - a batch: `b~<tenant>~<sessionId>~<sha1 of the eventIds joined by ",">`
 * - a summary request: `s~<tenant>~<sessionId>~<segmentIndex>`
 */
export function eventJobId(tenant: string, sessionId: string, eventIds: readonly string[]): string {
  if (eventIds.length === 1) return `e~${tenant}~${sessionId}~${eventIds[0]}`;
  const digest = createHash('sha1').update(eventIds.join(',')).digest('hex');
  return `b~${tenant}~${sessionId}~${digest}`;
}

export function summaryJobId(tenant: string, sessionId: string, segmentIndex: number): string {
  return `s~${tenant}~${sessionId}~${segmentIndex}`;
}
