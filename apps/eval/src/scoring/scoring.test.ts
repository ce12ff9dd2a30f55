import { beforeAll, describe, expect, it } from 'vitest';
import { defaultTokenCounter, type ChatMessage } from '@threadline/core';
import type { Conversation } from '../generator/conversation.ts';
import { TruncationBaseline } from '../methods/truncation-baseline.ts';
import { ContextTokens } from './context-tokens.ts';
import { valueRecalled } from './context-text.ts';
import { judgeContinuation } from './continuation-check.ts';
import { judgeDecision } from './decision-check.ts';
import { emptyScore, scoreWindow, type ProbePoint } from './probe-score.ts';
import { RenderedConversation, renderScriptEvent } from './rendered-conversation.ts';
import { matchVerbatim } from './verbatim-match.ts';

const tokens = new ContextTokens();
beforeAll(() => tokens.prepare());

const sys = (content: string): ChatMessage => ({ role: 'system', content });
const user = (content: string): ChatMessage => ({ role: 'user', content });
const assistant = (content: string): ChatMessage => ({ role: 'assistant', content });

/** A small hand-made conversation: a fact, a tool call holding an artifact, a revised decision. */
const conversation: Conversation = {
  id: 'hand-made',
  domain: 'travel',
  seed: 0,
  attempts: 1,
  systemPrompt: 'You plan trips.',
  turns: 9,
  events: [
    { type: 'user', content: 'We arrive on May 14th. Find us a hotel near the cathedral.' },
    { type: 'assistant', content: 'Let me search that for you.' },
    {
      type: 'tool',
      tool: 'search_hotels',
      arguments: { near: 'cathedral' },
      result: { results: [{ name: 'Hotel A', url: 'https://book.example/r/abc123xyz' }] },
      error: null,
    },
    { type: 'assistant', content: 'I found one near the cathedral, with a refundable room.' },
    { type: 'user', content: "Let's book the Hotel Almirante." },
    { type: 'assistant', content: 'The Hotel Almirante it is.' },
    { type: 'user', content: 'Actually, change the hotel to the Casa Amora.' },
    { type: 'assistant', content: 'Done, the Casa Amora then.' },
    { type: 'user', content: 'Thanks!' },
    { type: 'user', content: 'Send me the booking link for that place again.' },
  ],
  facts: [{ id: 'f1', category: 'date', value: 'May 14th', eventIndex: 0 }],
  artifacts: [
    {
      id: 'a1',
      category: 'url',
      value: 'https://book.example/r/abc123xyz',
      eventIndex: 2,
      recordIndex: 0,
      recordCount: 1,
      resultBytes: 80,
      referencedAt: [9],
    },
  ],
  decisions: [
    {
      id: 'd1',
      subject: 'the hotel',
      oldValue: 'Hotel Almirante',
      newValue: 'Casa Amora',
      decidedAt: 4,
      revisedAt: 6,
      oldMentions: [4, 5],
      newMentions: [6, 7],
    },
  ],
};
const last = conversation.events.length - 1;
const rendered = () => new RenderedConversation(conversation, tokens);
const everything = (): ChatMessage[] => [
  sys(conversation.systemPrompt),
  ...conversation.events.flatMap((e, i) => renderScriptEvent(e, i)),
];

describe('valueRecalled', () => {
  it('finds a value in any message, in tool arguments and results, whatever the case and spacing', () => {
    expect(valueRecalled([user('we arrive on may   14th')], 'May 14th')).toBe(true);
    expect(valueRecalled(everything(), 'https://book.example/r/abc123xyz')).toBe(true);
    const call: ChatMessage = {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'c', type: 'function', function: { name: 'f', arguments: '{"q":"X-42"}' } },
      ],
    };
    expect(valueRecalled([call], 'x-42')).toBe(true);
  });

  it('does not find a value that is absent or cut', () => {
    expect(valueRecalled([user('We arrive on May 14.')], 'May 14th')).toBe(false);
    expect(valueRecalled([], 'May 14th')).toBe(false);
  });
});

