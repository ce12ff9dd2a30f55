import { toId, type AcceptedEvent } from '@threadline/core';
import { createRandom } from '@threadline/testing';

/** mulberry32 (libs/testing): a small seeded PRNG, so that every run plays the same conversations. */
export function seededRandom(seed: number): () => number {
  return createRandom(seed);
}

const SUBJECTS = [
  'the flight',
  'the hotel in Lisbon',
  'our Q3 budget',
  'the invoice',
  'the deployment',
  'the API key rotation',
  'the Porto apartment',
  'the data export',
  'the onboarding call',
  'the refund',
  'the train to Madrid',
  'the customer report',
];
const VERBS = [
  'costs',
  'needs',
  'should include',
  'was moved to',
  'depends on',
  'is limited to',
  'takes',
  'will replace',
  'was approved for',
  'has to fit',
];
const OBJECTS = [
  '142 EUR per person',
  'two extra seats',
  'a 15% discount',
  'the 3 May slot',
  'version 2.4.1',
  'four engineers',
  '12 business days',
  'the premium plan',
  'a signed contract',
  'the staging cluster',
  'about 2400 EUR',
  'Gate 14 at 09:40',
];
const CLAUSES = [
  'if that is still possible',
  'as we discussed yesterday',
  'according to the latest email',
  'unless the vendor objects',
  'before the end of the month',
  'for the whole team',
  'and nothing else changed',
  'with the usual caveats',
];
const CODE = [
  'const total = items.reduce((a, b) => a + b.price, 0);',
  'SELECT id, amount FROM invoices WHERE due < now();',
  'curl -X POST https://example.invalid/v1/jobs -d \'{"id": 42}\'',
  'for (const row of rows) await queue.add(row.id, row);',
];
const UNICODE = [
  'Café crème à 3,50 €.',
  'Grüße aus München.',
  'Сколько это стоит?',
  '東京駅で会いましょう。',
  'naïve façade, déjà vu.',
];

/** A sentence of plausible chat text (numbers, names, the odd code line or non-ASCII word). */
export function sentence(rand: () => number): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const r = rand();
  if (r < 0.06) return pick(CODE);
  if (r < 0.1) return pick(UNICODE);
  const s = `${pick(SUBJECTS)} ${pick(VERBS)} ${pick(OBJECTS)}${rand() < 0.5 ? `, ${pick(CLAUSES)}` : ''}.`;
  return s[0]!.toUpperCase() + s.slice(1);
}

/** Text of about `chars` characters. */
export function textOf(rand: () => number, chars: number): string {
  const parts: string[] = [];
  let length = 0;
  while (length < chars) {
    const s = sentence(rand);
    parts.push(s);
    length += s.length + 1;
  }
  return parts.join(' ').slice(0, Math.max(1, chars));
}

export interface ConversationOptions {
  /** Range of user message lengths, in characters. */
  userChars?: [number, number];
  /** Range of assistant message lengths, in characters. */
  assistantChars?: [number, number];
  /** Share of turns followed by a tool call. */
  toolShare?: number;
  /** Model of assistant messages. */
  model?: string;
}

const between = (rand: () => number, [lo, hi]: [number, number]) =>
  Math.round(lo + rand() * (hi - lo));

/**
 * `count` events of one session in conversation order: user, (tool call), assistant, …
 * Event ids are `<prefix>-<n>`, times one second apart from 2026-01-01.
 */
export function conversationEvents(
  sessionId: string,
  count: number,
  rand: () => number,
  options: ConversationOptions = {},
  idPrefix = 'e',
  startAt = 0,
): AcceptedEvent[] {
  const userChars = options.userChars ?? [60, 400];
  const assistantChars = options.assistantChars ?? [150, 1200];
  const toolShare = options.toolShare ?? 0.1;
  const model = options.model ?? 'gpt-4o-mini';
  const events: AcceptedEvent[] = [];
  let phase: 'user' | 'tool' | 'assistant' = 'user';
  const session = toId(sessionId, 'sessionId');
  for (let i = 0; i < count; i++) {
    const n = startAt + i;
    const eventId = toId(`${idPrefix}-${n}`, 'eventId');
    const occurredAt = new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString();
    if (phase === 'user') {
      events.push({
        type: 'user_message',
        eventId,
        sessionId: session,
        occurredAt,
        content: textOf(rand, between(rand, userChars)),
      });
      phase = rand() < toolShare ? 'tool' : 'assistant';
    } else if (phase === 'tool') {
      events.push({
        type: 'tool_call',
        eventId,
        sessionId: session,
        occurredAt,
        tool: 'search_flights',
        arguments: {
          from: 'MAD',
          to: 'LIS',
          date: '2026-05-03',
          passengers: 1 + Math.floor(rand() * 4),
        },
        result: {
          priceEur: 80 + Math.floor(rand() * 200),
          carrier: 'TAP',
          seatsLeft: Math.floor(rand() * 9),
        },
      });
      phase = 'assistant';
    } else {
      events.push({
        type: 'assistant_message',
        eventId,
        sessionId: session,
        occurredAt,
        content: textOf(rand, between(rand, assistantChars)),
        model,
        usage: {
          promptTokens: 200 + Math.floor(rand() * 800),
          completionTokens: 40 + Math.floor(rand() * 300),
        },
      });
      phase = 'user';
    }
  }
  return events;
}

/** One user message per session: what "touching" a session costs. */
export function oneEventPerSession(
  sessionIds: readonly string[],
  rand: () => number,
  chars: [number, number] = [60, 400],
): AcceptedEvent[] {
  return sessionIds.map((sessionId) => ({
    type: 'user_message',
    eventId: toId('touch-0'),
    sessionId: toId(sessionId, 'sessionId'),
    occurredAt: new Date(Date.UTC(2026, 0, 1)).toISOString(),
    content: textOf(rand, between(rand, chars)),
  }));
}

/** Bytes of what was said (content, or a tool call's arguments and result as JSON). */
export function contentBytes(event: AcceptedEvent): number {
  switch (event.type) {
    case 'user_message':
    case 'assistant_message':
    case 'system_prompt_updated':
      return Buffer.byteLength(event.content);
    case 'tool_call':
      return (
        Buffer.byteLength(JSON.stringify(event.arguments ?? {})) +
        Buffer.byteLength(JSON.stringify(event.result ?? null))
      );
    default:
      return 0;
  }
}
