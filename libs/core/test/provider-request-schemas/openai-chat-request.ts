import { z } from 'zod';

/**
 * The `messages` of an OpenAI Chat Completions request, transcribed from OpenAI's API reference
 * "Chat — Create chat completion" (platform.openai.com/docs/api-reference/chat/create: system,
 * user, assistant — `content` null when it has `tool_calls` — and tool messages with
 * `tool_call_id`). Every tool message answers a call of the assistant message before it.
 */
const ToolCall = z.strictObject({
  id: z.string().min(1),
  type: z.literal('function'),
  function: z.strictObject({ name: z.string().min(1), arguments: z.string() }),
});
const Message = z.discriminatedUnion('role', [
  z.strictObject({ role: z.literal('system'), content: z.string() }),
  z.strictObject({ role: z.literal('user'), content: z.string() }),
  z.strictObject({
    role: z.literal('assistant'),
    content: z.string().nullable(),
    tool_calls: z.array(ToolCall).min(1).optional(),
  }),
  z.strictObject({ role: z.literal('tool'), tool_call_id: z.string().min(1), content: z.string() }),
]);

export const OpenAiChatRequest = z
  .strictObject({ messages: z.array(Message).min(1) })
  .superRefine((body, ctx) => {
    const open = new Set<string>();
    body.messages.forEach((m, i) => {
      if (m.role === 'assistant') for (const call of m.tool_calls ?? []) open.add(call.id);
      else if (m.role === 'tool') {
        if (!open.delete(m.tool_call_id))
          ctx.addIssue({ code: 'custom', message: `messages[${i}]: answers no open call` });
      } else if (open.size)
        ctx.addIssue({ code: 'custom', message: `messages[${i}]: tool calls left unanswered` });
    });
  });
