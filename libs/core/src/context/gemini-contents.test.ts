import { describe, expect, it } from 'vitest';
import { toGeminiContents } from './gemini-contents.ts';
import { LEADING_USER_TEXT } from './provider-turns.ts';
import type { ChatMessage } from './render-messages.ts';

const call = (id: string, name: string, result: string): ChatMessage[] => [
  {
    role: 'assistant',
    content: null,
    tool_calls: [{ id, type: 'function', function: { name, arguments: '{"city":"Oslo"}' } }],
  },
  { role: 'tool', tool_call_id: id, content: result },
];

describe('the Gemini format', () => {
  it('puts the system prompt in systemInstruction and the turns in contents as user and model', () => {
    const out = toGeminiContents(
      [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: 'Sunny.' },
      ],
      1,
    );
    expect(out).toEqual({
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      contents: [
        { role: 'user', parts: [{ text: 'Weather?' }] },
        { role: 'model', parts: [{ text: 'Sunny.' }] },
      ],
    });
  });

  it('answers each functionCall with a functionResponse of the same name in the next user turn', () => {
    const out = toGeminiContents(
      [
        { role: 'user', content: 'Weather in Oslo?' },
        ...call('call_1', 'weather', '{"tempC":4}'),
        ...call('call_2', 'forecast', 'Error: upstream 503'),
        { role: 'assistant', content: '4 °C now.' },
      ],
      0,
    );
    expect(out.contents.map((c) => c.role)).toEqual([
      'user',
      'model',
      'user',
      'model',
      'user',
      'model',
    ]);
    expect(out.contents[1]!.parts).toEqual([
      { functionCall: { name: 'weather', args: { city: 'Oslo' } } },
    ]);
    expect(out.contents[2]!.parts).toEqual([
      { functionResponse: { name: 'weather', response: { output: { tempC: 4 } } } },
    ]);
    expect(out.contents[4]!.parts).toEqual([
      { functionResponse: { name: 'forecast', response: { error: 'upstream 503' } } },
    ]);
  });

  it('merges consecutive turns of one role and opens with a user turn', () => {
    const out = toGeminiContents(
      [
        { role: 'assistant', content: 'Hello!' },
        { role: 'assistant', content: 'How can I help?' },
        { role: 'user', content: 'a' },
        { role: 'user', content: 'b' },
      ],
      0,
    );
    expect(out.contents).toEqual([
      { role: 'user', parts: [{ text: LEADING_USER_TEXT }] },
      { role: 'model', parts: [{ text: 'Hello!' }, { text: 'How can I help?' }] },
      { role: 'user', parts: [{ text: 'a' }, { text: 'b' }] },
    ]);
  });

  it('keeps a clipped result as text under output', () => {
    const out = toGeminiContents(
      [
        { role: 'user', content: 'go' },
        ...call('c', 'weather', '{"days":[1,2\n[… 900 tokens of this result left out …]\n9]}'),
      ],
      0,
    );
    expect(out.contents[2]!.parts[0]).toMatchObject({
      functionResponse: { response: { output: expect.stringContaining('left out') } },
    });
  });
});
