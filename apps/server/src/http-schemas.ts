import { z } from 'zod';
import {
  AssistantMessageSchema,
  IdSchema,
  LIMITS,
  SystemPromptUpdatedSchema,
  ToolCallSchema,
  UserMessageSchema,
} from '@threadline/core';

/**
 * The HTTP contract, in zod: what routes validate with and what `/docs` is generated from. The
 * event and session schemas are core's; these add the HTTP envelopes, queries and answers.
 */

/** Longest a read may wait for `waitFor`, in ms. */
export const MAX_WAIT_TIMEOUT_MS = 30_000;
export const DEFAULT_WAIT_TIMEOUT_MS = 5_000;

/** A whole number in a query string (`?budget=8000`). */
const wholeNumber = (min: number, max: number, description: string) =>
  z
    .string({ error: 'expected a whole number' })
    .regex(/^\d{1,15}$/, { error: 'expected a whole number' })
    .transform(Number)
    .pipe(z.number().min(min).max(max))
    .meta({ type: 'integer', minimum: min, maximum: max, description });

/** A flag in a query string (`?allSegments=true`). */
const flag = (description: string) =>
  z
    .enum(['true', 'false', '1', '0'])
    .transform((v) => v === 'true' || v === '1')
    .meta({ description });

export const SessionParamsSchema = z.strictObject({
  id: IdSchema.meta({ description: 'The session id' }),
});

/** Read-your-writes: wait until this event has been applied before reading. */
const waitQuery = {
  waitFor: IdSchema.optional().meta({
    description:
      'An eventId (from a 202 answer): the read waits until that event has been applied (read-your-writes)',
  }),
  waitTimeoutMs: wholeNumber(
    1,
    MAX_WAIT_TIMEOUT_MS,
    `How long waitFor may wait, in ms (default ${DEFAULT_WAIT_TIMEOUT_MS}); past it the answer is 504`,
  ).optional(),
};

export const MessagesQuerySchema = z.strictObject({
  budget: wholeNumber(
    1,
    100_000_000,
    'Token budget of the whole context; turns are dropped from the oldest side to fit',
  ).optional(),
  includeSystem: flag('Put the system prompt first (default true)').optional(),
  ...waitQuery,
});

export const ConversationQuerySchema = z.strictObject({
  allSegments: flag('Every segment of the chain, not only the open one (default false)').optional(),
  includeTools: flag('Include tool calls as `tool` entries (default false)').optional(),
  ...waitQuery,
});

export const StatsQuerySchema = z.strictObject({
  allSegments: flag(
    'Totals of the whole chain, not only the open segment (default false)',
  ).optional(),
  ...waitQuery,
});

/** Queries of the reads that only take `waitFor` (chain, export). */
export const WaitQuerySchema = z.strictObject(waitQuery);

/**
 * An event as the HTTP API takes it: core's public event, whose `sessionId` may be left out (the
 * path names the session; when given it must be the same).
 */
export const HttpEventSchema = z.discriminatedUnion('type', [
  UserMessageSchema.extend({ sessionId: IdSchema.optional() }),
  AssistantMessageSchema.extend({ sessionId: IdSchema.optional() }),
  ToolCallSchema.extend({ sessionId: IdSchema.optional() }),
  SystemPromptUpdatedSchema.extend({ sessionId: IdSchema.optional() }),
]);

/** The envelope of a batch; its events are then validated one by one (core's `acceptEvents`). */
export const EventsEnvelopeSchema = z.strictObject({
  events: z.array(z.unknown()).min(1).max(LIMITS.batchMaxEvents),
});

/** `POST /v1/sessions/:id/events`: one event, or `{ events: [...] }` (applied in that order). */
export const EventsBodySchema = z.union([
  HttpEventSchema,
  z.strictObject({ events: z.array(HttpEventSchema).min(1).max(LIMITS.batchMaxEvents) }),
]);

export const SystemPromptBodySchema = z.strictObject({
  systemPrompt: SystemPromptUpdatedSchema.shape.content.meta({
    description: 'The new system prompt; blank clears it',
  }),
  eventId: IdSchema.optional().meta({ description: 'Idempotency key; generated when absent' }),
});

export const CreatedSchema = z.object({ sessionId: IdSchema });
export const AcceptedSchema = z.object({
  accepted: z.array(IdSchema).meta({
    description: 'The eventIds, in order; pass one as waitFor to read your writes',
  }),
});
