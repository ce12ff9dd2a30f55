import type { Usage } from '../schemas/usage.ts';

export type RecordedEventType =
  'user_message' | 'assistant_message' | 'tool_call' | 'system_prompt_updated';

/**
 * An event as it is kept in the segment log: what was said, plus what it was measured at when
 * it was applied (tokens are counted once, here, and never again).
 */
export interface EventRecord {
  /** Position in the session, from 0, without gaps. */
  seq: number;
  segmentIndex: number;
  eventId: string;
  type: RecordedEventType;
  occurredAt: string;
  metadata: Record<string, unknown>;
  /** Message text; the new prompt for `system_prompt_updated`. */
  content: string | null;
  model: string | null;
  provider: string | null;
  usage: Usage | null;
  tool: string | null;
  arguments: unknown;
  result: unknown;
  error: string | null;
  /** For tool calls: false when the tool reported an error. */
  success: boolean | null;
  /** Tokens this event occupies in a context window (both messages of a tool call). */
  contextTokens: number;
  promptTokens: number;
  completionTokens: number;
  costNano: number;
  /**
   * True when the price table had no price for the model the event is priced for (its
   * `costNano` is 0 and stats list the model under `unpricedModels`); absent otherwise, and in
   * records written before unknown models were left unpriced.
   */
  unpriced?: true;
}

/** An event measured but not yet placed: the machine gives it its seq and segment. */
export type MeasuredEvent = Omit<EventRecord, 'seq' | 'segmentIndex'>;
