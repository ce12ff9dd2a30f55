import { z } from 'zod';
import { IdSchema, LIMITS, SessionEventSchema } from '@threadline/core';

/** How many events one job may carry. */
export const MAX_EVENTS_PER_JOB = 64;

/**
 * The life of a session (core's `SessionState.life`) a job was sent to. An event job that names
 * one is applied only to that life: once the session was deleted or expired (and maybe created
 * again), its events are dropped. Producers that do not know it leave it out.
 */
export const LifeSchema = IdSchema;

/**
 * The payload of an event job: a small batch of ONE session's events, in order. This is the
 * contract for producers in any language (published as JSON Schema in `event-job.schema.json`).
 * `eventId` is required here (it is the idempotency key and the job id); `occurredAt` is
 * optional (the job's enqueue time is used).
 */
export const EventJobSchema = z
  .strictObject({
    /** Payload version. */
    v: z.literal(1),
    tenant: IdSchema,
    sessionId: IdSchema,
    life: LifeSchema.optional(),
    events: z.array(z.unknown()).min(1).max(MAX_EVENTS_PER_JOB),
  })
  .transform((job, ctx) => {
    const events: z.output<typeof SessionEventSchema>[] = [];
    job.events.forEach((raw, i) => {
      const parsed = SessionEventSchema.safeParse(raw);
      if (!parsed.success) {
        for (const issue of parsed.error.issues)
          ctx.addIssue({
            code: 'custom',
            path: ['events', i, ...issue.path],
            message: issue.message,
          });
        return;
      }
      if (!parsed.data.eventId)
        ctx.addIssue({
          code: 'custom',
          path: ['events', i, 'eventId'],
          message: 'expected an eventId (the idempotency key)',
        });
      if (parsed.data.sessionId !== job.sessionId)
        ctx.addIssue({
          code: 'custom',
          path: ['events', i, 'sessionId'],
          message: `expected the job's sessionId "${job.sessionId}"`,
        });
      events.push(parsed.data);
    });
    return { ...job, events };
  });
export type EventJob = z.output<typeof EventJobSchema>;

/** The published shape (input side) of an event job, for JSON Schema generation. */
export const EventJobContractSchema = z.strictObject({
  v: z.literal(1),
  tenant: IdSchema,
  sessionId: IdSchema,
  life: LifeSchema.optional(),
  events: z
    .array(SessionEventSchema.and(z.object({ eventId: IdSchema })))
    .min(1)
    .max(MAX_EVENTS_PER_JOB),
});

/**
 * A request to summarize sealed segments (the machine's `SummaryRequest`, plus the tenant). The
 * summarizer takes only the session and `segmentIndex` from it: the request stored with the
 * session is the truth (a job left from an earlier request is skipped).
 */
export const SummarizeJobSchema = z.strictObject({
  v: z.literal(1),
  tenant: IdSchema,
  request: z.strictObject({
    sessionId: IdSchema,
    /** Absent in requests made before sessions had lives. */
    life: LifeSchema.optional(),
    segmentIndex: z.number().int().min(0),
    segmentId: z
      .string()
      .min(1)
      .max(LIMITS.idMaxLength * 2),
    /** Absent in requests made before catch-up summaries (then `segmentIndex`). */
    firstSegmentIndex: z.number().int().min(0).optional(),
    fromSeq: z.number().int().min(0),
    toSeq: z.number().int().min(0),
    previousSummarySegmentIndex: z.number().int().min(0).nullable(),
    model: z.string().min(1).max(LIMITS.nameMaxChars),
    maxTokens: z.number().int().min(1),
    sealedAt: z.string(),
  }),
});
export type SummarizeJob = z.output<typeof SummarizeJobSchema>;

/** JSON Schema of the event job payload, generated from the zod contract. */
export function eventJobJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://threadline.dev/schemas/event-job.v1.json',
    title: 'Threadline event job (BullMQ job data)',
    description:
      'Data of a BullMQ job on queue "{events-<p>}" (prefix "tl" by default), p = FNV-1a-32("<tenant>/<sessionId>") % partitions. Job id: "e~<tenant>~<sessionId>~<eventId>" for one event ("e~<tenant>~<sessionId>~<life>~<eventId>" when the producer names the session\'s life).',
    ...z.toJSONSchema(EventJobContractSchema, { io: 'input', unrepresentable: 'any' }),
  };
}
