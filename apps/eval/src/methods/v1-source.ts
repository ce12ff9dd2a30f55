import type { TokenCounter } from '@threadline/core';
import { V1_DEFAULTS, V1Simulator, type V1Event } from '../baselines/v1/v1-simulator.ts';
import type { Conversation, ScriptEvent } from '../generator/conversation.ts';
import type { ProbeWindow } from '../scoring/probe-score.ts';
import type { ContextSource, SessionSettings } from './context-source.ts';

/** A script event as the v1 pipeline records it (`eventId` names the tool call ids). */
export function toV1Event(event: ScriptEvent, eventId: string): V1Event {
  switch (event.type) {
    case 'user':
      return { type: 'user_message', eventId, content: event.content };
    case 'assistant':
      return { type: 'assistant_message', eventId, content: event.content };
    case 'tool':
      return {
        type: 'tool_call',
        eventId,
        tool: event.tool,
        arguments: event.arguments,
        result: event.result,
        error: event.error,
      };
  }
}

/** Baseline (b): the frozen v1 pipeline (commit 1ad38c6), with its own seals. */
export class V1Source implements ContextSource {
  readonly simulator: V1Simulator;

  constructor(conversation: Conversation, settings: SessionSettings, counter: TokenCounter) {
    this.simulator = new V1Simulator(
      {
        systemPrompt: conversation.systemPrompt,
        tokenThreshold: settings.tokenThreshold ?? V1_DEFAULTS.tokenThreshold,
        maxTurnsPerSegment: settings.maxTurnsPerSegment ?? V1_DEFAULTS.maxTurnsPerSegment,
        summaryMaxTokens: settings.summaryMaxTokens ?? V1_DEFAULTS.summaryMaxTokens,
        model: V1_DEFAULTS.defaultModel,
      },
      counter,
    );
  }

  async record(event: ScriptEvent, eventIndex: number): Promise<number> {
    this.simulator.add(toV1Event(event, `ev${eventIndex}`));
    return this.simulator.segments;
  }

  async window(budget: number): Promise<ProbeWindow> {
    const { messages, used } = this.simulator.context(budget);
    return { messages, reportedUsed: used };
  }

  async close(): Promise<void> {}
}
