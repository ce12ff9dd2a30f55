import type { EventRecord } from '../session/event-record.ts';
import { toolCallArgumentsText, toolResultText } from '../tokens/tool-call-text.ts';

/** A message in OpenAI chat-completions format. */
export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string | null; tool_calls?: ToolCallMessage[] }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface ToolCallMessage {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** Heading of the summary message, so that the model knows what it is reading. */
export const SUMMARY_HEADING = 'Summary of the conversation so far:';

export function renderSummaryMessage(text: string): { role: 'system'; content: string } {
  return { role: 'system', content: `${SUMMARY_HEADING}\n${text}` };
}

/** The id that pairs a tool call with its result. */
export function toolCallIdOf(eventId: string): string {
  return `call_${eventId}`;
}

/** What a tool result looks like to the model: its JSON, or its error. */
export function renderToolResult(record: Pick<EventRecord, 'result' | 'error'>): string {
  return toolResultText({
    tool: '',
    arguments: null,
    result: record.result ?? null,
    error: record.error,
  });
}

/**
 * The chat messages of one recorded event: a turn is one message, a tool call is the
 * assistant's `tool_calls` message and the `tool` result (never split); a prompt change is none.
 */
export function renderEvent(record: EventRecord): ChatMessage[] {
  switch (record.type) {
    case 'user_message':
      return [{ role: 'user', content: record.content ?? '' }];
    case 'assistant_message':
      return [{ role: 'assistant', content: record.content ?? '' }];
    case 'tool_call': {
      const id = toolCallIdOf(record.eventId);
      return [
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id,
              type: 'function',
              function: {
                name: record.tool ?? '',
                arguments: toolCallArgumentsText({
                  tool: record.tool ?? '',
                  arguments: record.arguments ?? {},
                  result: null,
                }),
              },
            },
          ],
        },
        { role: 'tool', tool_call_id: id, content: renderToolResult(record) },
      ];
    }
    case 'system_prompt_updated':
      return [];
  }
}
