import { EmbeddedRuntime, SessionManager } from '@threadline/sdk';
import type { Summarizer } from '@threadline/core';
import type { Conversation, ScriptEvent } from '../generator/conversation.ts';
import type { ProbeWindow } from '../scoring/probe-score.ts';
import type { ContextSource, SessionSettings } from './context-source.ts';

/** Times of the recorded events: fixed, one second apart, so that runs are reproducible. */
const EPOCH = Date.parse('2026-05-01T08:00:00Z');

/**
 * The system under test, black box: one SessionManager per conversation on an embedded runtime
 * of its own (in-process memory store, no Redis), infinite context on. Every event is recorded
 * with `await`, then the runtime is awaited idle, so that a summary requested by a seal has
 * landed before the next event (as with a fast summarizer); the chain's length is read after
 * each event. Only public SDK calls: userSays, aiResponds, toolUsed, getSessionChain,
 * getContextWindow, and EmbeddedRuntime's idle().
 */
export class SdkSource implements ContextSource {
  readonly runtime: EmbeddedRuntime;
  readonly manager: SessionManager;
  /** The eventId the SDK returned for each event recorded (in order). */
  readonly eventIds: string[] = [];

  constructor(conversation: Conversation, settings: SessionSettings, summarizer?: Summarizer) {
    let clock = 0;
    let ids = 0;
    this.runtime = new EmbeddedRuntime({
      ...(summarizer ? { summarizer } : {}),
      clock: () => new Date(EPOCH + 1000 * clock++),
      newEventId: () => `ev${ids++}`,
    });
    this.manager = new SessionManager({
      runtime: this.runtime,
      sessionId: conversation.id,
      systemPrompt: conversation.systemPrompt,
      infiniteContext: true,
      ...settings,
    });
  }

  async record(event: ScriptEvent): Promise<number> {
    const sm = this.manager;
    let id: string;
    switch (event.type) {
      case 'user':
        id = await sm.userSays(event.content);
        break;
      case 'assistant':
        id = await sm.aiResponds(event.content);
        break;
      case 'tool':
        id = await sm.toolUsed(event.tool, event.arguments, event.result, event.error);
        break;
    }
    this.eventIds.push(id);
    await this.runtime.idle();
    return (await sm.getSessionChain()).length;
  }

  async window(budget: number): Promise<ProbeWindow> {
    const { messages, report } = await this.manager.getContextWindow({ budget });
    return { messages, reportedUsed: report.used };
  }

  async close(): Promise<void> {
    await this.runtime.close();
  }
}
