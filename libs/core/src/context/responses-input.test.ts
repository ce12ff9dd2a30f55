import { describe, expect, it } from 'vitest';
import { toResponsesInput } from './responses-input.ts';
import type { ChatMessage } from './render-messages.ts';

describe('the Responses format', () => {
  it('gives the system prompt as instructions and each message and tool call as an input item, in order', () => {
    const messages: ChatMessage[] = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Refund?' },
      { role: 'user', content: 'Please.' },
      { role: 'assistant', content: 'Checking.' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_e.1',
            type: 'function',
            function: { name: 'refund', arguments: '{"id":"A"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_e.1', content: 'Error: not eligible' },
      { role: 'assistant', content: 'Not eligible, sorry.' },
    ];
    expect(toResponsesInput(messages)).toEqual({
      instructions: 'Be brief.',
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'Refund?' }] },
        { role: 'user', content: [{ type: 'input_text', text: 'Please.' }] },
        { role: 'assistant', content: [{ type: 'output_text', text: 'Checking.' }] },
        { type: 'function_call', call_id: 'call_e.1', name: 'refund', arguments: '{"id":"A"}' },
        { type: 'function_call_output', call_id: 'call_e.1', output: 'Error: not eligible' },
        { role: 'assistant', content: [{ type: 'output_text', text: 'Not eligible, sorry.' }] },
      ],
    });
  });

  it('has no instructions when there is no system prompt', () => {
    expect(toResponsesInput([{ role: 'user', content: 'Hi' }])).toEqual({
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'Hi' }] }],
    });
  });
});
