import type { ChatMessage } from '@threadline/core';

export interface ContinuationVerdict {
  /** The latest user message is in the context verbatim, as a user message. */
  user: boolean;
  /** The last assistant reply is in the context verbatim, as an assistant message. */
  assistant: boolean;
  both: boolean;
}

/**
 * Whether the model could carry on: the latest user message and the last assistant reply are
 * both there word for word (exact equality of a message's content, with its role). A null text
 * (nothing of that kind said yet) holds trivially.
 */
export function judgeContinuation(
  messages: readonly ChatMessage[],
  latestUser: string | null,
  lastAssistant: string | null,
): ContinuationVerdict {
  const user =
    latestUser === null || messages.some((m) => m.role === 'user' && m.content === latestUser);
  const assistant =
    lastAssistant === null ||
    messages.some((m) => m.role === 'assistant' && m.content === lastAssistant);
  return { user, assistant, both: user && assistant };
}
