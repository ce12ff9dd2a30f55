import { z } from 'zod';
import { MetadataSchema } from './event.ts';
import { IdSchema } from './ids.ts';
import { LIMITS } from './limits.ts';

/** How a session segments and summarizes. Fixed when the session is created. */
export const SessionConfigSchema = z.strictObject({
  /**
   * Seal full segments and summarize them, so that the conversation can go on forever.
   *
   * @defaultValue false
   */
  infiniteContext: z.boolean().default(false),
  /**
   * Context tokens in the open segment at which it is sealed and summarized, checked before a
   * turn is added (`>=`).
   *
   * @defaultValue 4000
   */
  tokenThreshold: z.number().int().min(1).max(10_000_000).default(4000),
  /**
   * Turns (user or assistant messages; tool calls do not count) in the open segment at which
   * it is sealed, checked before a turn is added (`>=`).
   *
   * @defaultValue 20
   */
  maxTurnsPerSegment: z.number().int().min(1).max(1_000_000).default(20),
  /**
   * Model that user messages are priced and counted for, and assistant messages without a model.
   *
   * @defaultValue 'gpt-4o-mini'
   */
  defaultModel: z.string().min(1).max(LIMITS.nameMaxChars).default('gpt-4o-mini'),
  /**
   * Token cap of one summary.
   *
   * @defaultValue 400
   */
  summaryMaxTokens: z.number().int().min(64).max(8000).default(400),
});
export type SessionConfig = z.output<typeof SessionConfigSchema>;
export type SessionConfigInput = z.input<typeof SessionConfigSchema>;

export const DEFAULT_SESSION_CONFIG: SessionConfig = SessionConfigSchema.parse({});

/** What creating a session takes (HTTP `POST /v1/sessions`, `SessionManager` options). */
export const CreateSessionSchema = z.strictObject({
  /** Stable id for the whole conversation; generated when absent. */
  sessionId: IdSchema.optional(),
  /** Blank means none. */
  systemPrompt: z.string().max(LIMITS.systemPromptMaxChars).nullable().optional(),
  /** Id of the conversation this one continues, if any. */
  parentId: IdSchema.nullable().optional(),
  metadata: MetadataSchema.optional(),
  infiniteContext: SessionConfigSchema.shape.infiniteContext.optional(),
  tokenThreshold: SessionConfigSchema.shape.tokenThreshold.optional(),
  maxTurnsPerSegment: SessionConfigSchema.shape.maxTurnsPerSegment.optional(),
  defaultModel: SessionConfigSchema.shape.defaultModel.optional(),
  summaryMaxTokens: SessionConfigSchema.shape.summaryMaxTokens.optional(),
});
export type CreateSessionInput = z.input<typeof CreateSessionSchema>;
export type CreateSession = z.output<typeof CreateSessionSchema>;
