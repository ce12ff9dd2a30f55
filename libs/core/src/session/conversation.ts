import { toolCallLine } from '../tokens/tool-call-text.ts';
import type { EventRecord } from './event-record.ts';

/** One entry of `getConversation()`: the predecessor's {role, content, timestamp}, and more. */
export interface ConversationEntry {
  role: 'user' | 'assistant' | 'tool';
  content: string;
  timestamp: string;
  eventId: string;
  seq: number;
  segmentIndex: number;
  model: string | null;
  /** The provider an assistant message named (`openai`, `anthropic`, ...); null when none was given. */
  provider: string | null;
  tool: string | null;
  success: boolean | null;
  metadata: Record<string, unknown>;
}

/** Turns (and tool calls when asked) as conversation entries; prompt changes are left out. */
export function toConversation(
  records: readonly EventRecord[],
  includeTools = false,
): ConversationEntry[] {
  const out: ConversationEntry[] = [];
  for (const r of records) {
    if (r.type === 'system_prompt_updated') continue;
    if (r.type === 'tool_call' && !includeTools) continue;
    out.push({
      role:
        r.type === 'user_message' ? 'user' : r.type === 'assistant_message' ? 'assistant' : 'tool',
      content:
        r.type === 'tool_call'
          ? toolCallLine({
              tool: r.tool ?? '',
              arguments: r.arguments,
              result: r.result ?? null,
              error: r.error,
            })
          : (r.content ?? ''),
      timestamp: r.occurredAt,
      eventId: r.eventId,
      seq: r.seq,
      segmentIndex: r.segmentIndex,
      model: r.model,
      provider: r.provider ?? null,
      tool: r.tool,
      success: r.success,
      metadata: r.metadata,
    });
  }
  return out;
}
