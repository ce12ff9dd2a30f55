import { beforeAll, describe, expect, it } from 'vitest';
import { formatContext } from './context-format.ts';
import { contextOf, records, stateWith, SUPPORT, tokens } from '../../test/conversations.ts';

beforeAll(async () => {
  await tokens.prepare(['gpt-4o-mini']);
});

describe('the context in a provider format', () => {
  it('is today’s chat messages and report for openai', () => {
    const all = records(SUPPORT);
    const window = contextOf(stateWith(all, 7), all, 600);
    expect(formatContext(window, 'openai')).toEqual(window);
    expect(window.report.tokenCount).toBe('exact');
  });

  it('says its count is an estimate in any other format, and for a model whose tokenizer we lack', () => {
    const all = records(SUPPORT);
    const window = contextOf(stateWith(all, 7), all);
    for (const format of ['anthropic', 'gemini', 'responses'] as const)
      expect(formatContext(window, format).report.tokenCount).toBe('estimated');
    const claude = records(SUPPORT, 'claude-sonnet-4-5');
    const claudeWindow = contextOf(stateWith(claude, 7, { model: 'claude-sonnet-4-5' }), claude);
    expect(claudeWindow.report.tokenCount).toBe('estimated');
    const gemini = records(SUPPORT, 'gemini-2.5-pro');
    expect(
      contextOf(stateWith(gemini, 0, { model: 'gemini-2.5-pro' }), gemini).report.tokenCount,
    ).toBe('estimated');
  });

  it('reports the stable prefix as the system prompt and the summary, unchanged by new turns until a summary lands', () => {
    const all = records(SUPPORT);
    const early = contextOf(stateWith(all.slice(0, 9), 7), all.slice(0, 9));
    const later = contextOf(stateWith(all, 7), all);
    const { report } = later;
    expect(report.stablePrefixTokens).toBe(report.system + report.summary);
    expect(report.stablePrefixMessages).toBe(2);
    expect(early.report.stablePrefixTokens).toBe(report.stablePrefixTokens);
    expect(early.messages.slice(0, 2)).toEqual(later.messages.slice(0, 2));
    const landed = contextOf(stateWith(all, 12), all);
    expect(landed.report.stablePrefixTokens).not.toBe(report.stablePrefixTokens);
  });

  it('leaves the system prompt out of the stable prefix when it is not sent', () => {
    const all = records(SUPPORT);
    const { report } = contextOf(stateWith(all, 7), all, null, false);
    expect(report).toMatchObject({ stablePrefixTokens: report.summary, stablePrefixMessages: 1 });
    const none = contextOf(stateWith(all, 0, { systemPrompt: null }), all).report;
    expect(none).toMatchObject({ stablePrefixTokens: 0, stablePrefixMessages: 0 });
  });
});
