/**
 * What a load run sends: N sessions of M events each, alternating user and assistant
 * messages with a tool call now and then, with client-chosen eventIds (so that latency can
 * be watched per event) and deterministic text of a realistic size.
 */
export interface LoadPlan {
  runId: string;
  sessionIds: string[];
  eventsPerSession: number;
  /** Every `sampleEvery`-th event (and each session's last) has its accept→applied latency measured. */
  sampleEvery: number;
}

/** An event as a platform sends it (`POST /v1/sessions/:id/events` body, or a job's `events[i]` before stamping). */
export type PlannedEvent =
  | { eventId: string; sessionId: string; type: 'user_message'; content: string }
  | {
      eventId: string;
      sessionId: string;
      type: 'assistant_message';
      content: string;
      model: string;
      provider: string;
    }
  | {
      eventId: string;
      sessionId: string;
      type: 'tool_call';
      tool: string;
      arguments: Record<string, unknown>;
      result: Record<string, unknown>;
    };

const WORDS = (
  'plan trip lisbon budget hotel flight museum tram dinner booking weather river castle tickets ' +
  'morning evening price train walk coffee market view bridge beach day night euro'
).split(' ');

/** `words` pseudo-random words from a seed: same seed, same text (no Math.random, reproducible runs). */
function text(seed: number, words: number): string {
  let h = Math.imul(seed + 1, 2654435761) >>> 0;
  const out: string[] = [];
  for (let i = 0; i < words; i++) {
    h ^= h << 13;
    h ^= h >>> 17;
    h ^= h << 5;
    h >>>= 0;
    out.push(WORDS[h % WORDS.length]!);
  }
  return out.join(' ');
}

export function makeLoadPlan(options: {
  sessions: number;
  eventsPerSession: number;
  maxSampled: number;
  runId?: string;
}): LoadPlan {
  const runId =
    options.runId ?? `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
  const total = options.sessions * options.eventsPerSession;
  return {
    runId,
    sessionIds: Array.from({ length: options.sessions }, (_, i) => `lg-${runId}-${i}`),
    eventsPerSession: options.eventsPerSession,
    sampleEvery: Math.max(1, Math.ceil(total / Math.max(1, options.maxSampled))),
  };
}

/**
 * The `index`-th event (0-based) of session number `s`. Every five events: a question, its
 * answer, another question, a tool call made for it, and the answer using the tool's result.
 */
export function plannedEvent(plan: LoadPlan, s: number, index: number): PlannedEvent {
  const sessionId = plan.sessionIds[s]!;
  const eventId = `${sessionId}-e${index}`;
  const seed = s * 100_003 + index;
  switch (index % 5) {
    case 0:
    case 2:
      return { eventId, sessionId, type: 'user_message', content: `${text(seed, 24)}?` };
    case 3:
      return {
        eventId,
        sessionId,
        type: 'tool_call',
        tool: 'search_hotels',
        arguments: { city: 'Lisbon', night: index },
        result: { hotel: text(seed, 3), priceEur: 80 + (seed % 120) },
      };
    default:
      return {
        eventId,
        sessionId,
        type: 'assistant_message',
        content: `${text(seed, 60)}.`,
        model: 'gpt-4o-mini',
        provider: 'openai',
      };
  }
}

/** Whether the `index`-th event of a session is in the latency sample (each session's last always is: it says when all of it is applied). */
export function isSampled(plan: LoadPlan, s: number, index: number): boolean {
  return (
    index === plan.eventsPerSession - 1 ||
    (s * plan.eventsPerSession + index) % plan.sampleEvery === 0
  );
}
