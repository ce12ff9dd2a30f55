import { beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { CONTEXT_FORMATS, formatContext, type ContextWindow } from '../src/index.ts';
import { contextOf, records, stateWith, SUPPORT, tokens, type Spec } from './conversations.ts';
import { AnthropicMessagesRequest } from './provider-request-schemas/anthropic-messages-request.ts';
import { GeminiGenerateContentRequest } from './provider-request-schemas/gemini-generate-content-request.ts';
import { OpenAiChatRequest } from './provider-request-schemas/openai-chat-request.ts';
import { OpenAiResponsesRequest } from './provider-request-schemas/openai-responses-request.ts';

beforeAll(async () => {
  await tokens.prepare(['gpt-4o-mini', 'claude-sonnet-4-5']);
});

/** The request body each format's output is spread into, checked by its provider's schema. */
const SCHEMAS: Record<(typeof CONTEXT_FORMATS)[number], z.ZodType> = {
  openai: OpenAiChatRequest,
  anthropic: AnthropicMessagesRequest,
  gemini: GeminiGenerateContentRequest,
  responses: OpenAiResponsesRequest,
};

function expectValid(window: ContextWindow, label: string) {
  for (const format of CONTEXT_FORMATS) {
    const { report, ...body } = formatContext(window, format);
    expect(report.used).toBe(window.report.used);
    const result = SCHEMAS[format].safeParse(body);
    expect(
      result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
      `${label}, ${format}`,
    ).toEqual([]);
  }
}

/** Every window of interest of a conversation: no budget, budgets from tight to ample. */
function windowsOf(specs: Spec[], coversToSeq: number, model?: string) {
  const all = records(specs, model);
  const state = stateWith(all, coversToSeq, { model });
  const out: Array<[string, ContextWindow]> = [];
  for (const budget of [null, 4000, 600, 300, 200, 120]) {
    out.push([`budget ${budget}`, contextOf(state, all, budget)]);
    out.push([`budget ${budget} without system`, contextOf(state, all, budget, false)]);
  }
  return out;
}

describe('every format is a valid request for its provider', () => {
  it('for a support conversation with tool calls, a failed tool and consecutive user messages', () => {
    for (const [label, window] of windowsOf(SUPPORT, 0)) expectValid(window, label);
  });

  it('for the same conversation once a summary covers its first half', () => {
    for (const [label, window] of windowsOf(SUPPORT, 7)) expectValid(window, label);
  });

  it('for a context that opens with a tool call or an assistant reply', () => {
    const all = records(SUPPORT);
    for (const from of [2, 3, 9]) {
      const window = contextOf(stateWith(all, 0, { systemPrompt: null }), all.slice(from));
      expect(['assistant'].includes(window.messages[0]!.role)).toBe(true);
      expectValid(window, `from seq ${from}`);
    }
  });

  it('for a Claude session, whose counts are estimates', () => {
    for (const [label, window] of windowsOf(SUPPORT, 7, 'claude-sonnet-4-5')) {
      expect(window.report.tokenCount).toBe('estimated');
      expectValid(window, label);
    }
  });

  it('for a conversation of many tool calls and replies (an agent loop), all budgets', () => {
    const loop: Spec[] = [
      { type: 'user_message', content: 'Find me a flight to Porto under 200 EUR.' },
    ];
    for (let i = 0; i < 12; i++) {
      loop.push({
        type: 'tool_call',
        tool: 'search_flights',
        arguments: { to: 'OPO', page: i },
        result: i % 4 === 3 ? null : { flights: [{ id: `TP${1900 + i}`, priceEur: 150 + i * 9 }] },
        ...(i % 4 === 3 ? { error: 'rate limited' } : {}),
      });
      if (i % 3 === 2)
        loop.push({ type: 'assistant_message', content: `Page ${i}: still looking.` });
    }
    loop.push({ type: 'assistant_message', content: 'TP1900 at 150 EUR is the cheapest.' });
    for (const covers of [0, 8]) {
      for (const [label, window] of windowsOf(loop, covers))
        expectValid(window, `${covers} ${label}`);
    }
  });
});

describe('the provider schemas', () => {
  // The checks above are only worth something if the schemas refuse what the providers refuse.
  it('refuse what each provider refuses', () => {
    expect(
      AnthropicMessagesRequest.safeParse({
        messages: [{ role: 'assistant', content: [{ type: 'text', text: 'Hi' }] }],
      }).success,
    ).toBe(false);
    expect(
      AnthropicMessagesRequest.safeParse({
        messages: [
          { role: 'user', content: 'a' },
          {
            role: 'assistant',
            content: [{ type: 'tool_use', id: 'call.1', name: 't', input: {} }],
          },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call.1', content: 'x' }] },
        ],
      }).success,
    ).toBe(false);
    expect(
      AnthropicMessagesRequest.safeParse({
        messages: [
          { role: 'user', content: 'a' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'c1', name: 't', input: {} }] },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'b' },
              { type: 'tool_result', tool_use_id: 'c1', content: 'x' },
            ],
          },
        ],
      }).success,
    ).toBe(false);
    expect(
      GeminiGenerateContentRequest.safeParse({
        contents: [{ role: 'model', parts: [{ functionCall: { name: 't', args: {} } }] }],
      }).success,
    ).toBe(false);
    expect(
      GeminiGenerateContentRequest.safeParse({
        contents: [
          { role: 'user', parts: [{ text: 'a' }] },
          { role: 'model', parts: [{ functionCall: { name: 't', args: [] } }] },
        ],
      }).success,
    ).toBe(false);
    expect(
      OpenAiResponsesRequest.safeParse({
        input: [{ role: 'assistant', content: [{ type: 'input_text', text: 'a' }] }],
      }).success,
    ).toBe(false);
    expect(
      OpenAiResponsesRequest.safeParse({
        input: [{ type: 'function_call_output', call_id: 'c1', output: 'x' }],
      }).success,
    ).toBe(false);
  });
});
