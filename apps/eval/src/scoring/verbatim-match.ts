import type { ChatMessage } from '@threadline/core';
import { messageKey, type RenderedConversation } from './rendered-conversation.ts';

/** A context read against the conversation it came from. */
export interface VerbatimView {
  /** The first message is the conversation's system prompt. */
  systemPrompt: boolean;
  /** Events shown verbatim (every message of the event is there). */
  verbatimEvents: Set<number>;
  /**
   * Messages that are neither the system prompt nor a message of an event: what the context
   * shows instead of the events it leaves out (the summary, or several).
   */
  summaryMessages: ChatMessage[];
  /**
   * Messages of an event shown clipped (the context's marker of left-out tokens inside): part of
   * an event, not a summary. The event counts as replaced, the excerpt as neither.
   */
  clippedMessages: ChatMessage[];
}

/** The marker the context puts inside an event it shows clipped (libs/core clip-event.ts). */
const CLIP_MARKER = /\[… [\d,]+ tokens of this (?:message|result) left out …\]/;

/**
 * Tells the verbatim events of a context from the rest, black box: a message is an event's if
 * it equals that event's message (role and content, tool JSON in canonical form); the context is
 * read from its newest message back, each message matched to the latest not yet matched event
 * message before the previous match (so a repeated "thanks!" is matched to the right one). A
 * message that matches none, other than the system prompt at the top, is a summary message.
 */
export function matchVerbatim(
  messages: readonly ChatMessage[],
  rendered: RenderedConversation,
  throughEvent: number,
): VerbatimView {
  const systemPrompt =
    messages[0]?.role === 'system' && messages[0].content === rendered.conversation.systemPrompt;
  const start = systemPrompt ? 1 : 0;
  const lastEvent = Math.min(throughEvent, rendered.conversation.events.length - 1);
  let cursor =
    lastEvent + 1 < rendered.firstMessageOf.length
      ? rendered.firstMessageOf[lastEvent + 1]! - 1
      : rendered.messages.length - 1;
  const matchedMessages = new Map<number, number>();
  const summaryMessages: ChatMessage[] = [];
  const clippedMessages: ChatMessage[] = [];
  for (let m = messages.length - 1; m >= start; m--) {
    const key = messageKey(messages[m]!);
    let found = -1;
    for (let q = cursor; q >= 0; q--) {
      if (rendered.messages[q]!.key === key) {
        found = q;
        break;
      }
    }
    if (found < 0) {
      const content = messages[m]!.content;
      if (typeof content === 'string' && CLIP_MARKER.test(content))
        clippedMessages.unshift(messages[m]!);
      else summaryMessages.unshift(messages[m]!);
      continue;
    }
    const eventIndex = rendered.messages[found]!.eventIndex;
    matchedMessages.set(eventIndex, (matchedMessages.get(eventIndex) ?? 0) + 1);
    cursor = found - 1;
  }
  const verbatimEvents = new Set<number>();
  for (const [eventIndex, count] of matchedMessages) {
    const first = rendered.firstMessageOf[eventIndex]!;
    const next = rendered.firstMessageOf[eventIndex + 1] ?? rendered.messages.length;
    if (count === next - first) verbatimEvents.add(eventIndex);
  }
  return { systemPrompt, verbatimEvents, summaryMessages, clippedMessages };
}
