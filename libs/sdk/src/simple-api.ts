import type { ConversationEntry, SessionStats } from '@threadline/core';
import type { Runtime } from '@threadline/runtime';
import { defaultRuntime } from './default-runtime.ts';
import { unwrapLlmResponse, type LlmResponse } from './llm-response.ts';
import { SessionManager, type AiRespondsOptions } from './session-manager.ts';

interface Target {
  /** Record into this manager's session. */
  sessionManager?: SessionManager;
  /** Or into this session (reopened or created). */
  sessionId?: string;
  runtime?: Runtime;
  infiniteContext?: boolean;
  tokenThreshold?: number;
}

function managerFor(target: Target): SessionManager {
  if (target.sessionManager) return target.sessionManager;
  return new SessionManager({
    sessionId: target.sessionId,
    runtime: target.runtime,
    infiniteContext: target.infiniteContext,
    tokenThreshold: target.tokenThreshold,
  });
}

/** Records one exchange; resolves with the session id. */
export async function trackConversation(
  userMessage: string,
  aiResponse: string,
  options: Target & Pick<AiRespondsOptions, 'model' | 'provider' | 'usage'> = {},
): Promise<string> {
  const sm = managerFor(options);
  await sm.userSays(userMessage);
  await sm.aiResponds(aiResponse, {
    model: options.model,
    provider: options.provider,
    usage: options.usage,
  });
  // Read-your-writes: a read right after (getSessionStats, on any runtime) sees both turns.
  await sm.settle();
  return sm.sessionId;
}

/**
 * Calls `llm` with the user's input, records both sides and returns the reply's text with the
 * session id. The reply is unwrapped from whatever the call returned (see `unwrapLlmResponse`:
 * a string, an OpenAI chat completion or Responses API response, an Anthropic message, a
 * LangChain message), with the model and usage it reports; `options.model` applies when it
 * names none. Tools the model asked to call are kept in the assistant event's metadata as
 * `toolCalls: [{ id, name }]`; record each call with its result by `trackToolUse`/`toolUsed`.
 */
export async function trackLlmCall<R extends LlmResponse>(
  userInput: string,
  llm: (input: string) => R | Promise<R>,
  options: Target & { model?: string; provider?: string } = {},
): Promise<{ text: string; response: R; sessionId: string }> {
  const sm = managerFor(options);
  await sm.userSays(userInput);
  const response = await llm(userInput);
  const { text, model, usage, toolCalls } = unwrapLlmResponse(response);
  await sm.aiResponds(text, {
    model: model ?? options.model,
    provider: options.provider,
    usage,
    ...(toolCalls.length ? { toolCalls: toolCalls.map(({ id, name }) => ({ id, name })) } : {}),
  });
  await sm.settle();
  return { text, response, sessionId: sm.sessionId };
}

/** Records a tool call; resolves with the session id. */
export async function trackToolUse(
  tool: string,
  args: unknown,
  result: unknown,
  options: Target & { error?: string | null; metadata?: Record<string, unknown> } = {},
): Promise<string> {
  const sm = managerFor(options);
  await sm.toolUsed(tool, args, result, options.error, options.metadata);
  await sm.settle();
  return sm.sessionId;
}

/** Stats of a stored session. */
export async function getSessionStats(
  sessionId: string,
  options: { allSegments?: boolean; runtime?: Runtime } = {},
): Promise<SessionStats> {
  const runtime = options.runtime ?? defaultRuntime();
  return runtime.stats(sessionId, options);
}

/** The conversation of a stored session. */
export async function getConversationHistory(
  sessionId: string,
  options: { allSegments?: boolean; includeTools?: boolean; runtime?: Runtime } = {},
): Promise<ConversationEntry[]> {
  const runtime = options.runtime ?? defaultRuntime();
  return runtime.conversation(sessionId, options);
}

/** One exchange in a new session; resolves with its stats. */
export async function quickConversation(
  userMessage: string,
  aiResponse: string,
  options: { runtime?: Runtime; model?: string } = {},
): Promise<SessionStats> {
  const sessionId = await trackConversation(userMessage, aiResponse, options);
  return getSessionStats(sessionId, options);
}
