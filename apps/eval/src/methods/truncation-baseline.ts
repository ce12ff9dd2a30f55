import type { ChatMessage } from '@threadline/core';
import type { ScriptEvent } from '../generator/conversation.ts';
import type { ProbeWindow } from '../scoring/probe-score.ts';
import { renderScriptEvent, type RenderedConversation } from '../scoring/rendered-conversation.ts';
import type { RiderSource } from './context-source.ts';

/**
 * Baseline (a): truncation only. The system prompt, then the most recent events that fit the
 * budget, whole (a tool call with its result), no summary: walking back from the newest event,
 * it stops at the first one that does not fit. Tokens are the eval's own count.
 */
export class TruncationBaseline implements RiderSource {
  private recorded = -1;

  constructor(private readonly rendered: RenderedConversation) {}

  record(_event: ScriptEvent, eventIndex: number): void {
    this.recorded = eventIndex;
  }

  window(budget: number): ProbeWindow {
    const { rendered } = this;
    const system: ChatMessage = { role: 'system', content: rendered.conversation.systemPrompt };
    let room = budget - rendered.baseTokens;
    let first = this.recorded + 1;
    for (let i = this.recorded; i >= 0; i--) {
      const cost = rendered.eventTokens[i]!;
      if (cost > room) break;
      room -= cost;
      first = i;
    }
    const events = rendered.conversation.events;
    const messages: ChatMessage[] = [system];
    for (let i = first; i <= this.recorded; i++) messages.push(...renderScriptEvent(events[i]!, i));
    return { messages, reportedUsed: null };
  }
}
