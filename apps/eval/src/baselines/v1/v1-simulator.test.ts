import { beforeAll, describe, expect, it } from 'vitest';
import { defaultTokenCounter } from '@threadline/core';
import { V1_DEFAULTS, V1Simulator, type V1Settings } from './v1-simulator.ts';

const settings = (over: Partial<V1Settings>): V1Settings => ({
  systemPrompt: 'Be brief.',
  tokenThreshold: 4000,
  maxTurnsPerSegment: 1000,
  summaryMaxTokens: 200,
  model: V1_DEFAULTS.defaultModel,
  ...over,
});
const userTokens = (text: string) =>
  defaultTokenCounter.countText(text, 'gpt-4o-mini') +
  3 +
  defaultTokenCounter.countText('user', 'gpt-4o-mini');

beforeAll(() => defaultTokenCounter.prepare(['gpt-4o-mini']));

describe('V1Simulator (the frozen 1ad38c6 pipeline)', () => {
  const first = 'We arrive on May 14th and leave on May 20th.';

  it('seals before a turn once the open segment reaches the threshold (>=), and summarizes it at once', () => {
    const sim = new V1Simulator(
      settings({ tokenThreshold: userTokens(first) }),
      defaultTokenCounter,
    );
    sim.add({ type: 'user_message', eventId: 'e0', content: first });
    expect(sim.segments).toBe(1);
    sim.add({ type: 'assistant_message', eventId: 'e1', content: 'Noted.' });
    expect(sim.segments).toBe(2);
    const window = sim.context(null);
    expect(window.summaryCoversToSeq).toBe(1);
    expect(window.messages[1]).toMatchObject({ role: 'system' });
    expect(window.messages.at(-1)).toEqual({ role: 'assistant', content: 'Noted.' });
  });

  it('does not seal one token under the threshold, nor on a tool call', () => {
    const sim = new V1Simulator(
      settings({ tokenThreshold: userTokens(first) + 1 }),
      defaultTokenCounter,
    );
    sim.add({ type: 'user_message', eventId: 'e0', content: first });
    sim.add({ type: 'assistant_message', eventId: 'e1', content: 'Noted.' });
    expect(sim.segments).toBe(1);
    const tools = new V1Simulator(settings({ tokenThreshold: 1 }), defaultTokenCounter);
    tools.add({ type: 'user_message', eventId: 'e0', content: first });
    tools.add({
      type: 'tool_call',
      eventId: 'e1',
      tool: 't',
      arguments: {},
      result: { ok: true },
      error: null,
    });
    expect(tools.segments).toBe(1);
  });

  it('seals on the turn count too, and trims whole events from the oldest side to the budget', () => {
    const sim = new V1Simulator(settings({ maxTurnsPerSegment: 2 }), defaultTokenCounter);
    for (let i = 0; i < 5; i++)
      sim.add({ type: 'user_message', eventId: `e${i}`, content: `message ${i}` });
    expect(sim.segments).toBe(3);
    const full = sim.context(null);
    const tight = sim.context(full.used - 1);
    expect(tight.used).toBeLessThanOrEqual(full.used - 1);
    expect(tight.messages.length).toBe(full.messages.length - 1);
  });
});
