/**
 * The context as the body of an OpenAI Responses request (`POST /v1/responses`): the system
 * prompt as `instructions`, and `input` items: `{ role, content }` messages (`input_text` for the
 * user, `output_text` for the assistant), `function_call` items and the `function_call_output`
 * that answers each, paired by `call_id`. Items keep the order of the chat messages; the
 * Responses API needs no alternation.
 */
import type { ChatMessage } from './render-messages.ts';

export type ResponsesInputItem =
  | { role: 'user'; content: Array<{ type: 'input_text'; text: string }> }
  | { role: 'assistant'; content: Array<{ type: 'output_text'; text: string }> }
  | { type: 'function_call'; call_id: string; name: string; arguments: string }
  | { type: 'function_call_output'; call_id: string; output: string };

/** `instructions` and `input` of a Responses request: spread them into the body. */
export interface ResponsesContext {
  /** The system prompt; absent when there is none. */
  instructions?: string;
  input: ResponsesInputItem[];
}

/**
 * The context for the Responses API. A failed tool's output is its `Error: …` text, as in the
 * chat format (the Responses API has no error flag). OpenAI caches prompt prefixes by itself:
 * the report's `stablePrefixTokens` say how much of the request is that prefix.
 */
export function toResponsesInput(messages: readonly ChatMessage[]): ResponsesContext {
  const system: string[] = [];
  const input: ResponsesInputItem[] = [];
  for (const message of messages) {
    switch (message.role) {
      case 'system':
        if (message.content.length > 0) system.push(message.content);
        break;
      case 'user':
        input.push({ role: 'user', content: [{ type: 'input_text', text: message.content }] });
        break;
      case 'assistant':
        if (message.content !== null && (message.content.length > 0 || !message.tool_calls))
          input.push({
            role: 'assistant',
            content: [{ type: 'output_text', text: message.content }],
          });
        for (const call of message.tool_calls ?? [])
          input.push({
            type: 'function_call',
            call_id: call.id,
            name: call.function.name,
            arguments: call.function.arguments,
          });
        break;
      case 'tool':
        input.push({
          type: 'function_call_output',
          call_id: message.tool_call_id,
          output: message.content,
        });
        break;
    }
  }
  return system.length > 0 ? { instructions: system.join('\n\n'), input } : { input };
}
