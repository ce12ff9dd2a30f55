import { toId, type CreateSessionInput, type PublicEvent } from '@threadline/core';
import { deriveSeed, pick, randomInt, seededRandom, type Random } from './seeded-random.ts';

/** An event as the chaos client sends it: its own eventId (the idempotency key) and time. */
export type PlannedEvent = PublicEvent & { eventId: string; occurredAt: string };

/** One request's worth of a session's events (`POST /v1/sessions/:id/events`). */
export interface PlannedBatch {
  index: number;
  events: PlannedEvent[];
}

/** One request of a session, in the order the session sends them. */
export interface PlannedSend {
  batch: number;
  /**
   * A second sending of (part of) a batch already sent: same eventIds, so it must change
   * nothing. The whole batch collapses on its job id at enqueue; a part gets a job of its own
   * that the workers must skip, event by event.
   */
  resend: boolean;
  /** The batch's events sent: `[from, to)`. */
  from: number;
  to: number;
}

export interface SessionPlan {
  sessionId: string;
  create: CreateSessionInput & { sessionId: string };
  batches: PlannedBatch[];
  /** Every batch once, in order, and each again once (whole or in two parts): right after, or a few requests later. */
  sends: PlannedSend[];
}

export interface ConversationPlanOptions {
  sessions: number;
  eventsPerSession: number;
  seed: number;
  /** Turns at which a segment is sealed (infinite context). */
  maxTurnsPerSegment: number;
  /** Context tokens at which a segment is sealed (infinite context). */
  tokenThreshold: number;
  /** Largest batch of one request. @defaultValue 5 */
  maxBatch?: number;
}

const WORDS = (
  'we decided to book the train to Porto on Monday because the flight costs 240 EUR and ' +
  'Ada prefers the window seat; the hotel near the river has a late checkout, breakfast, ' +
  'wifi and a view of the bridge; tickets for the museum open at nine; café dinner 🚄 budget'
).split(' ');
const MODELS = ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1', 'claude-3-5-sonnet'];
const TOOLS = ['search_trains', 'search_hotels', 'currency_convert'];
/** Times of the events: fixed, so that both runtimes stamp segments alike. */
const EPOCH = Date.parse('2026-05-01T08:00:00Z');

function sentence(random: Random, min: number, max: number): string {
  return Array.from({ length: randomInt(random, min, max) }, () => pick(random, WORDS)).join(' ');
}

/** The `i`-th event of a session: mostly turns, some tool calls (a few failing), rare prompt changes. */
function plannedEvent(random: Random, sessionId: string, s: number, i: number): PlannedEvent {
  const base = {
    eventId: toId(`${sessionId}-e${i}`, 'eventId'),
    sessionId: toId(sessionId, 'sessionId'),
    occurredAt: new Date(EPOCH + s * 60_000 + i * 1000).toISOString(),
  };
  const r = random();
  if (r < 0.4) return { ...base, type: 'user_message', content: `${sentence(random, 3, 40)}?` };
  if (r < 0.8) {
    const reported = random() < 0.25;
    return {
      ...base,
      type: 'assistant_message',
      content: `${sentence(random, 5, 90)}.`,
      model: pick(random, MODELS),
      provider: 'openai',
      ...(reported
        ? {
            usage: {
              promptTokens: randomInt(random, 50, 2000),
              completionTokens: randomInt(random, 5, 400),
            },
          }
        : {}),
    };
  }
  if (r < 0.97) {
    const failed = random() < 0.15;
    return {
      ...base,
      type: 'tool_call',
      tool: pick(random, TOOLS),
      arguments: { query: sentence(random, 1, 4), n: randomInt(random, 1, 9) },
      result: failed
        ? null
        : { answer: sentence(random, 2, 12), priceEur: randomInt(random, 9, 400) },
      error: failed ? 'upstream timeout' : null,
    };
  }
  return {
    ...base,
    type: 'system_prompt_updated',
    content: `Be brief. ${sentence(random, 2, 8)}.`,
  };
}

/**
 * Each batch is sent once in order, and once more: half of the time right after it was
 * accepted, otherwise one to three requests later (after newer batches of the session were
 * accepted). Half of the resends are the whole batch (a duplicate job id: it collapses at
 * enqueue), half split in two requests (new job ids: the workers see the events again and must
 * skip them).
 */
function sendOrder(random: Random, batches: readonly PlannedBatch[]): PlannedSend[] {
  const sends: PlannedSend[] = [];
  const resend = (b: number) => {
    const size = batches[b]!.events.length;
    if (size === 1 || random() < 0.5) sends.push({ batch: b, resend: true, from: 0, to: size });
    else {
      const half = Math.ceil(size / 2);
      sends.push({ batch: b, resend: true, from: 0, to: half });
      sends.push({ batch: b, resend: true, from: half, to: size });
    }
  };
  const waiting: Array<{ batch: number; after: number }> = [];
  for (let b = 0; b < batches.length; b++) {
    sends.push({ batch: b, resend: false, from: 0, to: batches[b]!.events.length });
    for (const w of waiting) w.after--;
    while (waiting.length > 0 && waiting[0]!.after <= 0) resend(waiting.shift()!.batch);
    if (random() < 0.5) resend(b);
    else waiting.push({ batch: b, after: randomInt(random, 1, 3) });
    waiting.sort((x, y) => x.after - y.after);
  }
  for (const w of waiting) resend(w.batch);
  return sends;
}

/** The whole load of a run, from its seed: the same seed, the same sessions, events and resends. */
export function makeConversationPlan(options: ConversationPlanOptions): SessionPlan[] {
  const maxBatch = options.maxBatch ?? 5;
  return Array.from({ length: options.sessions }, (_, s) => {
    const random = seededRandom(deriveSeed(options.seed, s));
    const sessionId = `chaos-${s}`;
    const events = Array.from({ length: options.eventsPerSession }, (_, i) =>
      plannedEvent(random, sessionId, s, i),
    );
    const batches: PlannedBatch[] = [];
    for (let from = 0; from < events.length;) {
      const size = Math.min(randomInt(random, 1, maxBatch), events.length - from);
      batches.push({ index: batches.length, events: events.slice(from, from + size) });
      from += size;
    }
    return {
      sessionId,
      create: {
        sessionId,
        infiniteContext: true,
        maxTurnsPerSegment: options.maxTurnsPerSegment,
        tokenThreshold: options.tokenThreshold,
        ...(s % 3 === 0 ? { systemPrompt: 'You are a concise travel planner.' } : {}),
      },
      batches,
      sends: sendOrder(random, batches),
    };
  });
}
