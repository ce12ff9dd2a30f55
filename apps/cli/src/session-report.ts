import {
  formatUsd,
  type ChatMessage,
  type SegmentRecord,
  type SessionStats,
} from '@threadline/core';
import { renderFacts, renderTable } from './text-table.ts';

const clip = (text: string, max: number): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

export interface SessionReportInput {
  sessionId: string;
  /** Shown in the title when given (`threadline inspect`). */
  tenant?: string;
  chain: SegmentRecord[];
  stats: SessionStats;
  messages: ChatMessage[];
  contextTokens: number;
  /** Lines of each summary's text to show. @defaultValue 8 */
  summaryLines?: number;
}

/**
 * A readable report of one session: the chain as a table (each segment's status, counts,
 * cost, and its summary's kind, model, tokens and cost), the summaries' text, the stats of
 * the whole chain, and the context the model would get next.
 */
export function renderSessionReport(input: SessionReportInput): string {
  const { sessionId, chain, stats, messages } = input;
  const lines: string[] = [];
  lines.push(
    `══ session ${sessionId}${input.tenant ? ` (tenant ${input.tenant})` : ''}: ${stats.state} ══`,
  );
  lines.push('chain:');
  lines.push(
    renderTable(
      [
        { header: '#', align: 'right' },
        { header: 'segment' },
        { header: 'status' },
        { header: 'seq', align: 'right' },
        { header: 'turns', align: 'right' },
        { header: 'tools', align: 'right' },
        { header: 'ctx.tokens', align: 'right' },
        { header: 'cost', align: 'right' },
        { header: 'summary' },
        { header: 'model' },
        { header: 'sum.tokens', align: 'right' },
        { header: 'sum.cost', align: 'right' },
      ],
      chain.map((s) => {
        const c = s.counters;
        const m = s.summary;
        const seq = s.toSeq === null ? `${s.fromSeq}-…` : `${s.fromSeq}-${s.toSeq - 1}`;
        return [
          String(s.index),
          s.id,
          s.status,
          seq,
          String(c.turns),
          String(c.toolCalls),
          String(c.contextTokens),
          formatUsd(c.costNano),
          m
            ? m.kind + (m.fallbackReason ? ' (fallback)' : '')
            : s.status === 'sealed'
              ? 'pending'
              : '-',
          m?.model ?? '-',
          m ? String(m.contextTokens) : '-',
          m ? formatUsd(m.costNano) : '-',
        ];
      }),
      '  ',
    ),
  );
  const summarized = chain.filter((s) => s.summary);
  if (summarized.length) {
    lines.push('summaries:');
    for (const s of summarized) {
      const m = s.summary!;
      lines.push(
        `  #${s.index} ${m.kind}${m.model ? ` by ${m.model}` : ''}${m.fallbackReason ? `, fallback: ${clip(m.fallbackReason, 80)}` : ''}:`,
      );
      for (const line of m.text.split('\n').slice(0, input.summaryLines ?? 8))
        lines.push(`     ${clip(line, 110)}`);
    }
  }
  lines.push('stats (all segments):');
  lines.push(
    renderFacts(
      [
        ['messages', `${stats.totalMessages} (${stats.userMessages} user, ${stats.aiMessages} ai)`],
        ['tool calls', `${stats.toolCalls} (${stats.toolErrors} failed)`],
        ['events', String(stats.events)],
        [
          'tokens',
          `${stats.totalTokens} (${stats.promptTokens} prompt, ${stats.completionTokens} completion)`,
        ],
        ['cost', formatUsd(stats.costNano)],
        [
          'summaries',
          `${stats.summaries.made} made (${stats.summaries.llm} llm, ${stats.summaries.extractive} extractive, ${stats.summaries.custom} custom), ${stats.summaries.pending} pending, ${formatUsd(stats.summaries.costNano)}`,
        ],
        [
          'config',
          `infinite context ${stats.infiniteContext ? 'on' : 'off'}, ${stats.maxTurnsPerSegment} turns or ${stats.tokenThreshold} tokens per segment`,
        ],
        ['updated', stats.lastUpdate],
      ],
      '  ',
    ),
  );
  lines.push(
    `next context for the model (${messages.length} messages, ${input.contextTokens} tokens):`,
  );
  for (const m of messages) {
    const body =
      m.role === 'assistant' && m.tool_calls
        ? `tool_calls ${m.tool_calls.map((t) => `${t.function.name}(${t.function.arguments})`).join(', ')}`
        : (m.content ?? '');
    lines.push(`  ${m.role.padEnd(9)} ${clip(body, 110)}`);
  }
  return lines.join('\n');
}
