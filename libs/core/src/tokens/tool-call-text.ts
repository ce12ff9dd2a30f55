import { stableJson } from './stable-json.ts';

/** A tool call as it is counted and as it is rendered for the model. */
export interface ToolCallForCounting {
  /** The function name. */
  tool: string;
  /** The arguments the model passed; a string is taken as already-serialized JSON. */
  arguments: unknown;
  /** What the tool returned (ignored when `error` is set). */
  result: unknown;
  /** The error the tool failed with; a non-empty string replaces the result. */
  error?: string | null;
}

/** The `function.arguments` text of the assistant `tool_calls` message. */
export function toolCallArgumentsText(call: ToolCallForCounting): string {
  return stableJson(call.arguments);
}

/** What starts the `tool` message of a failed call (JSON text never starts with a letter `E`). */
export const TOOL_ERROR_PREFIX = 'Error: ';

/**
 * The content of the `tool` message that answers a call: `Error: <text>` when the call failed
 * (`error` is a non-empty string), else the result ({@link stableJson}).
 */
export function toolResultText(call: ToolCallForCounting): string {
  return typeof call.error === 'string' && call.error.length > 0
    ? `${TOOL_ERROR_PREFIX}${call.error}`
    : stableJson(call.result);
}

/**
 * A tool call on one line, as a person or a model reads it in a transcript or a conversation
 * listing: `name(arguments) → result` (or `→ Error: <text>`), arguments and result as
 * {@link stableJson}. The one rendering of a call as text: `getConversation()`'s tool entries
 * and the LLM summarizer's transcript use it (the summary's own tool outcomes are a shortened
 * form of it: clipped arguments, `ok` for a result).
 */
export function toolCallLine(call: ToolCallForCounting): string {
  return `${call.tool || 'tool'}(${stableJson(call.arguments ?? {})}) → ${toolResultText(call)}`;
}

/**
 * The error of a failed call from the content of its `tool` message ({@link toolResultText}), or
 * null when the call succeeded. Unambiguous: a result is JSON text, which starts with `{`, `[`,
 * `"`, a digit, `-`, `t`, `f` or `n`, never with `Error: ` (a clipped result keeps its start).
 */
export function toolErrorOf(content: string): string | null {
  return content.startsWith(TOOL_ERROR_PREFIX) ? content.slice(TOOL_ERROR_PREFIX.length) : null;
}
