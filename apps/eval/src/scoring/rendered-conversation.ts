import { stableJson, type ChatMessage } from '@threadline/core';
import type { Conversation, ScriptEvent } from '../generator/conversation.ts';
import type { ContextTokens } from './context-tokens.ts';

/** The id pairing a tool call with its result in the eval's own rendering. */
export const evalToolCallId = (eventIndex: number) => `call_eval_${eventIndex}`;

/**
 * An event as chat messages (OpenAI format), as a context would show it verbatim: a user or
 * assistant message; a tool call as the assistant's `tool_calls` message (arguments as JSON)
 * and the `tool` message with the result's JSON, or `Error: <error>`.
 */
export function renderScriptEvent(event: ScriptEvent, eventIndex: number): ChatMessage[] {
  switch (event.type) {
    case 'user':
      return [{ role: 'user', content: event.content }];
    case 'assistant':
      return [{ role: 'assistant', content: event.content }];
    case 'tool': {
      const id = evalToolCallId(eventIndex);
      return [
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id,
              type: 'function',
              function: { name: event.tool, arguments: stableJson(event.arguments) },
            },
          ],
        },
        {
          role: 'tool',
          tool_call_id: id,
          content: event.error ? `Error: ${event.error}` : stableJson(event.result),
        },
      ];
    }
  }
}

/** One rendered message of the conversation, with the event it belongs to. */
export interface RenderedMessage {
  eventIndex: number;
  message: ChatMessage;
  /** What equality is judged on (JSON in canonical form for tool arguments and results). */
  key: string;
}

/**
 * A conversation rendered once, with the token counts the probes need: each event's tokens
 * and the tokens of the whole history up to each event (system prompt and reply priming
 * included).
 */
export class RenderedConversation {
  readonly messages: RenderedMessage[] = [];
  /** Index in `messages` of each event's first message. */
  readonly firstMessageOf: number[] = [];
  readonly eventTokens: number[] = [];
  /** Tokens of the request that would hold the system prompt and events 0..i verbatim. */
  readonly historyTokensThrough: number[] = [];
  readonly systemTokens: number;
  /** Tokens of a request holding only the system prompt (its message plus the reply priming). */
  readonly baseTokens: number;

  constructor(
    readonly conversation: Conversation,
    tokens: ContextTokens,
  ) {
    this.systemTokens = tokens.message({ role: 'system', content: conversation.systemPrompt });
    this.baseTokens = tokens.messages([]) + this.systemTokens;
    let history = this.baseTokens;
    conversation.events.forEach((event, i) => {
      this.firstMessageOf.push(this.messages.length);
      let eventTokens = 0;
      for (const message of renderScriptEvent(event, i)) {
        this.messages.push({ eventIndex: i, message, key: messageKey(message) });
        eventTokens += tokens.message(message);
      }
      this.eventTokens.push(eventTokens);
      history += eventTokens;
      this.historyTokensThrough.push(history);
    });
  }

  /** Index of the latest user message at or before `eventIndex` (null if none). */
  latestOf(type: 'user' | 'assistant', eventIndex: number): number | null {
    for (let i = eventIndex; i >= 0; i--) if (this.conversation.events[i]!.type === type) return i;
    return null;
  }
}

/**
 * What two messages must share to be the same message: the role, and the content, or for a
 * tool call the function names and arguments (JSON compared in canonical form, so that key
 * order does not matter), or for a tool result its JSON in canonical form.
 */
export function messageKey(message: ChatMessage): string {
  switch (message.role) {
    case 'assistant':
      if (message.tool_calls && message.tool_calls.length > 0)
        return `assistant-calls\u0000${message.tool_calls
          .map((c) => `${c.function.name}\u0000${canonicalJson(c.function.arguments)}`)
          .join('\u0001')}`;
      return `assistant\u0000${message.content ?? ''}`;
    case 'tool':
      return `tool\u0000${canonicalJson(message.content)}`;
    default:
      return `${message.role}\u0000${message.content}`;
  }
}

function canonicalJson(text: string): string {
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') return text;
  try {
    return stableJson(JSON.parse(text));
  } catch {
    return text;
  }
}
