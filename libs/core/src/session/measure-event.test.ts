import { toId } from '../schemas/ids.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { measureEvent, modelsToMeasure, type Meter } from './measure-event.ts';
import { SessionConfigSchema } from '../schemas/session-config.ts';
import { PriceTable } from '../pricing/price-table.ts';
import { TokenCounter } from '../tokens/token-counter.ts';

/**
 * Input and output priced far apart (1 and 1000 USD per million tokens, i.e. 1,000 and
 * 1,000,000 nano-dollars a token), so that pricing tokens on the wrong side cannot pass.
 */
const prices = new PriceTable({ 'test-model': { inputUsdPerMTok: 1, outputUsdPerMTok: 1000 } });
const IN = 1_000;
const OUT = 1_000_000;
const config = SessionConfigSchema.parse({ defaultModel: 'test-model' });
const tokens = new TokenCounter();
const meter: Meter = { tokens, prices };
const at = '2026-01-01T00:00:00.000Z';

beforeAll(() => tokens.prepare(['test-model']));

describe('measuring an event', () => {
  it('prices a tool call and its result as input to the session model, never as output', () => {
    const call = {
      tool: 'search',
      arguments: { q: 'weather in Lyon', limit: 3 },
      result: { hits: ['sunny', 'windy', 'mild'], took: 12 },
    };
    const m = measureEvent(
      { sessionId: toId('s'), eventId: toId('t1'), type: 'tool_call', occurredAt: at, ...call },
      config,
      meter,
    );
    const counted = tokens.countToolCall({ ...call, error: null }, 'test-model');
    expect(counted).toBeGreaterThan(20);
    expect(m.contextTokens).toBe(counted);
    expect(m.promptTokens).toBe(counted);
    expect(m.completionTokens).toBe(0);
    expect(m.costNano).toBe(counted * IN);
  });

  it('prices a failed tool call by its error text, as input', () => {
    const m = measureEvent(
      {
        sessionId: toId('s'),
        eventId: toId('t2'),
        type: 'tool_call',
        occurredAt: at,
        tool: 'search',
        arguments: {},
        error: 'upstream timed out after 30 seconds',
      },
      config,
      meter,
    );
    const counted = tokens.countToolCall(
      { tool: 'search', arguments: {}, result: null, error: 'upstream timed out after 30 seconds' },
      'test-model',
    );
    expect(m.success).toBe(false);
    expect(m.contextTokens).toBe(counted);
    expect(m.costNano).toBe(counted * IN);
  });

  it('counts a user message as the chat format counts it (overhead included), priced as input', () => {
    const content = 'What is the capital of Australia, and why is it not Sydney?';
    const m = measureEvent(
      { sessionId: toId('s'), eventId: toId('u1'), type: 'user_message', occurredAt: at, content },
      config,
      meter,
    );
    expect(m.contextTokens).toBe(tokens.countMessage({ role: 'user', content }, 'test-model'));
    expect(m.promptTokens).toBe(tokens.countText(content, 'test-model'));
    expect(m.contextTokens - m.promptTokens).toBeGreaterThanOrEqual(4);
    expect(m.costNano).toBe(m.promptTokens * IN);
  });

  it("prices what a model wrote as output of that model, and the usage's prompt tokens as input", () => {
    const content = 'Canberra was chosen as a compromise between Sydney and Melbourne.';
    const plain = measureEvent(
      {
        sessionId: toId('s'),
        eventId: toId('a1'),
        type: 'assistant_message',
        occurredAt: at,
        content,
      },
      config,
      meter,
    );
    const counted = tokens.countText(content, 'test-model');
    expect(plain.contextTokens).toBe(
      tokens.countMessage({ role: 'assistant', content }, 'test-model'),
    );
    expect(plain.completionTokens).toBe(counted);
    expect(plain.promptTokens).toBe(0);
    expect(plain.costNano).toBe(counted * OUT);

    const reported = measureEvent(
      {
        sessionId: toId('s'),
        eventId: toId('a2'),
        type: 'assistant_message',
        occurredAt: at,
        content,
        usage: { promptTokens: 120, completionTokens: 40 },
      },
      config,
      meter,
    );
    expect(reported.promptTokens).toBe(120);
    expect(reported.completionTokens).toBe(40);
    expect(reported.costNano).toBe(120 * IN + 40 * OUT);
    // The room in the context is still the text as the session's model counts it.
    expect(reported.contextTokens).toBe(plain.contextTokens);
  });

  it('needs the encodings of the session model and of each reply model, once each', () => {
    const e = { sessionId: toId('s'), occurredAt: at };
    expect(
      modelsToMeasure(
        [
          { ...e, eventId: toId('u'), type: 'user_message', content: 'hi' },
          { ...e, eventId: toId('a'), type: 'assistant_message', content: 'yo', model: 'gpt-4' },
          { ...e, eventId: toId('b'), type: 'assistant_message', content: 'yo', model: 'gpt-4' },
          { ...e, eventId: toId('c'), type: 'assistant_message', content: 'yo' },
          { ...e, eventId: toId('t'), type: 'tool_call', tool: 'gpt-4o', arguments: {} },
        ],
        config,
      ),
    ).toEqual(['test-model', 'gpt-4']);
    expect(modelsToMeasure([], config)).toEqual(['test-model']);
  });
});
