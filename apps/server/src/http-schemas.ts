import { z } from 'zod';
import {
  AssistantMessageSchema,
  ContextFormatSchema,
  CONVERSATION_PAGE_MAX,
  IdSchema,
  LIMITS,
  SessionConfigSchema,
  SUMMARY_PAGE_MAX,
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

export const SubjectParamsSchema = z.strictObject({
  subjectId: IdSchema.meta({ description: 'The end user, as sessions were created with it' }),
});

export const SubjectErasedSchema = z.object({
  subjectId: IdSchema,
  erasedSessions: z
    .array(IdSchema)
    .meta({ description: 'The sessions of the subject that existed and were erased' }),
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
  format: ContextFormatSchema.optional().meta({
    description:
      'The request format of a provider (default openai): `openai` Chat Completions `messages`; `anthropic` Messages API `system` + `messages` (content blocks, alternating roles, a cache_control breakpoint after the stable prefix); `gemini` generateContent `systemInstruction` + `contents`; `responses` OpenAI Responses API `instructions` + `input` items',
  }),
  ...waitQuery,
});

export const ConversationQuerySchema = z
  .strictObject({
    allSegments: flag(
      'Every segment of the chain, not only the open one (default false)',
    ).optional(),
    includeTools: flag('Include tool calls as `tool` entries (default false)').optional(),
    limit: wholeNumber(
      1,
      CONVERSATION_PAGE_MAX,
      `Entries on the page at most (default ${CONVERSATION_PAGE_MAX})`,
    ).optional(),
    after: wholeNumber(
      0,
      Number.MAX_SAFE_INTEGER,
      'A seq: the entries after it, oldest first (pass page.newerAfter for the next page)',
    ).optional(),
    before: wholeNumber(
      0,
      Number.MAX_SAFE_INTEGER,
      'A seq: the newest entries before it (pass page.olderBefore for the previous page); without after or before, the newest entries',
    ).optional(),
    ...waitQuery,
  })
  .refine((q) => q.after === undefined || q.before === undefined, {
    path: ['before'],
    error: 'give after (the next page) or before (the previous page), not both',
  });

export const StatsQuerySchema = z.strictObject({
  allSegments: flag(
    'Totals of the whole chain, not only the open segment (default false)',
  ).optional(),
  ...waitQuery,
});

export const SummariesQuerySchema = z.strictObject({
  limit: wholeNumber(
    1,
    SUMMARY_PAGE_MAX,
    `Summaries on the page at most (default ${SUMMARY_PAGE_MAX})`,
  ).optional(),
  after: wholeNumber(
    0,
    Number.MAX_SAFE_INTEGER,
    'A segment index: the summaries attached to later segments (pass page.nextAfter for the next page)',
  ).optional(),
  ...waitQuery,
});

/** `GET /v1/sessions/:id/stream` takes no query: an unknown field is named. */
export const StreamQuerySchema = z.strictObject({});

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

/** How the context spent its tokens (core's `BudgetReport`). */
export const BudgetReportSchema = z
  .object({
    budget: z.number().int().nullable(),
    used: z.number().int().meta({ description: 'Tokens of the context, reply priming included' }),
    system: z.number().int(),
    summary: z.number().int(),
    turns: z.number().int(),
    replyPriming: z.number().int(),
    includedEvents: z.number().int(),
    clippedEvents: z.number().int(),
    droppedEvents: z.number().int(),
    pendingSummaryEvents: z.number().int(),
    windowFromSeq: z.number().int(),
    summaryCoversToSeq: z.number().int(),
    summaryItems: z.number().int(),
    summaryItemsInWindow: z.number().int(),
    summaryItemsTrimmed: z.number().int(),
    summaryTrimmed: z.boolean(),
    overBudget: z.boolean(),
    stablePrefixTokens: z.number().int().meta({
      description:
        'Tokens of the system prompt and the summary: what a provider prompt cache can keep between calls (without a budget they change only when a summary lands)',
    }),
    stablePrefixMessages: z
      .number()
      .int()
      .meta({ description: 'Messages at the start forming that prefix' }),
    tokenCount: z.enum(['exact', 'estimated']).meta({
      description:
        'exact for an OpenAI model in openai format; estimated for other models (counted with OpenAI o200k_base) or formats',
    }),
  })
  .meta({ description: 'How the context spent its tokens' });

const text = z.string();
const ChatMessageSchema = z.union([
  z.object({ role: z.enum(['system', 'user']), content: text }),
  z.object({
    role: z.literal('assistant'),
    content: text.nullable(),
    tool_calls: z
      .array(
        z.object({
          id: text,
          type: z.literal('function'),
          function: z.object({ name: text, arguments: text }),
        }),
      )
      .optional(),
  }),
  z.object({ role: z.literal('tool'), tool_call_id: text, content: text }),
]);
const Ephemeral = z.object({ type: z.literal('ephemeral') });
const AnthropicText = z.object({
  type: z.literal('text'),
  text,
  cache_control: Ephemeral.optional(),
});
const AnthropicBlock = z.union([
  AnthropicText,
  z.object({
    type: z.literal('tool_use'),
    id: text,
    name: text,
    input: z.record(z.string(), z.unknown()),
  }),
  z.object({
    type: z.literal('tool_result'),
    tool_use_id: text,
    content: text,
    is_error: z.literal(true).optional(),
  }),
]);
const GeminiPart = z.union([
  z.object({ text }),
  z.object({ functionCall: z.object({ name: text, args: z.record(z.string(), z.unknown()) }) }),
  z.object({
    functionResponse: z.object({ name: text, response: z.record(z.string(), z.unknown()) }),
  }),
]);

/** `GET /v1/sessions/:id/messages`: the context in the format asked for, and its report. */
export const MessagesAnswerSchema = z
  .union([
    z
      .object({ messages: z.array(ChatMessageSchema), report: BudgetReportSchema })
      .meta({ title: 'openai', description: 'Chat Completions messages' }),
    z
      .object({
        system: z.array(AnthropicText).optional(),
        messages: z.array(
          z.object({ role: z.enum(['user', 'assistant']), content: z.array(AnthropicBlock) }),
        ),
        report: BudgetReportSchema,
      })
      .meta({ title: 'anthropic', description: 'Anthropic Messages API system and messages' }),
    z
      .object({
        systemInstruction: z.object({ parts: z.array(z.object({ text })) }).optional(),
        contents: z.array(
          z.object({ role: z.enum(['user', 'model']), parts: z.array(GeminiPart) }),
        ),
        report: BudgetReportSchema,
      })
      .meta({
        title: 'gemini',
        description: 'Gemini generateContent systemInstruction and contents',
      }),
    z
      .object({
        instructions: text.optional(),
        input: z.array(
          z.union([
            z.object({
              role: z.literal('user'),
              content: z.array(z.object({ type: z.literal('input_text'), text })),
            }),
            z.object({
              role: z.literal('assistant'),
              content: z.array(z.object({ type: z.literal('output_text'), text })),
            }),
            z.object({
              type: z.literal('function_call'),
              call_id: text,
              name: text,
              arguments: text,
            }),
            z.object({ type: z.literal('function_call_output'), call_id: text, output: text }),
          ]),
        ),
        report: BudgetReportSchema,
      })
      .meta({
        title: 'responses',
        description: 'OpenAI Responses API instructions and input items',
      }),
  ])
  .meta({ description: 'The context in the format asked for, with its budget report' });

/** `GET /v1/sessions/:id/conversation`: one page of entries, oldest first, and its cursors. */
export const ConversationAnswerSchema = z.object({
  sessionId: IdSchema,
  entries: z.array(
    z.object({
      role: z.enum(['user', 'assistant', 'tool']),
      content: text,
      timestamp: text,
      eventId: IdSchema,
      seq: z.number().int(),
      segmentIndex: z.number().int(),
      model: text.nullable(),
      tool: text.nullable(),
      success: z.boolean().nullable(),
      metadata: z.record(z.string(), z.unknown()),
    }),
  ),
  page: z.object({
    limit: z.number().int(),
    olderBefore: z.number().int().nullable().meta({
      description: 'Pass as `before` for the older entries; null when there are none',
    }),
    newerAfter: z.number().int().nullable().meta({
      description: 'Pass as `after` for the newer entries; null when there are none yet',
    }),
  }),
});

/** `GET /v1/sessions/:id/summaries`: one page of landed summaries, oldest first. */
export const SummariesAnswerSchema = z.object({
  sessionId: IdSchema,
  summaries: z.array(
    z.object({
      segmentIndex: z
        .number()
        .int()
        .meta({ description: 'The segment it is attached to (the newest it covers)' }),
      segmentId: IdSchema,
      firstSegmentIndex: z.number().int().meta({
        description:
          'The oldest segment it newly covers (== segmentIndex unless it caught up on several)',
      }),
      kind: z.enum(['extractive', 'llm', 'custom']),
      model: text.nullable().meta({ description: 'The model that wrote it; null for extractive' }),
      fromSeq: z.number().int().meta({ description: 'First seq it newly covers' }),
      toSeq: z.number().int().meta({ description: 'One past the last seq it covers' }),
      contextTokens: z
        .number()
        .int()
        .meta({ description: 'Tokens it occupies as a context message' }),
      promptTokens: z.number().int().meta({ description: "The summarizer's own LLM call" }),
      completionTokens: z.number().int(),
      costNano: z.number().int().meta({ description: 'What making it cost, integer nano-USD' }),
      attempts: z.number().int(),
      fallbackReason: text.nullable().meta({
        description:
          'Why the extractive summary was used instead of the one asked for; null when it was not',
      }),
      text,
      createdAt: text,
      eventId: IdSchema,
    }),
  ),
  page: z.object({
    limit: z.number().int(),
    nextAfter: z.number().int().nullable().meta({
      description:
        'Pass as `after` for the next page; null when this page reached the newest landed summary',
    }),
  }),
});

const counters = z.object({
  events: z.number().int(),
  turns: z.number().int(),
  userMessages: z.number().int(),
  assistantMessages: z.number().int(),
  toolCalls: z.number().int(),
  toolErrors: z.number().int(),
  contextTokens: z.number().int(),
  promptTokens: z.number().int(),
  completionTokens: z.number().int(),
  costNano: z.number().int().meta({ description: 'integer nano-USD' }),
});

/** `GET /v1/sessions/:id`: what the session is, from its state alone (core's `SessionInfo`). */
export const SessionInfoAnswerSchema = z.object({
  sessionId: IdSchema,
  config: SessionConfigSchema,
  metadata: z.record(z.string(), z.unknown()),
  parentId: IdSchema.nullable().meta({ description: 'The parent named at create; null for none' }),
  subjectId: IdSchema.nullable().meta({
    description:
      'The end user named at create (DELETE /v1/subjects/{subjectId} erases it); null for none',
  }),
  createdAt: text,
  updatedAt: text,
  state: z.enum(['active', 'summarizing']),
  hasSystemPrompt: z.boolean(),
  counts: z.object({
    events: z.number().int().meta({ description: 'Events applied (the next seq)' }),
    segments: z
      .number()
      .int()
      .meta({ description: 'Segments of the chain, the open one included' }),
    pendingSegments: z
      .number()
      .int()
      .meta({ description: 'Sealed segments no landed summary covers yet' }),
    summaryInFlight: z.boolean(),
    totals: counters.meta({ description: 'Every segment' }),
    summaries: z.object({
      made: z.number().int(),
      llm: z.number().int(),
      extractive: z.number().int(),
      custom: z.number().int(),
      rejected: z.number().int(),
      promptTokens: z.number().int(),
      completionTokens: z.number().int(),
      costNano: z.number().int(),
    }),
  }),
});
