import type { z } from 'zod';
import {
  issuesFromZod,
  ValidationError,
  type ValidationIssue,
} from '../errors/validation-error.ts';
import { LIMITS } from './limits.ts';
import { PublicEventSchema, SessionEventSchema, type AcceptedEvent } from './event.ts';

/** What the door needs to stamp events: the time now and an id maker (both injected: core reads no clock). */
export interface AcceptContext {
  now: string;
  newEventId: () => string;
  /** Allow the internal `summary_ready` type (queue consumers only, never the public API). */
  allowInternal?: boolean;
}

/**
 * Validates a batch of events for one or more sessions and stamps the missing eventIds and
 * times. All or nothing: any bad event refuses the whole batch with a ValidationError that
 * names each field (`events[3].content: …`).
 */
export function acceptEvents(
  input: readonly unknown[],
  ctx: AcceptContext,
  root = 'events',
): AcceptedEvent[] {
  if (input.length > LIMITS.batchMaxEvents)
    throw new ValidationError([
      { path: root, rule: `expected at most ${LIMITS.batchMaxEvents} events in one batch` },
    ]);
  const schema = ctx.allowInternal ? SessionEventSchema : PublicEventSchema;
  const issues: ValidationIssue[] = [];
  const accepted: AcceptedEvent[] = [];
  const seen = new Set<string>();
  input.forEach((raw, i) => {
    const result = schema.safeParse(raw);
    if (!result.success) {
      issues.push(...issuesFromZod(result.error as z.ZodError, `${root}[${i}]`));
      return;
    }
    const event = {
      ...result.data,
      eventId: result.data.eventId ?? ctx.newEventId(),
      occurredAt: result.data.occurredAt ?? ctx.now,
    };
    if (seen.has(`${event.sessionId}/${event.eventId}`)) {
      issues.push({
        path: `${root}[${i}].eventId`,
        rule: `duplicate eventId "${event.eventId}" within the batch`,
      });
      return;
    }
    seen.add(`${event.sessionId}/${event.eventId}`);
    accepted.push(event as AcceptedEvent);
  });
  if (issues.length) throw new ValidationError(issues);
  return accepted;
}
