import { describe, expect, it } from 'vitest';
import { EmbeddedRuntime } from './index.ts';
import {
  getConversationHistory,
  getSessionStats,
  quickConversation,
  trackConversation,
  trackLlmCall,
  trackToolUse,
} from './simple-api.ts';
import { unwrapLlmResponse } from './llm-response.ts';

describe('the simple helpers', () => {
  it('tracks a conversation and reads it back by session id', async () => {
    const runtime = new EmbeddedRuntime();
    const sessionId = await trackConversation('What is 2+2?', '4', { runtime, model: 'gpt-4o' });
    const history = await getConversationHistory(sessionId, { runtime });
    expect(history.map((e) => [e.role, e.content])).toEqual([
      ['user', 'What is 2+2?'],
      ['assistant', '4'],
    ]);
    expect((await getSessionStats(sessionId, { runtime })).totalMessages).toBe(2);
  });

  it('unwraps an OpenAI-style chat completion, its model and usage included', async () => {
    const runtime = new EmbeddedRuntime();
    const completion = {
      model: 'gpt-4o-mini-2024-07-18',
      choices: [{ message: { content: 'Paris.' } }],
      usage: { prompt_tokens: 21, completion_tokens: 2, total_tokens: 23 },
    };
    const { text, sessionId } = await trackLlmCall('Capital of France?', async () => completion, {
      runtime,
    });
    expect(text).toBe('Paris.');
    const history = await getConversationHistory(sessionId, { runtime });
    expect(history[1]).toMatchObject({
      role: 'assistant',
      content: 'Paris.',
      model: 'gpt-4o-mini-2024-07-18',
    });
    const stats = await getSessionStats(sessionId, { runtime });
    expect(stats.completionTokens).toBe(2);
    expect(unwrapLlmResponse('plain').text).toBe('plain');
    expect(() => unwrapLlmResponse({ choices: [] })).toThrow(
      /expected a string, an OpenAI chat completion/,
    );
  });

  it('tracks tool use into an existing session', async () => {
    const runtime = new EmbeddedRuntime();
    const sessionId = await trackConversation('hi', 'hello', { runtime });
    await trackToolUse('calculator', { expr: '2+2' }, 4, { runtime, sessionId });
    await trackToolUse('calculator', { expr: '1/0' }, null, {
      runtime,
      sessionId,
      error: 'division by zero',
    });
    const stats = await getSessionStats(sessionId, { runtime });
    expect(stats).toMatchObject({ toolCalls: 2, toolErrors: 1, totalMessages: 2 });
  });

  it('gives the stats of a one-exchange session', async () => {
    const stats = await quickConversation('ping', 'pong', { runtime: new EmbeddedRuntime() });
    expect(stats).toMatchObject({ totalMessages: 2, userMessages: 1, aiMessages: 1 });
  });
});
