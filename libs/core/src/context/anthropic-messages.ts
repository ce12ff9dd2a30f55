/**
 * The context as the body of an Anthropic Messages request (`POST /v1/messages`): `system`
 * apart, `messages` whose roles alternate user/assistant starting with the user, tool calls as
 * `tool_use` blocks answered by `tool_result` blocks with the same id, and one prompt-caching
 * breakpoint (`cache_control: { type: 'ephemeral' }`) on the last block of the stable prefix.
 */
import type { ChatMessage } from './render-messages.ts';
import {
  alternatingTurns,
  toolArgumentsObject,
  toProviderTurns,
  type TurnPart,
} from './provider-turns.ts';

export interface AnthropicCacheControl {
  type: 'ephemeral';
}

export interface AnthropicTextBlock {
  type: 'text';
  text: string;
  cache_control?: AnthropicCacheControl;
}

export interface AnthropicToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: Record<string, unknown>;
}

export interface AnthropicToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content: string;
  /** Present (true) when the tool failed; `content` is then its error. */
  is_error?: true;
}

export type AnthropicContentBlock =
  AnthropicTextBlock | AnthropicToolUseBlock | AnthropicToolResultBlock;

export interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: AnthropicContentBlock[];
}

/** `system` and `messages` of a Messages request: spread them into the request body. */
export interface AnthropicContext {
  /** The system prompt as text blocks; absent when there is none. */
  system?: AnthropicTextBlock[];
  messages: AnthropicMessage[];
}

/**
 * A tool call id as Anthropic takes it (`^[a-zA-Z0-9_-]+$`): every character outside
 * `[A-Za-z0-9-]` becomes `_` and its two or four hex digits (`.` → `_2e`, `_` → `_5f`), so
 * distinct ids stay distinct and a call and its result keep the same one.
 */
export function anthropicToolId(id: string): string {
  return id.replace(/[^A-Za-z0-9-]/g, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100
      ? `_${code.toString(16).padStart(2, '0')}`
      : `__${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * The context for Anthropic. `stablePrefixMessages` is the report's count of messages forming
 * the stable prefix (system prompt, summary): the breakpoint goes on the last block of that
 * prefix (the summary's text, or the system prompt when there is no summary), so a request
 * reads the prefix from the prompt cache until a summary lands. No prefix, no breakpoint.
 */
export function toAnthropicMessages(
  messages: readonly ChatMessage[],
  stablePrefixMessages: number,
): AnthropicContext {
  const { system, systemEndsPrefix, turns } = toProviderTurns(messages, stablePrefixMessages);
  const messagesOut: AnthropicMessage[] = alternatingTurns(turns).map((turn) => ({
    role: turn.role,
    content: turn.parts.map(toBlock),
  }));
  if (system.length === 0) return { messages: messagesOut };
  const systemBlocks: AnthropicTextBlock[] = system.map((text) => ({ type: 'text', text }));
  if (systemEndsPrefix) systemBlocks.at(-1)!.cache_control = { type: 'ephemeral' };
  return { system: systemBlocks, messages: messagesOut };
}

function toBlock(part: TurnPart): AnthropicContentBlock {
  switch (part.kind) {
    case 'text':
      return part.endsStablePrefix
        ? { type: 'text', text: part.text, cache_control: { type: 'ephemeral' } }
        : { type: 'text', text: part.text };
    case 'tool_call':
      return {
        type: 'tool_use',
        id: anthropicToolId(part.id),
        name: part.name,
        input: toolArgumentsObject(part.argumentsText),
      };
    case 'tool_result':
      return part.error === null
        ? { type: 'tool_result', tool_use_id: anthropicToolId(part.id), content: part.content }
        : {
            type: 'tool_result',
            tool_use_id: anthropicToolId(part.id),
            content: part.error,
            is_error: true,
          };
  }
}
