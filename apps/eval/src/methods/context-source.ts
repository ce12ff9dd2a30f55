import type { ScriptEvent } from '../generator/conversation.ts';
import type { ProbeWindow } from '../scoring/probe-score.ts';

/**
 * A way of keeping a conversation's context, as the eval drives it: events go in one by one;
 * after each, the number of segments it has (the chain's length: sealed ones plus the open
 * one); at a probe, its context window for a budget.
 */
export interface ContextSource {
  record(event: ScriptEvent, eventIndex: number): Promise<number>;
  window(budget: number): Promise<ProbeWindow>;
  close(): Promise<void>;
}

/**
 * A method without segments of its own (the truncation baseline): it sees the same events and
 * is probed at the probe points of the source it rides along with.
 */
export interface RiderSource {
  record(event: ScriptEvent, eventIndex: number): void;
  window(budget: number): ProbeWindow;
}

/** Session settings of one grid row; an absent value is the SDK's default. */
export interface SessionSettings {
  tokenThreshold?: number;
  summaryMaxTokens?: number;
  maxTurnsPerSegment?: number;
}
