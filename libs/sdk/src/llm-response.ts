import type { Usage } from '@threadline/core';

/** A tool the model asked to call in its reply (recorded with its result by `toolUsed`). */
export interface RequestedToolCall {
  /** The provider's id of the call (`call_…`, `toolu_…`), when it gave one. */
  id: string | null;
  name: string;
  /** The arguments, parsed when the provider sent them as a JSON string. */
  arguments: unknown;
}

/** What `trackLlmCall` records of a reply, whatever shape the provider returned it in. */
export interface UnwrappedLlmResponse {
  /** The reply's text: its text parts joined by newlines; empty when the model only called tools. */
  text: string;
  /** The model that answered, when the response names it. */
  model: string | undefined;
  /** The usage the response reports, camelCase; undefined when it reports none. */
  usage: Usage | undefined;
  /** Tools the model asked to call, in order. */
  toolCalls: RequestedToolCall[];
}

/**
 * What an LLM call may return, as platforms hold it: a string; an OpenAI chat completion
 * (`choices[0].message.content`, `usage.prompt_tokens`); an OpenAI Responses API response
 * (`output[]` items of type `message` with `output_text` parts, `function_call` items,
 * `usage.input_tokens`); an Anthropic Messages response (`content` blocks of type `text` and
 * `tool_use`, `usage.input_tokens`); or a message with a `content` string or parts (LangChain's
 * `AIMessage`, with `usage_metadata` and `response_metadata` when present). Typed loosely on
 * purpose: each SDK's own types are assignable to it.
 */
export type LlmResponse = string | { [field: string]: unknown };

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;
const count = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;

