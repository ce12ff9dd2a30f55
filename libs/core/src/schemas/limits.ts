import { ID_MAX_LENGTH } from './ids.ts';
/**
 * Size limits of the event contract. They bound what one event can cost to store and to send,
 * and keep ids safe inside Redis keys, BullMQ job ids and Lua.
 */
export const LIMITS = {
  /** Session, event, segment and tenant ids: letters, digits, `.`, `_`, `-`; no `:`, `{`, `}`, spaces. */
  idMaxLength: ID_MAX_LENGTH,
  /** Characters of one message's content (about 64k tokens). */
  contentMaxChars: 262_144,
  /** Characters of a system prompt. */
  systemPromptMaxChars: 65_536,
  /** Serialized JSON size of an event's metadata. */
  metadataMaxBytes: 16_384,
  /** Serialized JSON size of a tool call's arguments, and of its result. */
  toolPayloadMaxBytes: 262_144,
  /** Characters of a model, provider or tool name. */
  nameMaxChars: 200,
  /** Events in one batch (one HTTP request or one queue job). */
  batchMaxEvents: 500,
} as const;
