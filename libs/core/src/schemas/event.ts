import {
  MAX_ITEM_CHARS,
  MAX_RESERVE_ITEMS,
  MAX_SUMMARY_ITEMS,
  SUMMARY_SECTIONS,
} from '../summary/structured-summary.ts';
import { z } from 'zod';
import { IdSchema } from './ids.ts';
import { LIMITS } from './limits.ts';
import { TokenCountSchema, UsageSchema } from './usage.ts';

/** A JSON value whose serialized size is at most `maxBytes`. */
export function boundedJson(maxBytes: number, what: string) {
  return z.unknown().superRefine((value, ctx) => {
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: `expected ${what} that can be serialized as JSON` });
      return;
    }
    if (text !== undefined && utf8Length(text) > maxBytes)
      ctx.addIssue({
        code: 'custom',
        message: `expected ${what} of at most ${maxBytes} bytes as JSON`,
      });
  });
}

/** Small JSON object attached to an event or a session. */
export const MetadataSchema = z
  .record(z.string(), z.unknown(), { error: 'expected a JSON object' })
  .superRefine((value, ctx) => {
    if (utf8Length(JSON.stringify(value)) > LIMITS.metadataMaxBytes)
      ctx.addIssue({
        code: 'custom',
        message: `expected a JSON object of at most ${LIMITS.metadataMaxBytes} bytes`,
      });
  });

const NameSchema = z.string().min(1).max(LIMITS.nameMaxChars);
const ContentSchema = z.string().max(LIMITS.contentMaxChars);
const IsoTimeSchema = z.iso.datetime({
  offset: true,
  error: 'expected an ISO 8601 date-time, e.g. 2026-01-31T12:00:00Z',
});

const common = {
  /** Client-supplied idempotency key; the same eventId applied twice has the effect of once. */
  eventId: IdSchema.optional(),
  sessionId: IdSchema,
  metadata: MetadataSchema.optional(),
  /** When it happened, as the client saw it; stamped on arrival when absent. */
  occurredAt: IsoTimeSchema.optional(),
};

export const UserMessageSchema = z.strictObject({
  ...common,
  type: z.literal('user_message'),
  content: ContentSchema,
});

export const AssistantMessageSchema = z.strictObject({
  ...common,
  type: z.literal('assistant_message'),
  content: ContentSchema,
  /** The model that produced the message; the session's default model when absent. */
  model: NameSchema.optional(),
  provider: NameSchema.optional(),
  usage: UsageSchema.optional(),
});

export const ToolCallSchema = z.strictObject({
  ...common,
  type: z.literal('tool_call'),
  tool: NameSchema,
  arguments: boundedJson(LIMITS.toolPayloadMaxBytes, 'arguments').optional(),
  result: boundedJson(LIMITS.toolPayloadMaxBytes, 'a result').optional(),
  /** The tool's error message; the call counts as failed (`success: false`). */
  error: z.string().max(LIMITS.contentMaxChars).nullable().optional(),
});

export const SystemPromptUpdatedSchema = z.strictObject({
  ...common,
  type: z.literal('system_prompt_updated'),
  /** The new system prompt; blank clears it. */
  content: z.string().max(LIMITS.systemPromptMaxChars),
});

export const SummaryKindSchema = z.enum(['llm', 'extractive', 'custom']);
export type SummaryKind = z.infer<typeof SummaryKindSchema>;

/** One item of a structured summary (see summary/structured-summary.ts). */
export const SummaryItemSchema = z.strictObject({
  key: z.string().min(1).max(1000),
  section: z.enum(SUMMARY_SECTIONS),
  text: z
    .string()
    .min(1)
    .max(2 * MAX_ITEM_CHARS),
  seq: z.number().int().min(-1),
  weight: z.number().min(-1000).max(1000),
  mentions: z.number().int().min(0),
  age: z.number().int().min(0),
  pending: z.boolean().optional(),
  values: z
    .array(z.string().max(2 * MAX_ITEM_CHARS))
    .max(64)
    .optional(),
  topic: z.array(z.string().max(200)).max(64).optional(),
  about: z.array(z.string().max(200)).max(16).optional(),
  compact: z.boolean().optional(),
  durable: z.boolean().optional(),
});

/**
 * Internal: a summarizer's answer for the sealed segments a request covers (attached to the
 * newest, `segmentIndex`), ordered with the session's events.
 */
export const SummaryReadySchema = z.strictObject({
  ...common,
  type: z.literal('summary_ready'),
  segmentIndex: z.number().int().min(0),
  segmentId: z
    .string()
    .min(1)
    .max(LIMITS.idMaxLength * 2),
  summary: z.strictObject({
    text: z.string().min(1).max(LIMITS.contentMaxChars),
    /** The structured summary; absent in answers made before summaries had items (then parsed from `text`). */
    items: z.array(SummaryItemSchema).max(MAX_SUMMARY_ITEMS).optional(),
    /** Items the cap left out, kept for later (never shown to the model). */
    reserve: z.array(SummaryItemSchema).max(MAX_RESERVE_ITEMS).optional(),
    kind: SummaryKindSchema,
    model: z.string().max(LIMITS.nameMaxChars).nullable(),
    promptTokens: TokenCountSchema,
    completionTokens: TokenCountSchema,
    costNano: z.number().int().min(0),
    attempts: z.number().int().min(0),
    /** Why the LLM's summary was not used, when kind is `extractive` after a failure. */
    fallbackReason: z.string().max(2000).nullable(),
  }),
});

/** Events a platform may send (HTTP, SDK, queue). */
export const PublicEventSchema = z.discriminatedUnion(
  'type',
  [UserMessageSchema, AssistantMessageSchema, ToolCallSchema, SystemPromptUpdatedSchema],
  {
    error:
      'expected "type" to be one of "user_message", "assistant_message", "tool_call", "system_prompt_updated"',
  },
);

/** Everything a session queue carries, the summarizer's internal answer included. */
export const SessionEventSchema = z.discriminatedUnion(
  'type',
  [
    UserMessageSchema,
    AssistantMessageSchema,
    ToolCallSchema,
    SystemPromptUpdatedSchema,
    SummaryReadySchema,
  ],
  {
    error:
      'expected "type" to be one of "user_message", "assistant_message", "tool_call", "system_prompt_updated", "summary_ready"',
  },
);

export type UserMessageEvent = z.infer<typeof UserMessageSchema>;
export type AssistantMessageEvent = z.infer<typeof AssistantMessageSchema>;
export type ToolCallEvent = z.infer<typeof ToolCallSchema>;
export type SystemPromptUpdatedEvent = z.infer<typeof SystemPromptUpdatedSchema>;
export type SummaryReadyEvent = z.infer<typeof SummaryReadySchema>;
export type PublicEvent = z.infer<typeof PublicEventSchema>;
export type SessionEvent = z.infer<typeof SessionEventSchema>;
export type SessionEventType = SessionEvent['type'];

/** An event once accepted: it has its eventId and its time. */
export type AcceptedEvent = SessionEvent & { eventId: string; occurredAt: string };

export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
