import { formatUsd, type ChatMessage, type SegmentRecord, type SessionStats } from '@threadline/core';

const clip = (text: string, max: number): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/** A readable report of one session: chain, summaries, stats, and the next context. */
export function renderSessionReport(input: {
  sessionId: string;
  chain: SegmentRecord[];
  stats: SessionStats;
  messages: ChatMessage[];
  contextTokens: number;
}): string {
  const { sessionId, chain, stats, messages } = input;
  const lines: string[] = [];
  lines.push(`══ session ${sessionId} (${stats.state}) ══`);
  lines.push('chain:');
  for (const s of chain) {
    const c = s.counters;
    lines.push(
      `  #${s.index} ${s.id.padEnd(28)} ${s.status.padEnd(10)} seq ${s.fromSeq}-${s.toSeq === null ? '…' : s.toSeq - 1}  turns ${c.turns}  tools ${c.toolCalls}  tokens ${c.contextTokens}  ${formatUsd(c.costNano)}`,
    );
    if (s.summary) {
      const m = s.summary;
      lines.push(
        `     summary (${m.kind}${m.model ? `, ${m.model}` : ''}, ${m.contextTokens} tokens, ${formatUsd(m.costNano)}${m.fallbackReason ? `, fallback: ${m.fallbackReason}` : ''}):`,
      );
      for (const line of m.text.split('\n').slice(0, 8)) lines.push(`       ${clip(line, 110)}`);
    }
  }
  lines.push(
    `stats (all segments): ${stats.totalMessages} messages (${stats.userMessages} user, ${stats.aiMessages} ai), ${stats.toolCalls} tool calls (${stats.toolErrors} failed), ${stats.totalTokens} tokens, ${formatUsd(stats.costNano)}; summaries ${stats.summaries.made} made, ${stats.summaries.pending} pending`,
  );
  lines.push(`next context for the model (${messages.length} messages, ${input.contextTokens} tokens):`);
  for (const m of messages) {
    const body =
      m.role === 'assistant' && m.tool_calls
        ? `tool_calls ${m.tool_calls.map((t) => `${t.function.name}(${t.function.arguments})`).join(', ')}`
        : (m.content ?? '');
    lines.push(`  ${m.role.padEnd(9)} ${clip(body, 110)}`);
  }
  return lines.join('\n');
}
