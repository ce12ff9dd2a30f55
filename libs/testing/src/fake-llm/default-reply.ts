import { messageText, type ChatCompletionRequest } from './chat-completion.ts';

const SENTENCE_MAX_CHARS = 160;
const REPLY_MAX_CHARS = 2000;

/**
 * The fake's default answer: `Summary: ` followed by the first sentence of every system and
 * user message, in order. It is deterministic and visibly derived from the input, so a test
 * can tell which turns a summary was made from.
 */
export function summarizeRequest(request: ChatCompletionRequest): string {
  const sentences = request.messages
    .filter((m) => m.role === 'system' || m.role === 'user' || m.role === 'developer')
    .map((m) => firstSentence(messageText(m)))
    .filter((s) => s.length > 0);
  const summary = `Summary: ${sentences.length > 0 ? sentences.join(' ') : '(no input)'}`;
  return summary.slice(0, REPLY_MAX_CHARS);
}

function firstSentence(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const match = /^.*?[.!?](?=\s|$)/.exec(flat);
  const sentence = match ? match[0] : flat;
  return sentence.length > SENTENCE_MAX_CHARS
    ? `${sentence.slice(0, SENTENCE_MAX_CHARS)}…`
    : sentence;
}
