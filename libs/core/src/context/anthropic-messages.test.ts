import { describe, expect, it } from 'vitest';
import { anthropicToolId, toAnthropicMessages } from './anthropic-messages.ts';
import { LEADING_USER_TEXT } from './provider-turns.ts';
import { renderSummaryMessage, type ChatMessage } from './render-messages.ts';

const system: ChatMessage = { role: 'system', content: 'Be brief.' };
const summary = renderSummaryMessage('Facts:\n- User: order ORD-1');
const call = (id: string, name = 'lookup', args = '{"id":"ORD-1"}'): ChatMessage[] => [
  {
    role: 'assistant',
    content: null,
    tool_calls: [{ id, type: 'function', function: { name, arguments: args } }],
  },
  { role: 'tool', tool_call_id: id, content: '{"status":"shipped"}' },
];

describe('the Anthropic format', () => {
  it('puts the system prompt in `system`, never among the messages', () => {
    const out = toAnthropicMessages([system, { role: 'user', content: 'Hi' }], 1);
    expect(out.system).toEqual([
      { type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } },
    ]);
    expect(out.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }]);
    expect(toAnthropicMessages([{ role: 'user', content: 'Hi' }], 0)).not.toHaveProperty('system');
  });

  it('merges consecutive messages of one role so that roles alternate, starting with the user', () => {
    const out = toAnthropicMessages(
      [
        { role: 'user', content: 'one' },
        { role: 'user', content: 'two' },
        { role: 'assistant', content: 'Let me check.' },
        ...call('call_a'),
        { role: 'user', content: 'three' },
        { role: 'assistant', content: 'Done.' },
        { role: 'assistant', content: 'Anything else?' },
      ],
      0,
    );
    expect(out.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(out.messages[0]!.content.map((b) => b.type === 'text' && b.text)).toEqual([
      'one',
      'two',
    ]);
    expect(out.messages[1]!.content.map((b) => b.type)).toEqual(['text', 'tool_use']);
    // The result comes first in its user turn, the user's next words after it.
    expect(out.messages[2]!.content.map((b) => b.type)).toEqual(['tool_result', 'text']);
    expect(out.messages[3]!.content).toHaveLength(2);
  });

  it('opens with a user turn saying earlier turns are not shown when the context opens with the assistant', () => {
    const out = toAnthropicMessages(
      [...call('call_a'), { role: 'assistant', content: 'Shipped.' }],
      0,
    );
    expect(out.messages[0]).toEqual({
      role: 'user',
      content: [{ type: 'text', text: LEADING_USER_TEXT }],
    });
    expect(out.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
  });

  it('pairs each tool_use with its tool_result by an id Anthropic accepts, distinct ids kept distinct', () => {
    const ids = ['call_evt.1', 'call_evt_2e1', 'call_a-b'];
    const out = toAnthropicMessages(
      [{ role: 'user', content: 'go' }, ...ids.flatMap((id) => call(id))],
      0,
    );
    const uses = out.messages.flatMap((m) => m.content).filter((b) => b.type === 'tool_use');
    const results = out.messages.flatMap((m) => m.content).filter((b) => b.type === 'tool_result');
    expect(uses.map((b) => b.id)).toEqual(results.map((b) => b.tool_use_id));
    expect(new Set(uses.map((b) => b.id)).size).toBe(3);
    for (const b of uses) expect(b.id).toMatch(/^[a-zA-Z0-9_-]+$/);
    expect(anthropicToolId('call_a-b')).toBe('call_5fa-b');
    expect(anthropicToolId('call_evt.1')).not.toBe(anthropicToolId('call_evt_2e1'));
  });

  it('marks a failed tool with is_error and its error text', () => {
    const [use, result] = call('call_x');
    const failed: ChatMessage = {
      ...(result as Extract<ChatMessage, { role: 'tool' }>),
      content: 'Error: carrier API timed out',
    };
    const out = toAnthropicMessages([{ role: 'user', content: 'go' }, use!, failed], 0);
    expect(out.messages[2]!.content[0]).toEqual({
      type: 'tool_result',
      tool_use_id: 'call_5fx',
      content: 'carrier API timed out',
      is_error: true,
    });
  });

  it('gives tool_use an object input even when the arguments are not one', () => {
    const out = toAnthropicMessages(
      [{ role: 'user', content: 'go' }, ...call('c', 'kb', '["a"]')],
      0,
    );
    expect(out.messages[1]!.content[0]).toMatchObject({ input: { arguments: ['a'] } });
  });

  it('puts the cache breakpoint on the last block of the stable prefix, and only there', () => {
    const turns: ChatMessage[] = [{ role: 'user', content: 'Next question' }];
    const breakpoints = (out: ReturnType<typeof toAnthropicMessages>) =>
      [...(out.system ?? []), ...out.messages.flatMap((m) => m.content)].filter(
        (b) => 'cache_control' in b && b.cache_control,
      );
    // System and summary: on the summary's text, which the next user message merges after.
    const both = toAnthropicMessages([system, summary, ...turns], 2);
    expect(both.system![0]).not.toHaveProperty('cache_control');
    expect(both.messages[0]!.content[0]).toMatchObject({
      text: summary.content,
      cache_control: { type: 'ephemeral' },
    });
    expect(breakpoints(both)).toHaveLength(1);
    // Summary without the system prompt.
    const summaryOnly = toAnthropicMessages([summary, ...turns], 1);
    expect(summaryOnly.messages[0]!.content[0]).toMatchObject({
      cache_control: { type: 'ephemeral' },
    });
    expect(breakpoints(summaryOnly)).toHaveLength(1);
    // System prompt only: on the system block.
    expect(breakpoints(toAnthropicMessages([system, ...turns], 1))).toEqual([
      { type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } },
    ]);
    // No stable prefix, no breakpoint.
    expect(breakpoints(toAnthropicMessages(turns, 0))).toEqual([]);
  });
});
