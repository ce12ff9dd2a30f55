import { z } from 'zod';

/**
 * The part of an Anthropic Messages request body (`POST /v1/messages`) a context fills,
 * transcribed from Anthropic's API reference "Messages" (docs.anthropic.com/en/api/messages:
 * `system`, `messages`, `MessageParam`, `TextBlockParam`, `ToolUseBlockParam`,
 * `ToolResultBlockParam`), the tool-use guide ("Handling tool use and tool results":
 * docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use — tool_result blocks
 * must immediately follow their tool_use in the next user message, and come first in its
 * content) and "Prompt caching" (docs.anthropic.com/en/docs/build-with-claude/prompt-caching:
 * `cache_control: { type: "ephemeral", ttl? }`, at most 4 breakpoints).
 * Strict objects: a field the docs do not list is an error here.
 */
const CacheControl = z.strictObject({
  type: z.literal('ephemeral'),
  ttl: z.enum(['5m', '1h']).optional(),
});

/** "text content blocks must be non-empty". */
const TextBlock = z.strictObject({
  type: z.literal('text'),
  text: z.string().min(1),
  cache_control: CacheControl.nullable().optional(),
});

/** Tool use ids: `^[a-zA-Z0-9_-]+$`. */
const ToolId = z.string().regex(/^[a-zA-Z0-9_-]+$/);

const ToolUseBlock = z.strictObject({
  type: z.literal('tool_use'),
  id: ToolId,
  name: z.string().min(1).max(200),
  input: z.record(z.string(), z.unknown()),
  cache_control: CacheControl.nullable().optional(),
});

const ToolResultBlock = z.strictObject({
  type: z.literal('tool_result'),
  tool_use_id: ToolId,
  content: z.union([z.string(), z.array(TextBlock)]).optional(),
  is_error: z.boolean().optional(),
  cache_control: CacheControl.nullable().optional(),
});

const ContentBlock = z.discriminatedUnion('type', [TextBlock, ToolUseBlock, ToolResultBlock]);

const MessageParam = z.strictObject({
  role: z.enum(['user', 'assistant']),
  content: z.union([z.string(), z.array(ContentBlock).min(1)]),
});

const blocksOf = (m: z.infer<typeof MessageParam>) =>
  typeof m.content === 'string' ? [{ type: 'text' as const, text: m.content }] : m.content;

export const AnthropicMessagesRequest = z
  .strictObject({
    system: z.union([z.string(), z.array(TextBlock)]).optional(),
    messages: z.array(MessageParam).min(1),
  })
  .superRefine((body, ctx) => {
    const issue = (message: string) => ctx.addIssue({ code: 'custom', message });
    // "The first message must always use the user role"; roles alternate (consecutive turns of
    // one role are combined by the API, which we do not rely on).
    body.messages.forEach((m, i) => {
      if (m.role !== (i % 2 === 0 ? 'user' : 'assistant'))
        issue(`messages[${i}].role: expected alternating roles starting with user`);
    });
    body.messages.forEach((m, i) => {
      const blocks = blocksOf(m);
      const uses = blocks.flatMap((b) => (b.type === 'tool_use' ? [b.id] : []));
      if (m.role === 'user' && uses.length) issue(`messages[${i}]: tool_use in a user message`);
      const results = blocks.flatMap((b) => (b.type === 'tool_result' ? [b.tool_use_id] : []));
      if (m.role === 'assistant' && results.length)
        issue(`messages[${i}]: tool_result in an assistant message`);
      // tool_result blocks come first in their user message.
      const firstOther = blocks.findIndex((b) => b.type !== 'tool_result');
      if (firstOther >= 0 && blocks.slice(firstOther).some((b) => b.type === 'tool_result'))
        issue(`messages[${i}]: tool_result after other content`);
      // Each tool_use is answered in the next message, and each tool_result answers a tool_use
      // of the message right before it.
      if (uses.length) {
        const next = body.messages[i + 1];
        const answered = new Set(
          next
            ? blocksOf(next).flatMap((b) => (b.type === 'tool_result' ? [b.tool_use_id] : []))
            : [],
        );
        for (const id of uses)
          if (!answered.has(id)) issue(`messages[${i}]: tool_use ${id} has no tool_result next`);
      }
      if (results.length) {
        const previous = body.messages[i - 1];
        const asked = new Set(
          previous ? blocksOf(previous).flatMap((b) => (b.type === 'tool_use' ? [b.id] : [])) : [],
        );
        for (const id of results)
          if (!asked.has(id)) issue(`messages[${i}]: tool_result ${id} answers no tool_use`);
      }
    });
    const breakpoints =
      (Array.isArray(body.system) ? body.system.filter((b) => b.cache_control).length : 0) +
      body.messages.flatMap(blocksOf).filter((b) => 'cache_control' in b && b.cache_control).length;
    if (breakpoints > 4) issue(`at most 4 cache_control breakpoints, got ${breakpoints}`);
  });
