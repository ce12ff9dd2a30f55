/**
 * What the provider formats share: the context read as turns (the system prompt apart, the
 * stable prefix marked, a tool call's arguments and result as values), taken from the one
 * rendering of the context in OpenAI chat format (render-messages.ts). Each format is a pure
 * function of that rendering: anthropic-messages.ts, gemini-contents.ts, responses-input.ts.
 */
import { toolErrorOf } from '../tokens/tool-call-text.ts';
import type { ChatMessage } from './render-messages.ts';

/**
 * The text of the user turn put first when a context would open with the assistant (a window
 * that starts at an assistant reply or a tool call, with no summary before it): Anthropic wants
 * the first message from the user, and Gemini a function call only after a user turn. It says
 * what is true: earlier turns are not shown.
 */
export const LEADING_USER_TEXT = '(Earlier turns of this conversation are not shown.)';

/** One piece of a turn, in the order the model reads it. */
export type TurnPart =
  | { kind: 'text'; text: string; endsStablePrefix: boolean }
  | { kind: 'tool_call'; id: string; name: string; argumentsText: string }
  | { kind: 'tool_result'; id: string; name: string; content: string; error: string | null };

export interface Turn {
  role: 'user' | 'assistant';
  parts: TurnPart[];
}

export interface ProviderTurns {
  /** The system prompt(s), in order; empty when none is sent. */
  system: string[];
  /** Whether the system prompt is the whole stable prefix (no summary follows it). */
  systemEndsPrefix: boolean;
  /** The turns after the system prompt, roles as the chat messages have them (not yet merged). */
  turns: Turn[];
}

/**
 * The chat messages as turns. `stablePrefixMessages` is the report's count of the messages at
 * the start that form the stable prefix (system prompt, summary). Empty texts are left out
 * (providers refuse empty text blocks); a `tool` message becomes a user turn holding the result,
 * named after its call.
 */
export function toProviderTurns(
  messages: readonly ChatMessage[],
  stablePrefixMessages: number,
): ProviderTurns {
  const system: string[] = [];
  const turns: Turn[] = [];
  const names = new Map<string, string>();
  let systemEndsPrefix = false;
  messages.forEach((message, index) => {
    const endsPrefix = index === stablePrefixMessages - 1;
    switch (message.role) {
      case 'system':
        if (message.content.length > 0) system.push(message.content);
        systemEndsPrefix = endsPrefix;
        return;
      case 'user':
        if (message.content.length > 0)
          turns.push({
            role: 'user',
            parts: [{ kind: 'text', text: message.content, endsStablePrefix: endsPrefix }],
          });
        return;
      case 'assistant': {
        const parts: TurnPart[] = [];
        if (message.content)
          parts.push({ kind: 'text', text: message.content, endsStablePrefix: false });
        for (const call of message.tool_calls ?? []) {
          names.set(call.id, call.function.name);
          parts.push({
            kind: 'tool_call',
            id: call.id,
            name: call.function.name,
            argumentsText: call.function.arguments,
          });
        }
        if (parts.length > 0) turns.push({ role: 'assistant', parts });
        return;
      }
      case 'tool':
        turns.push({
          role: 'user',
          parts: [
            {
              kind: 'tool_result',
              id: message.tool_call_id,
              name: names.get(message.tool_call_id) ?? '',
              content: message.content,
              error: toolErrorOf(message.content),
            },
          ],
        });
        return;
    }
  });
  return { system, systemEndsPrefix, turns };
}

/**
 * Consecutive turns of the same role merged into one (their parts in order), and a user turn
 * ({@link LEADING_USER_TEXT}) put first when the first is the assistant's: roles then alternate
 * user, assistant, user… Merging keeps a tool result first in its user turn: a result always
 * follows its call's assistant turn.
 */
export function alternatingTurns(turns: readonly Turn[]): Turn[] {
  const merged: Turn[] = [];
  for (const turn of turns) {
    const last = merged.at(-1);
    if (last && last.role === turn.role) last.parts.push(...turn.parts);
    else merged.push({ role: turn.role, parts: [...turn.parts] });
  }
  if (merged[0]?.role === 'assistant')
    merged.unshift({
      role: 'user',
      parts: [{ kind: 'text', text: LEADING_USER_TEXT, endsStablePrefix: false }],
    });
  return merged;
}

/**
 * A tool call's arguments as the JSON object Anthropic's `input` and Gemini's `args` require:
 * the arguments themselves when they are an object, else `{ "arguments": value }` (an array, a
 * scalar, or text that is not JSON, since a string argument is sent as already-serialized JSON).
 */
export function toolArgumentsObject(argumentsText: string): Record<string, unknown> {
  const value = parseJson(argumentsText);
  return isPlainObject(value) ? value : { arguments: value };
}

/** JSON text as a value, or the text itself when it is not JSON (a clipped result). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
