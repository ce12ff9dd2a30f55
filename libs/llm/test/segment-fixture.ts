import {
  parseSummaryText,
  type EventRecord,
  type SummaryRecord,
  type SummaryRequest,
} from '@threadline/core';

/** A sealed segment of a travel conversation, as the session worker would hand it over. */
export function travelSegment(): EventRecord[] {
  let seq = 0;
  const event = (fields: Partial<EventRecord> & Pick<EventRecord, 'type'>): EventRecord => ({
    seq,
    segmentIndex: 1,
    eventId: `e${seq++}`,
    occurredAt: '2025-06-01T10:00:00.000Z',
    metadata: {},
    content: null,
    model: null,
    provider: null,
    usage: null,
    tool: null,
    arguments: null,
    result: null,
    error: null,
    success: null,
    contextTokens: 10,
    promptTokens: 0,
    completionTokens: 0,
    costNano: 0,
    ...fields,
  });
  return [
    event({
      type: 'user_message',
      content: 'Can you find trains from Lisbon to Porto on June 16? I prefer mornings.',
    }),
    event({
      type: 'tool_call',
      tool: 'search_trains',
      arguments: { from: 'Lisbon', to: 'Porto', date: '2025-06-16' },
      error: 'upstream timeout',
      success: false,
    }),
    event({
      type: 'tool_call',
      tool: 'search_trains',
      arguments: { from: 'Lisbon', to: 'Porto', date: '2025-06-16' },
      result: [{ train: 'Alfa Pendular 121', departs: '09:39', priceEur: 31.5 }],
      success: true,
    }),
    event({
      type: 'assistant_message',
      model: 'gpt-4o-mini',
      content: 'The Alfa Pendular 121 leaves at 09:39 and costs €31.50 in 2nd class.',
    }),
    event({ type: 'user_message', content: "Let's book the 9:39 Alfa Pendular." }),
  ];
}

export function summaryRequest(overrides: Partial<SummaryRequest> = {}): SummaryRequest {
  return {
    sessionId: 'sess-llm',
    life: 'l1',
    segmentIndex: 1,
    segmentId: 'sess-llm.s1',
    firstSegmentIndex: 1,
    fromSeq: 0,
    toSeq: 4,
    previousSummarySegmentIndex: 0,
    model: 'gpt-4o-mini',
    maxTokens: 300,
    sealedAt: '2025-06-01T10:05:00.000Z',
    ...overrides,
  };
}

export function previousSummary(text: string): SummaryRecord {
  return {
    segmentIndex: 0,
    segmentId: 'sess-llm.s0',
    firstSegmentIndex: 0,
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
    coversToSeq: 0,
    createdAt: '2025-06-01T09:00:00.000Z',
    eventId: 'summary-0',
  };
}
