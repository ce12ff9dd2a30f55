import { beforeAll, describe, expect, it } from 'vitest';
import { renderSummaryMessage, summaryTextCap } from './render-messages.ts';
import { defaultTokenCounter } from '../tokens/token-counter.ts';
import { createExtractiveSummarizer } from '../session/summarizer-port.ts';
import type { EventRecord } from '../session/event-record.ts';

const MODEL = 'gpt-4o-mini';
const tokens = defaultTokenCounter;
const countText = (t: string) => tokens.countText(t, MODEL);

beforeAll(async () => {
  await tokens.prepare([MODEL]);
});

describe('the summary cap', () => {
  it('is the room the summary message takes in the context, preamble and markers included', async () => {
    const events: EventRecord[] = Array.from({ length: 60 }, (_, seq) => ({
      seq,
      segmentIndex: 0,
      type: seq % 2 ? 'assistant_message' : 'user_message',
      eventId: `e${seq}`,
      occurredAt: '2026-01-01T00:00:00.000Z',
      content: `Order ORD-${100 + seq}X ships to ${seq} Rua Augusta on May ${(seq % 28) + 1}; the budget is $${1000 + seq}.`,
      tool: null,
      arguments: null,
      result: null,
      error: null,
    })) as unknown as EventRecord[];
    for (const cap of [120, 400]) {
      const made = await createExtractiveSummarizer((t) => countText(t)).summarize({
        request: { maxTokens: cap, model: MODEL } as never,
        events,
        previousSummary: null,
        signal: new AbortController().signal,
      } as never);
      const inContext = tokens.countMessage(renderSummaryMessage(made.text), MODEL);
      expect(inContext).toBeLessThanOrEqual(cap);
      expect(inContext).toBeGreaterThan(cap * 0.8);
    }
    expect(summaryTextCap(400, countText)).toBeLessThan(400);
    expect(summaryTextCap(0, countText)).toBeGreaterThan(0);
  });
});
