import type { ScriptEvent } from '../generator/conversation.ts';
import type { ContextSource, RiderSource } from '../methods/context-source.ts';
import type { ContextTokens } from '../scoring/context-tokens.ts';
import {
  emptyScore,
  scoreWindow,
  type ConversationScore,
  type ProbePoint,
  type ProbeWindow,
} from '../scoring/probe-score.ts';
import type { RenderedConversation } from '../scoring/rendered-conversation.ts';

/** What driving one conversation through one source gave. */
export interface DriveOutcome {
  /** Scores of the source, by budget. */
  scores: Map<number, ConversationScore>;
  /** Scores of each rider, by rider name then budget. */
  riderScores: Map<string, Map<number, ConversationScore>>;
  /** Seals observed (the chain grew by this much over the conversation). */
  seals: number;
  /** Segments at the end (the chain's length). */
  segments: number;
}

/** A model is called after a user message, and after a tool result (to go on with it). */
export const isModelCall = (event: ScriptEvent) => event.type === 'user' || event.type === 'tool';

/**
 * Records the conversation through `source`, event by event, and probes it:
 * - after every seal (the chain grew after an event), at the next model call, i.e. right after
 *   the next user message or tool result is recorded (the sealing event itself when it is one);
 *   a probe stands for every seal since the previous probe (scored once per seal);
 * - at the end, after the last event (the source has settled: summaries landed).
 * At each probe the context is read once per budget and scored; riders are read at the same
 * points and scored with the source's segments.
 */
export async function driveConversation(
  rendered: RenderedConversation,
  source: ContextSource,
  budgets: readonly number[],
  tokens: ContextTokens,
  riders: ReadonlyMap<string, RiderSource> = new Map(),
): Promise<DriveOutcome> {
  const events = rendered.conversation.events;
  const scores = new Map(budgets.map((b) => [b, emptyScore()]));
  const riderScores = new Map(
    [...riders.keys()].map((name) => [name, new Map(budgets.map((b) => [b, emptyScore()]))]),
  );
  const segmentOf: number[] = [];
  let segments = 1;
  let seals = 0;
  let unprobed = 0;

  const probe = async (point: ProbePoint, times: number) => {
    for (const budget of budgets) {
      const window: ProbeWindow = await source.window(budget);
      for (let t = 0; t < times; t++)
        scoreWindow(scores.get(budget)!, rendered, point, window, budget, tokens);
      for (const [name, rider] of riders) {
        const riderWindow = rider.window(budget);
        const into = riderScores.get(name)!.get(budget)!;
        for (let t = 0; t < times; t++)
          scoreWindow(into, rendered, point, riderWindow, budget, tokens);
      }
    }
  };

  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    const chain = await source.record(event, i);
    for (const rider of riders.values()) rider.record(event, i);
    segmentOf.push(chain - 1);
    if (chain > segments) {
      seals += chain - segments;
      unprobed += chain - segments;
      segments = chain;
    }
    if (unprobed > 0 && isModelCall(event)) {
      await probe({ kind: 'seal', eventIndex: i, openSegment: segments - 1, segmentOf }, unprobed);
      unprobed = 0;
    }
  }
  const last = events.length - 1;
  if (unprobed > 0)
    await probe({ kind: 'seal', eventIndex: last, openSegment: segments - 1, segmentOf }, unprobed);
  await probe({ kind: 'end', eventIndex: last, openSegment: segments - 1, segmentOf }, 1);
  return { scores, riderScores, seals, segments };
}