describe('judgeDecision', () => {
  it('scores 1 when only the new value is there, or it is mentioned last', () => {
    expect(judgeDecision([user('Book Casa Amora.')], 'Hotel Almirante', 'Casa Amora')).toEqual({
      oldPresent: false,
      newPresent: true,
      latestWins: true,
      staleOnly: false,
    });
    const both = [user('Book the Hotel Almirante.'), assistant('Switched to Casa Amora.')];
    expect(judgeDecision(both, 'Hotel Almirante', 'Casa Amora').latestWins).toBe(true);
  });

  it('counts a line that names both values as the new one', () => {
    const summary = sys('Summary:\n- Hotel: Casa Amora (instead of Hotel Almirante)');
    expect(judgeDecision([summary], 'Hotel Almirante', 'Casa Amora').latestWins).toBe(true);
  });

  it('scores 0 when the old value is mentioned last, and flags stale-only when the new is missing', () => {
    const reversed = [assistant('Switched to Casa Amora.'), user('Book the Hotel Almirante.')];
    expect(judgeDecision(reversed, 'Hotel Almirante', 'Casa Amora')).toMatchObject({
      latestWins: false,
      staleOnly: false,
    });
    const stale = [sys('Summary:\nThe hotel is Hotel Almirante.\nThey arrive on May 14th.')];
    expect(judgeDecision(stale, 'Hotel Almirante', 'Casa Amora')).toEqual({
      oldPresent: true,
      newPresent: false,
      latestWins: false,
      staleOnly: true,
    });
    expect(judgeDecision([], 'Hotel Almirante', 'Casa Amora')).toMatchObject({
      latestWins: false,
      staleOnly: false,
    });
  });
});

describe('judgeContinuation', () => {
  it('holds when both the latest user message and the last reply are there verbatim', () => {
    expect(
      judgeContinuation([user('Hi there.'), assistant('Hello!')], 'Hi there.', 'Hello!'),
    ).toEqual({ user: true, assistant: true, both: true });
  });

  it('fails on a paraphrase, a missing message or a wrong role', () => {
    expect(judgeContinuation([user('Hi there')], 'Hi there.', null)).toMatchObject({
      user: false,
      both: false,
    });
    expect(judgeContinuation([assistant('Hi there.')], 'Hi there.', null).user).toBe(false);
    expect(judgeContinuation([user('Hi there.')], 'Hi there.', 'Hello!')).toEqual({
      user: true,
      assistant: false,
      both: false,
    });
  });
});

describe('ContextTokens', () => {
  it("counts a tool call's message like the project's TokenCounter counts the call", async () => {
    await defaultTokenCounter.prepare(['gpt-4o-mini']);
    const [call, result] = renderScriptEvent(conversation.events[2]!, 2);
    const parts = defaultTokenCounter.countToolCallParts(
      {
        tool: 'search_hotels',
        arguments: { near: 'cathedral' },
        result: (conversation.events[2] as { result: unknown }).result,
      },
      'gpt-4o-mini',
    );
    expect(tokens.message(call!)).toBe(parts.call);
    expect(tokens.message(result!)).toBe(parts.result);
    expect(tokens.messages([call!, result!])).toBe(parts.call + parts.result + 3);
  });
});

describe('matchVerbatim', () => {
  it('tells the summary from the system prompt and the verbatim events', () => {
    const summary = sys('Summary of the conversation so far:\nThey arrive on May 14th.');
    const tail = conversation.events.slice(6).flatMap((e, i) => renderScriptEvent(e, i + 6));
    const view = matchVerbatim(
      [sys(conversation.systemPrompt), summary, ...tail],
      rendered(),
      last,
    );
    expect(view.systemPrompt).toBe(true);
    expect(view.summaryMessages).toEqual([summary]);
    expect([...view.verbatimEvents].sort((a, b) => a - b)).toEqual([6, 7, 8, 9]);
  });

  it('matches tool JSON whatever its key order and ids, and needs both halves of a tool call', () => {
    const [call, result] = renderScriptEvent(conversation.events[2]!, 2) as [
      Extract<ChatMessage, { role: 'assistant' }>,
      Extract<ChatMessage, { role: 'tool' }>,
    ];
    const reordered: ChatMessage[] = [
      { ...call, tool_calls: [{ ...call.tool_calls![0]!, id: 'call_x' }] },
      {
        ...result,
        tool_call_id: 'call_x',
        content: JSON.stringify({
          results: [{ url: 'https://book.example/r/abc123xyz', name: 'Hotel A' }],
        }),
      },
    ];
    expect([...matchVerbatim(reordered, rendered(), last).verbatimEvents]).toEqual([2]);
    const halfView = matchVerbatim([call], rendered(), last);
    expect(halfView.verbatimEvents.size).toBe(0);
    expect(halfView.summaryMessages).toEqual([]);
  });

  it('counts a clipped tool result as part of its event, neither verbatim nor summary', () => {
    const [call, result] = renderScriptEvent(conversation.events[2]!, 2) as [
      Extract<ChatMessage, { role: 'assistant' }>,
      Extract<ChatMessage, { role: 'tool' }>,
    ];
    const clipped: ChatMessage = {
      ...result,
      content: `${String(result.content).slice(0, 20)}\n[… 1,240 tokens of this result left out …]\n`,
    };
    const view = matchVerbatim([call, clipped], rendered(), last);
    expect(view.clippedMessages).toEqual([clipped]);
    expect(view.summaryMessages).toEqual([]);
    expect(view.verbatimEvents.size).toBe(0);
  });
});

