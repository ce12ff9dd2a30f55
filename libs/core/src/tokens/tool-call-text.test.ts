import { describe, expect, it } from 'vitest';
import type { EventRecord } from '../session/event-record.ts';
import { toConversation } from '../session/conversation.ts';
import { toolCallLine, toolResultText } from './tool-call-text.ts';

const call = {
  tool: 'search_trains',
  arguments: { to: 'Porto', from: 'Lisbon' },
  result: { trains: ['AP121'], count: 1 },
  error: null,
};

const record = (over: Partial<EventRecord>): EventRecord => ({
  seq: 0,
  segmentIndex: 0,
  eventId: 'e0',
  type: 'tool_call',
  occurredAt: '2026-12-01T00:00:00.000Z',
  metadata: {},
  content: null,
  model: null,
  provider: null,
  usage: null,
  tool: call.tool,
  arguments: call.arguments,
  result: call.result,
  error: null,
  success: true,
  contextTokens: 10,
  promptTokens: 10,
  completionTokens: 0,
  costNano: 0,
  ...over,
});

describe('one rendering of a tool call', () => {
  it('is name(arguments) → result, keys in a stable order', () => {
    expect(toolCallLine(call)).toBe(
      'search_trains({"from":"Lisbon","to":"Porto"}) → {"count":1,"trains":["AP121"]}',
    );
  });

  it('shows a failure as the tool message does (Error: …), and no arguments as {}', () => {
    const failed = { tool: 'book_seat', arguments: undefined, result: null, error: 'timeout' };
    expect(toolResultText(failed)).toBe('Error: timeout');
    expect(toolCallLine(failed)).toBe('book_seat({}) → Error: timeout');
  });

  it('is what getConversation({ includeTools }) shows for a tool call', () => {
    const [entry] = toConversation([record({})], true);
    expect(entry!.content).toBe(toolCallLine(call));
    const [failed] = toConversation(
      [record({ error: 'timeout', result: null, success: false })],
      true,
    );
    expect(failed!.content).toBe('search_trains({"from":"Lisbon","to":"Porto"}) → Error: timeout');
  });
});
