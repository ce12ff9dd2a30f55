/**
 * The context as the body of a Gemini `generateContent` request: `systemInstruction` apart,
 * `contents` whose roles alternate `user`/`model` starting with the user, tool calls as
 * `functionCall` parts answered by `functionResponse` parts (in a user turn) of the same name.
 */
import type { ChatMessage } from './render-messages.ts';
import {
  alternatingTurns,
  parseJson,
  toolArgumentsObject,
  toProviderTurns,
  type TurnPart,
} from './provider-turns.ts';

export type GeminiPart =
  | { text: string }
  | { functionCall: { name: string; args: Record<string, unknown> } }
  | { functionResponse: { name: string; response: Record<string, unknown> } };

export interface GeminiContent {
  role: 'user' | 'model';
  parts: GeminiPart[];
}

/** `systemInstruction` and `contents` of a generateContent request: spread them into the body. */
export interface GeminiContext {
  /** The system prompt; absent when there is none. */
  systemInstruction?: { parts: Array<{ text: string }> };
  contents: GeminiContent[];
}

/**
 * The context for Gemini. A tool's result is the function response `{ output: value }` (its
 * JSON as a value, or its text when clipped) and a failure `{ error: text }`, the keys Google
 * documents for output and error; arguments that are not a JSON object are `{ arguments: value }`.
 * Gemini has no explicit cache breakpoint (its implicit caching keys on the prefix): the report's
 * `stablePrefixTokens` say how much of the request is that prefix.
 */
export function toGeminiContents(
  messages: readonly ChatMessage[],
  stablePrefixMessages: number,
): GeminiContext {
  const { system, turns } = toProviderTurns(messages, stablePrefixMessages);
  const contents: GeminiContent[] = alternatingTurns(turns).map((turn) => ({
    role: turn.role === 'assistant' ? 'model' : 'user',
    parts: turn.parts.map(toPart),
  }));
  return system.length > 0
    ? { systemInstruction: { parts: system.map((text) => ({ text })) }, contents }
    : { contents };
}

function toPart(part: TurnPart): GeminiPart {
  switch (part.kind) {
    case 'text':
      return { text: part.text };
    case 'tool_call':
      return {
        functionCall: { name: part.name, args: toolArgumentsObject(part.argumentsText) },
      };
    case 'tool_result':
      return {
        functionResponse: {
          name: part.name,
          response:
            part.error === null ? { output: parseJson(part.content) } : { error: part.error },
        },
      };
  }
}
