import type { ChatCompletionRequest } from './chat-completion.ts';

/**
 * The transcript a Threadline summary request carried (between its `<transcript-…>` markers,
 * whose suffix is a digest of the material), or '' when the request has none.
 */
export function transcriptOf(request: ChatCompletionRequest): string {
  const text = request.messages
    .map((m) => (typeof m.content === 'string' ? m.content : ''))
    .join('\n');
  return /<transcript-([0-9a-f]+)>\n([\s\S]*?)\n<\/transcript-\1>/.exec(text)?.[2] ?? '';
}