describe('scoreWindow', () => {
  const point = (segmentOf: number[], kind: ProbePoint['kind'] = 'end'): ProbePoint => ({
    kind,
    eventIndex: last,
    openSegment: Math.max(...segmentOf),
    segmentOf,
  });
  const sealedAllButLast = conversation.events.map((_, i) => (i < 8 ? 0 : 1));

  it('scores 1 everywhere for the whole history verbatim within the budget', () => {
    const score = emptyScore();
    const all = everything();
    const used = tokens.messages(all);
    scoreWindow(
      score,
      rendered(),
      point(sealedAllButLast),
      { messages: all, reportedUsed: used },
      used,
      tokens,
    );
    expect(score.facts).toEqual({ eligible: 1, hit: 1 });
    expect(score.artifacts).toEqual({ eligible: 1, hit: 1 });
    expect(score.recallByAge).toEqual({ '1': { eligible: 2, hit: 2 } });
    expect(score.decisions).toEqual({ eligible: 1, latestWins: 1, staleOnly: 0, newPresent: 1 });
    expect(score.continuation).toEqual({ probes: 1, user: 1, assistant: 1, both: 1 });
    expect(score.overBudget).toBe(0);
    expect(score.usedMismatch.probes).toBe(0);
    expect(score.fill.probes).toBe(0); // the history is not longer than this budget
    expect(score.end).toMatchObject({ summaryTokens: 0, replacedTokens: 0, verbatimEvents: 10 });
  });

  it('scores 0 for a context with the system prompt only, and measures its fill', () => {
    const score = emptyScore();
    const messages = [sys(conversation.systemPrompt)];
    const used = tokens.messages(messages);
    scoreWindow(
      score,
      rendered(),
      point(sealedAllButLast, 'seal'),
      { messages, reportedUsed: used },
      100,
      tokens,
    );
    expect(score.facts).toEqual({ eligible: 1, hit: 0 });
    expect(score.artifacts).toEqual({ eligible: 1, hit: 0 });
    expect(score.decisions).toEqual({ eligible: 1, latestWins: 0, staleOnly: 0, newPresent: 0 });
    expect(score.continuation).toEqual({ probes: 1, user: 0, assistant: 0, both: 0 });
    expect(score.sealProbes).toBe(1);
    expect(score.fill.probes).toBe(1);
    expect(score.fill.ownMin).toBeCloseTo(used / 100);
    expect(score.fill.ownAt90).toBe(0);
  });

  it('counts nothing planted in the open segment, over-budget contexts and report mismatches', () => {
    const score = emptyScore();
    const all = everything();
    const own = tokens.messages(all);
    scoreWindow(
      score,
      rendered(),
      point(conversation.events.map(() => 0)),
      { messages: all, reportedUsed: own - 1 },
      own - 5,
      tokens,
    );
    expect(score.facts.eligible + score.artifacts.eligible + score.decisions.eligible).toBe(0);
    expect(score.overBudget).toBe(1);
    expect(score.usedMismatch).toEqual({
      probes: 1,
      examples: [{ eventIndex: last, reported: own - 1, own }],
    });
  });

  it('measures a summary against the events it stands for', () => {
    const score = emptyScore();
    const summary = sys('Summary of the conversation so far:\nMay 14th; hotel Casa Amora.');
    const tail = conversation.events.slice(8).flatMap((e, i) => renderScriptEvent(e, i + 8));
    const r = rendered();
    scoreWindow(
      score,
      r,
      point(sealedAllButLast),
      { messages: [sys(conversation.systemPrompt), summary, ...tail], reportedUsed: null },
      8000,
      tokens,
    );
    const replaced = r.eventTokens.slice(0, 8).reduce((a, b) => a + b, 0);
    expect(score.end).toMatchObject({
      summaryTokens: tokens.message(summary),
      summaryMessages: 1,
      replacedTokens: replaced,
      verbatimEvents: 2,
    });
  });
});

describe('TruncationBaseline', () => {
  it('keeps the newest whole events that fit, a tool call with its result', () => {
    const r = rendered();
    const baseline = new TruncationBaseline(r);
    conversation.events.forEach((e, i) => baseline.record(e, i));
    const budget = r.baseTokens + r.eventTokens.slice(2).reduce((a, b) => a + b, 0);
    const window = baseline.window(budget);
    expect(window.messages).toEqual([
      sys(conversation.systemPrompt),
      ...conversation.events.slice(2).flatMap((e, i) => renderScriptEvent(e, i + 2)),
    ]);
    expect(tokens.messages(window.messages)).toBe(budget);
    const tighter = baseline.window(budget - 1);
    expect(tighter.messages[1]).toEqual(renderScriptEvent(conversation.events[3]!, 3)[0]);
    expect(tokens.messages(tighter.messages)).toBeLessThanOrEqual(budget - 1);
  });
});
