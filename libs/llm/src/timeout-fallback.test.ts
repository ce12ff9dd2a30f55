import { describe, expect, it } from 'vitest';
import { parseSummaryText, type SummaryRecord, type SummaryRequest } from '@threadline/core';
import { timeoutFallback } from './timeout-fallback.ts';

const request = (fromSeq: number, toSeq: number): SummaryRequest => ({
  sessionId: 'trip-42',
  life: 'l1',
  segmentIndex: 2,
  segmentId: 'trip-42.s2',
  firstSegmentIndex: 2,
  fromSeq,
  toSeq,
  previousSummarySegmentIndex: 1,
  model: 'gpt-4o-mini',
  maxTokens: 300,
  sealedAt: '2025-06-01T10:05:00.000Z',
});

const previous = (text: string): SummaryRecord => ({
  segmentIndex: 1,
  segmentId: 'trip-42.s1',
  firstSegmentIndex: 1,
  fromSeq: 0,
  text,
  items: parseSummaryText(text, { defaultSection: 'facts' }).items,
  kind: 'llm',
  model: 'gpt-4o-mini',
  contextTokens: 20,
  promptTokens: 0,
  completionTokens: 0,
  costNano: 0,
  attempts: 1,
  fallbackReason: null,
  coversToSeq: 12,
  createdAt: '2025-06-01T09:00:00.000Z',
  eventId: 'summary-1',
});

describe('timeoutFallback', () => {
  it('keeps the previous summary and adds one line naming the events it misses', () => {
    const outcome = timeoutFallback(
      {
        request: request(12, 20),
        previousSummary: previous('The user flies to Lisbon on June 12.'),
      },
      'SummaryTimeoutError: not made within 10000 ms (its thread was stopped)',
    );
    expect(outcome.text).toBe(
      'Facts:\n- The user flies to Lisbon on June 12.\n' +
        '- (not summarized in time: events 12–19 are missing from this summary)',
    );
    // Carried item by item, aged by one roll; the note weighs least and is never hidden.
    expect(outcome.items.map((i) => [i.text, i.age, i.seq])).toEqual([
      ['The user flies to Lisbon on June 12.', 1, -1],
      ['(not summarized in time: events 12–19 are missing from this summary)', 0, -1],
    ]);
  });

  it('is marked as a fallback that cost nothing and called no model', () => {
    const reason = 'SummaryTimeoutError: not made within 10000 ms (its thread was stopped)';
    expect(
      timeoutFallback({ request: request(0, 8), previousSummary: null }, reason),
    ).toMatchObject({
      text: 'Facts:\n- (not summarized in time: events 0–7 are missing from this summary)',
      kind: 'extractive',
      model: null,
      promptTokens: 0,
      completionTokens: 0,
      costNano: 0,
      attempts: 0,
      fallbackReason: reason,
    });
  });

  it('names a single event in the singular', () => {
    expect(timeoutFallback({ request: request(5, 6), previousSummary: null }, 'r').text).toBe(
      'Facts:\n- (not summarized in time: event 5 is missing from this summary)',
    );
  });
});
