import type { ChatMessage } from '@threadline/core';
import { containsValue } from '../generator/normalize.ts';

/**
 * The context as the probes read it, top to bottom: every message's content split into lines,
 * and each tool call's arguments as one line (a tool call message has no content). Values are
 * looked for in this text with `containsValue` (whitespace runs as one space, case-insensitive).
 */
export function contextLines(messages: readonly ChatMessage[]): string[] {
  const lines: string[] = [];
  for (const message of messages) {
    if (typeof message.content === 'string') lines.push(...message.content.split('\n'));
    if (message.role === 'assistant')
      for (const call of message.tool_calls ?? []) lines.push(call.function.arguments);
  }
  return lines;
}

/** The whole context as one text (its lines joined). */
export function contextText(messages: readonly ChatMessage[]): string {
  return contextLines(messages).join('\n');
}

/** Whether a probe value appears anywhere in the context. */
export function valueRecalled(messages: readonly ChatMessage[], value: string): boolean {
  return containsValue(contextText(messages), value);
}
