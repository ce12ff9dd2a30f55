import {
  defaultTokenCounter,
  REPLY_PRIMING_TOKENS,
  TOKENS_PER_MESSAGE,
  type ChatMessage,
  type TokenCounter,
} from '@threadline/core';

/** The model the eval's sessions are counted for (the SDK's default model). */
export const EVAL_MODEL = 'gpt-4o-mini';

/**
 * The eval's own count of a context, with the project's TokenCounter: per message the chat
 * overhead (3), its role and content, and for a tool call message the function name and its
 * JSON arguments; plus the reply priming (3) once per request. This is OpenAI's
 * `num_tokens_from_messages` extended to tool calls; the SDK's `report.used` is compared with it.
 */
export class ContextTokens {
  constructor(
    private readonly counter: TokenCounter = defaultTokenCounter,
    readonly model: string = EVAL_MODEL,
  ) {}

  /** Loads the encoding (call once before counting). */
  async prepare(): Promise<void> {
    await this.counter.prepare([this.model]);
  }

  text(text: string): number {
    return this.counter.countText(text, this.model);
  }

  /** Tokens of one message in a request (no reply priming). */
  message(message: ChatMessage): number {
    let tokens =
      TOKENS_PER_MESSAGE +
      this.counter.countText(message.role, this.model) +
      this.counter.countText(message.content ?? '', this.model);
    if (message.role === 'assistant')
      for (const call of message.tool_calls ?? [])
        tokens += this.text(call.function.name) + this.text(call.function.arguments);
    return tokens;
  }

  /** Tokens of a whole request: its messages plus the reply priming. */
  messages(messages: readonly ChatMessage[]): number {
    let tokens = REPLY_PRIMING_TOKENS;
    for (const message of messages) tokens += this.message(message);
    return tokens;
  }
}
