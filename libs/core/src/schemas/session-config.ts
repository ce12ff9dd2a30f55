import { z } from 'zod';
import { MetadataSchema } from './event.ts';
import { IdSchema } from './ids.ts';
import { LIMITS } from './limits.ts';

/** A session idle this long expires by default: 30 days (the predecessor's store kept 24 h). */
export const DEFAULT_RETENTION_SECONDS = 30 * 24 * 60 * 60;
/** The longest retention a session may ask for: 10 years (`null` keeps it forever). */
export const MAX_RETENTION_SECONDS = 10 * 365 * 24 * 60 * 60;

/**
 * A retention as a caller gives it: whole seconds, or `null` for none. Without a default, so
 * that a create or a patch can tell "not given" (`undefined`) from a value.
 */
export const RetentionSecondsSchema = z.number().int().min(1).max(MAX_RETENTION_SECONDS).nullable();

/**
 * How a session segments, summarizes and expires. Fixed when the session is created, but for
 * `retentionSeconds`, which can be changed.
 */
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
  /**
   * Seconds a session may stay idle before it expires whole (state, history, ids, segments,
   * summaries, all at once), or `null` to keep it until it is deleted. Idle means: no change
   * committed (an event applied, a summary landed, a setting changed); reads do not renew it.
   * An expired session leaves a tombstone, like a deleted one, so its late events do not bring
   * it back. Changeable at any time (PATCH); the new value counts from that change.
   *
   * @defaultValue 2592000 (30 days)
   */
  retentionSeconds: RetentionSecondsSchema.default(DEFAULT_RETENTION_SECONDS),
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
  /**
   * The end user the conversation is about (an id of the platform's, not a name or an email):
   * erasing the subject erases every session of it.
   */
  subjectId: IdSchema.optional(),
  metadata: MetadataSchema.optional(),
  infiniteContext: SessionConfigSchema.shape.infiniteContext.optional(),
  tokenThreshold: SessionConfigSchema.shape.tokenThreshold.optional(),
  maxTurnsPerSegment: SessionConfigSchema.shape.maxTurnsPerSegment.optional(),
  defaultModel: SessionConfigSchema.shape.defaultModel.optional(),
  summaryMaxTokens: SessionConfigSchema.shape.summaryMaxTokens.optional(),
  retentionSeconds: RetentionSecondsSchema.optional(),
});
export type CreateSessionInput = z.input<typeof CreateSessionSchema>;
export type CreateSession = z.output<typeof CreateSessionSchema>;

/**
 * What changing a session takes (HTTP `PATCH /v1/sessions/:id`, `SessionManager.update`): at
 * least one field. `metadata` is a JSON merge patch of the top level (RFC 7396): each key given
 * replaces the session's, a key given as `null` is removed, the others stay. `retentionSeconds`
 * replaces the retention (`null`: keep the session until it is deleted), counted from the change.
 */
export const PatchSessionSchema = z
  .strictObject({
    metadata: z.record(z.string(), z.unknown(), { error: 'expected a JSON object' }).optional(),
    retentionSeconds: RetentionSecondsSchema.optional(),
  })
  .refine((patch) => patch.metadata !== undefined || patch.retentionSeconds !== undefined, {
    message: 'expected at least one of metadata, retentionSeconds',
  });
export type SessionPatch = z.output<typeof PatchSessionSchema>;
export type SessionPatchInput = z.input<typeof PatchSessionSchema>;
