/** One message of a chat completion request; `content` may be a string or text parts. */
export interface ChatMessage {
  role: string;
  content?: string | Array<{ type: string; text?: string }> | null;
  [field: string]: unknown;
}

/** The body of `POST /v1/chat/completions`, as far as the fake reads it. */
export interface ChatCompletionRequest {
  model?: string;
  messages: ChatMessage[];
  [field: string]: unknown;
}

/** The OpenAI `chat.completion` object the fake answers with. */
export interface ChatCompletionResponse {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: { role: 'assistant'; content: string };
    finish_reason: 'stop';
  }>;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

/** The fake's token estimate: one token per 4 characters, rounded up. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** The text of a message, with text parts joined by newlines. */
export function messageText(message: ChatMessage): string {
  const { content } = message;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part) => (typeof part.text === 'string' ? part.text : '')).join('\n');
  }
  return '';
}

/** Builds the `chat.completion` answer to `request` with `content` as the assistant message. */
export function chatCompletion(
  request: ChatCompletionRequest,
  content: string,
  id: string,
  fallbackModel: string,
): ChatCompletionResponse {
  const promptTokens = estimateTokens(request.messages.map(messageText).join(''));
  const completionTokens = estimateTokens(content);
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: typeof request.model === 'string' ? request.model : fallbackModel,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
  };
}
