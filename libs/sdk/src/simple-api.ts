import type { ConversationEntry, SessionStats } from '@threadline/core';
import type { Runtime } from '@threadline/runtime';
import { defaultRuntime } from './default-runtime.ts';
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

/** What an LLM call may return: a string, or an OpenAI-style chat completion. */
export type LlmResponse =
  | string
  | {
      model?: string;
      choices?: Array<{ message?: { content?: string | null } | null; text?: string }>;
      usage?: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number } | null;
    };

/** The text, model and usage of an LLM response, whichever shape it has. */
export function unwrapLlmResponse(response: LlmResponse): {
  text: string;
  model: string | undefined;
  usage: AiRespondsOptions['usage'];
} {
  if (typeof response === 'string') return { text: response, model: undefined, usage: undefined };
  const choice = response.choices?.[0];
  const text = choice?.message?.content ?? choice?.text;
  if (typeof text !== 'string')
    throw new TypeError(
      'trackLlmCall: the LLM response has neither a string nor choices[0].message.content',
    );
  return { text, model: response.model, usage: response.usage ?? undefined };
}

/**
 * Calls `llm` with the user's input, records both sides (the model and usage a chat
 * completion reports included) and returns the reply's text with the session id.
 */
export async function trackLlmCall<R extends LlmResponse>(
  userInput: string,
  llm: (input: string) => R | Promise<R>,
  options: Target & { model?: string; provider?: string } = {},
): Promise<{ text: string; response: R; sessionId: string }> {
  const sm = managerFor(options);
  await sm.userSays(userInput);
  const response = await llm(userInput);
  const { text, model, usage } = unwrapLlmResponse(response);
  await sm.aiResponds(text, { model: model ?? options.model, provider: options.provider, usage });
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
