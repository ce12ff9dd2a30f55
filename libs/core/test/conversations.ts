/**
 * Realistic conversations for the context-format tests: events measured as the engine measures
 * them, and session states with a landed extractive summary, built from core alone (no Redis).
 */
import {
  assembleContext,
  defaultTokenCounter,
  extractiveSummary,
  measureEvent,
  newSessionState,
  PriceTable,
  renderSummaryMessage,
  SessionConfigSchema,
  type AcceptedEvent,
  type ContextWindow,
  type EventRecord,
  type SessionState,
} from '../src/index.ts';

export const tokens = defaultTokenCounter;
const prices = new PriceTable();

export type Spec =
  | { type: 'user_message' | 'assistant_message'; content: string }
  | { type: 'tool_call'; tool: string; arguments: unknown; result: unknown; error?: string };

/** Events numbered from 0, eventIds `evt.<seq>` (a dot, as ids may have). */
export function records(specs: readonly Spec[], model = 'gpt-4o-mini'): EventRecord[] {
  const config = SessionConfigSchema.parse({ infiniteContext: true, defaultModel: model });
  return specs.map((spec, seq) => {
    const event = {
      ...spec,
      eventId: `evt.${seq}`,
      sessionId: 's',
      occurredAt: '2026-01-01T00:00:00.000Z',
    } as AcceptedEvent;
    return {
      ...measureEvent(event as never, config, { tokens, prices }),
      seq,
      segmentIndex: 0,
    };
  });
}

/** A session whose events before `coversToSeq` are covered by an extractive summary of them. */
export function stateWith(
  all: EventRecord[],
  coversToSeq: number,
  options: { model?: string; systemPrompt?: string | null; cap?: number } = {},
): SessionState {
  const model = options.model ?? 'gpt-4o-mini';
  const config = SessionConfigSchema.parse({ infiniteContext: true, defaultModel: model });
  const systemPrompt =
    options.systemPrompt === undefined ? 'You are a concise travel planner.' : options.systemPrompt;
  const base = newSessionState({
    life: 'l1',
    sessionId: 's',
    config,
    systemPrompt,
    systemPromptTokens: systemPrompt
      ? tokens.countMessage({ role: 'system', content: systemPrompt }, model)
      : 0,
    metadata: {},
    parentId: null,
    createdAt: '2026-01-01T00:00:00.000Z',
  });
  const state: SessionState = {
    ...base,
    totals: { ...base.totals, events: all.length },
    open: { ...base.open, fromSeq: coversToSeq },
  };
  if (coversToSeq === 0) return state;
  const made = extractiveSummary({
    events: all.slice(0, coversToSeq),
    previous: null,
    maxTokens: options.cap ?? 400,
    countTokens: (t) => tokens.countText(t, model),
  });
  return {
    ...state,
    latestSummary: {
      segmentIndex: 0,
      segmentId: 's.s0',
      text: made.text,
      kind: 'extractive',
      contextTokens: tokens.countMessage(renderSummaryMessage(made.text), model),
      coversToSeq,
      items: made.items,
    },
  };
}

export function contextOf(
  state: SessionState,
  all: EventRecord[],
  budget: number | null = null,
  includeSystem = true,
): ContextWindow {
  return assembleContext(state, [...all].reverse(), { budget, includeSystem }, tokens);
}

/**
 * A support conversation with what a chat platform records: consecutive user messages, an
 * assistant reply followed at once by a tool call, a failed tool, a tool whose arguments are not
 * an object, a tool retried, and a reply after each.
 */
export const SUPPORT: Spec[] = [
  { type: 'user_message', content: 'Hi, my order ORD-5512 has not arrived.' },
  { type: 'user_message', content: 'It was due on March 3. I paid 84.90 EUR.' },
  { type: 'assistant_message', content: 'Sorry about that, let me look it up.' },
  {
    type: 'tool_call',
    tool: 'lookup_order',
    arguments: { orderId: 'ORD-5512' },
    result: { status: 'in_transit', carrier: 'DHL', tracking: 'JD0146000033' },
  },
  {
    type: 'tool_call',
    tool: 'carrier_status',
    arguments: { tracking: 'JD0146000033' },
    result: null,
    error: 'carrier API timed out after 10 s',
  },
  {
    type: 'tool_call',
    tool: 'carrier_status',
    arguments: { tracking: 'JD0146000033' },
    result: { lastScan: 'Leipzig hub', eta: '2026-03-07' },
  },
  {
    type: 'assistant_message',
    content: 'It is in transit with DHL (JD0146000033), last seen at the Leipzig hub; ETA March 7.',
  },
  { type: 'user_message', content: 'That is too late, I need it for a birthday on the 6th.' },
  { type: 'user_message', content: 'Can you refund the shipping at least?' },
  {
    type: 'tool_call',
    tool: 'search_kb',
    arguments: ['refund', 'shipping'],
    result: [{ article: 'KB-17', title: 'Shipping refunds for late parcels' }],
  },
  {
    type: 'tool_call',
    tool: 'refund_shipping',
    arguments: { orderId: 'ORD-5512', amountEur: 4.9 },
    result: { refundId: 'RF-2231', amountEur: 4.9 },
  },
  { type: 'assistant_message', content: 'Done: 4.90 EUR shipping refunded (RF-2231).' },
  { type: 'user_message', content: 'Thanks. Will I get an e-mail?' },
];