/** The arguments of a call: JSON text parsed (kept as text when it is not JSON). */
function parseArguments(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? {};
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/**
 * The counts of a provider's usage object in camelCase, whichever spelling it uses (OpenAI's
 * `prompt_tokens`, Anthropic's and the Responses API's `input_tokens`, LangChain's
 * `tokenUsage.promptTokens`); its other fields (cache and reasoning details) are left out.
 */
export function usageOf(raw: unknown): Usage | undefined {
  if (!isObject(raw)) return undefined;
  const usage: Usage = {};
  const prompt =
    count(raw['prompt_tokens']) ??
    count(raw['input_tokens']) ??
    count(raw['promptTokens']) ??
    count(raw['inputTokens']);
  const completion =
    count(raw['completion_tokens']) ??
    count(raw['output_tokens']) ??
    count(raw['completionTokens']) ??
    count(raw['outputTokens']);
  const total = count(raw['total_tokens']) ?? count(raw['totalTokens']);
  if (prompt !== undefined) usage.promptTokens = prompt;
  if (completion !== undefined) usage.completionTokens = completion;
  if (total !== undefined) usage.totalTokens = total;
  return Object.keys(usage).length > 0 ? usage : undefined;
}

/** Text and tool calls of content blocks/parts: Anthropic's, the Responses API's, LangChain's. */
function fromBlocks(blocks: unknown[]): { texts: string[]; toolCalls: RequestedToolCall[] } {
  const texts: string[] = [];
  const toolCalls: RequestedToolCall[] = [];
  for (const block of blocks) {
    if (typeof block === 'string') texts.push(block);
    if (!isObject(block)) continue;
    const type = block['type'];
    if ((type === 'text' || type === 'output_text') && typeof block['text'] === 'string')
      texts.push(block['text']);
    else if (type === 'tool_use' && typeof block['name'] === 'string')
      toolCalls.push({
        id: str(block['id']) ?? null,
        name: block['name'],
        arguments: block['input'] ?? {},
      });
  }
  return { texts, toolCalls };
}

/** OpenAI chat completions: `choices[0].message` (or a legacy completion's `choices[0].text`). */
function fromChatCompletion(response: Json): UnwrappedLlmResponse | null {
  const choices = response['choices'];
  if (!Array.isArray(choices)) return null;
  const choice: unknown = choices[0];
  if (!isObject(choice)) return null;
  const message = choice['message'];
  const toolCalls: RequestedToolCall[] = [];
  let text: string | undefined;
  if (isObject(message)) {
    if (typeof message['content'] === 'string') text = message['content'];
    for (const call of Array.isArray(message['tool_calls']) ? message['tool_calls'] : []) {
      const fn = isObject(call) ? call['function'] : undefined;
      if (isObject(fn) && typeof fn['name'] === 'string')
        toolCalls.push({
          id: str((call as Json)['id']) ?? null,
          name: fn['name'],
          arguments: parseArguments(fn['arguments']),
        });
    }
    if (text === undefined && (toolCalls.length > 0 || typeof message['refusal'] === 'string'))
      text = typeof message['refusal'] === 'string' ? message['refusal'] : '';
  } else if (typeof choice['text'] === 'string') {
    text = choice['text'];
  }
  if (text === undefined) return null;
  return { text, model: str(response['model']), usage: usageOf(response['usage']), toolCalls };
}

/** OpenAI Responses API: `output[]` message items with `output_text` parts, `function_call` items. */
function fromResponsesOutput(response: Json): UnwrappedLlmResponse | null {
  const output = response['output'];
  if (!Array.isArray(output)) return null;
  const texts: string[] = [];
  const toolCalls: RequestedToolCall[] = [];
  for (const item of output) {
    if (!isObject(item)) continue;
    if (item['type'] === 'message' && Array.isArray(item['content'])) {
      texts.push(...fromBlocks(item['content']).texts);
    } else if (item['type'] === 'function_call' && typeof item['name'] === 'string') {
      toolCalls.push({
        id: str(item['call_id']) ?? str(item['id']) ?? null,
        name: item['name'],
        arguments: parseArguments(item['arguments']),
      });
    }
  }
  return {
    text: texts.join('\n'),
    model: str(response['model']),
    usage: usageOf(response['usage']),
    toolCalls,
  };
}

/**
 * Anthropic Messages (`content` blocks, `usage`, `model`) and messages with a `content` string or
 * parts (LangChain: model and usage from `response_metadata` and `usage_metadata`).
 */
function fromContent(response: Json): UnwrappedLlmResponse | null {
  const content = response['content'];
  const metadata = isObject(response['response_metadata']) ? response['response_metadata'] : {};
  let texts: string[];
  let toolCalls: RequestedToolCall[] = [];
  if (typeof content === 'string') texts = [content];
  else if (Array.isArray(content)) ({ texts, toolCalls } = fromBlocks(content));
  else return null;
  // LangChain lists the calls apart, as { name, args, id }, and the blocks may repeat them.
  const lcCalls = Array.isArray(response['tool_calls']) ? response['tool_calls'] : [];
  if (toolCalls.length === 0)
    for (const call of lcCalls)
      if (isObject(call) && typeof call['name'] === 'string')
        toolCalls.push({
          id: str(call['id']) ?? null,
          name: call['name'],
          arguments: call['args'] ?? {},
        });
  return {
    text: texts.join('\n'),
    model: str(response['model']) ?? str(metadata['model_name']) ?? str(metadata['model']),
    usage:
      usageOf(response['usage']) ??
      usageOf(response['usage_metadata']) ??
      usageOf(metadata['tokenUsage']) ??
      usageOf(metadata['usage']),
    toolCalls,
  };
}

/**
 * The text, model, usage and requested tool calls of an LLM response, whichever of the shapes of
 * {@link LlmResponse} it has. Pure: reads the object, calls nothing.
 *
 * @throws TypeError naming the shapes it knows when the response has none of them.
 */
export function unwrapLlmResponse(response: LlmResponse): UnwrappedLlmResponse {
  if (typeof response === 'string')
    return { text: response, model: undefined, usage: undefined, toolCalls: [] };
  const unwrapped = isObject(response)
    ? (fromChatCompletion(response) ?? fromResponsesOutput(response) ?? fromContent(response))
    : null;
  if (!unwrapped)
    throw new TypeError(
      'trackLlmCall: expected a string, an OpenAI chat completion (choices[0].message.content), an OpenAI Responses API response (output[] messages), an Anthropic message (content blocks) or a message with a content string (LangChain)',
    );
  return unwrapped;
}
