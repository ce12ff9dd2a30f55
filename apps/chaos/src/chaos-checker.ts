import { SUMMARY_PREAMBLE, type SegmentRecord, type SessionStats } from '@threadline/core';
import type { SessionObservation } from './session-observation.ts';

export type ViolationKind =
  /** A session the API accepted events for is not there. */
  | 'session-missing'
  /** An accepted event is not in the session's log. */
  | 'event-lost'
  /** An event is in the log more than once. */
  | 'event-doubled'
  /** An event in the log was never accepted. */
  | 'event-unexpected'
  /** Every accepted event is there once, but not in the accepted order. */
  | 'events-reordered'
  /** The log's seq numbers are not 0, 1, 2 … */
  | 'seq-gap'
  /** A sealed segment has no summary after the bounded wait. */
  | 'summary-missing'
  /** A summary that does not belong where it is (another segment, wrong coverage, unknown kind). */
  | 'summary-misplaced'
  /** The session is still `summarizing` (or has pending summaries) after the bounded wait. */
  | 'left-summarizing'
  /** What can be compared deterministically differs from the embedded runtime fed the same events. */
  | 'differs-from-embedded'
  /** The API refused a valid request, or the run could not read a session back. */
  | 'request-refused'
  /** Run level: sessions or queues had not settled when the bounded wait after the load ended. */
  | 'not-settled'
  /** Run level: a fault the run promises (CLIENT KILL, Redis restart) could not be done. */
  | 'fault-not-done';

export interface Violation {
  /** The session, or `*` for the run as a whole. */
  sessionId: string;
  kind: ViolationKind;
  detail: string;
}

export interface SessionCheckInput {
  sessionId: string;
  /** EventIds in the order the API accepted them (first acceptance; resends add nothing). */
  accepted: readonly string[];
  /** The session read back from the distributed run; null if it was not found. */
  observed: SessionObservation | null;
  /** The same session from the embedded runtime fed the same accepted events. */
  reference: SessionObservation;
  /** For messages: how long after the load stopped the session was read back. */
  waitedMs: number;
}

/** Listed per kind in a detail before "… and N more". */
const LISTED = 5;

const list = (ids: readonly string[]): string =>
  ids.length <= LISTED
    ? ids.join(', ')
    : `${ids.slice(0, LISTED).join(', ')} … and ${ids.length - LISTED} more`;

/**
 * Everything that must hold for one session after a chaos run, whatever was killed or
 * restarted: its log is exactly the accepted events (none lost, none doubled, none unknown, in
 * the accepted order, seq without gaps); every sealed segment has its summary (LLM or the
 * extractive fallback); it is not left summarizing; and its chain, stats, log and messages equal
 * the embedded runtime's for the same events, except what differs by nature (summary texts and
 * their cost, which depend on the LLM's luck, and clock times).
 */
export function checkSession(input: SessionCheckInput): Violation[] {
  const { sessionId, accepted, observed, reference } = input;
  const violations: Violation[] = [];
  const add = (kind: ViolationKind, detail: string) => violations.push({ sessionId, kind, detail });
  if (!observed) {
    add(
      'session-missing',
      `${accepted.length} events were accepted for it; the API says it does not exist`,
    );
    return violations;
  }

  // The log is the accepted events, exactly.
  const logged = observed.events.map((e) => e.eventId);
  const counts = new Map<string, number>();
  for (const id of logged) counts.set(id, (counts.get(id) ?? 0) + 1);
  const acceptedSet = new Set(accepted);
  const lost = accepted.filter((id) => !counts.has(id));
  const doubled = [...counts].filter(([, n]) => n > 1).map(([id, n]) => `${id} ×${n}`);
  const unexpected = [...counts.keys()].filter((id) => !acceptedSet.has(id));
  if (lost.length)
    add('event-lost', `${lost.length} accepted event(s) not in the log: ${list(lost)}`);
  if (doubled.length)
    add('event-doubled', `${doubled.length} event(s) applied more than once: ${list(doubled)}`);
  if (unexpected.length)
    add(
      'event-unexpected',
      `${unexpected.length} event(s) in the log that were never accepted: ${list(unexpected)}`,
    );
  const sameEvents = !lost.length && !doubled.length && !unexpected.length;
  const reorderedAt = sameEvents ? accepted.findIndex((id, i) => logged[i] !== id) : -1;
  if (reorderedAt !== -1)
    add(
      'events-reordered',
      `from position ${reorderedAt} the log has ${list(logged.slice(reorderedAt, reorderedAt + 3))} where the accepted order is ${list(accepted.slice(reorderedAt, reorderedAt + 3))}`,
    );
  const logIntact = sameEvents && reorderedAt === -1;
  const gap = observed.events.findIndex((e, i) => e.seq !== i);
  if (gap !== -1)
    add(
      'seq-gap',
      `event ${observed.events[gap]!.eventId} at position ${gap} has seq ${observed.events[gap]!.seq}`,
    );

  // Every sealed segment is covered by a summary (its own, or a catch-up summary attached to a
  // later segment), the summaries cover every sealed event exactly once, nothing is left waiting.
  const sealed = observed.chain.slice(0, -1);
  const missing = sealed.filter((s) => s.status !== 'summarized');
  const last = sealed.at(-1);
  if (last && last.status === 'summarized' && !last.summary) missing.push(last);
  if (missing.length)
    add(
      'summary-missing',
      `${missing.length} sealed segment(s) without a summary ${(input.waitedMs / 1000).toFixed(1)} s after the load stopped: ${list(missing.map(describeSegment))}`,
    );
  for (const segment of sealed) {
    const problem = segment.summary ? misplacedSummary(segment) : null;
    if (problem) add('summary-misplaced', `${segment.id}: ${problem}`);
  }
  let coveredTo = 0;
  for (const segment of sealed) {
    const summary = segment.summary;
    if (!summary) continue;
    if (summary.fromSeq !== coveredTo)
      add(
        'summary-misplaced',
        `${segment.id}: its summary starts at seq ${summary.fromSeq}, the one before ends at ${coveredTo}`,
      );
    coveredTo = summary.coversToSeq;
  }
  const open = observed.chain.at(-1);
  if (!open || open.status !== 'open')
    add(
      'summary-misplaced',
      `the chain does not end with an open segment (${open?.status ?? 'empty'})`,
    );
  if (observed.state !== 'active' || observed.stats.summaries.pending > 0)
    add(
      'left-summarizing',
      `state ${observed.state} with ${observed.stats.summaries.pending} summary(ies) pending ${(input.waitedMs / 1000).toFixed(1)} s after the load stopped`,
    );

  // Equal to the embedded runtime in all that does not depend on the LLM or the clock. A broken
  // log makes everything after it differ: that is said once, above, not again here.
  if (logIntact) {
    const differences = [
      ...diff(reference.events, observed.events, 'events'),
      ...diff(comparableChain(reference.chain), comparableChain(observed.chain), 'chain'),
      ...diff(comparableStats(reference.stats), comparableStats(observed.stats), 'stats'),
      ...diff(
        comparableStats(reference.openStats),
        comparableStats(observed.openStats),
        'openStats',
      ),
      ...diff(maskSummaries(reference.messages), maskSummaries(observed.messages), 'messages'),
      ...diff(reference.state, observed.state, 'state'),
    ];
    if (differences.length)
      add('differs-from-embedded', `${differences.length} difference(s): ${list(differences)}`);
  }
  return violations;
}

function describeSegment(s: SegmentRecord): string {
  return `${s.id} (seq ${s.fromSeq}–${(s.toSeq ?? s.fromSeq) - 1})`;
}

function misplacedSummary(segment: SegmentRecord): string | null {
  const summary = segment.summary!;
  if (summary.segmentIndex !== segment.index || summary.segmentId !== segment.id)
    return `carries the summary of ${summary.segmentId}`;
  if (summary.coversToSeq !== segment.toSeq)
    return `summary covers up to seq ${summary.coversToSeq}, the segment ends at ${segment.toSeq}`;
  if (summary.kind !== 'llm' && summary.kind !== 'extractive')
    return `summary of kind ${summary.kind}: the run makes llm ones, or extractive ones as the fallback`;
  if (!summary.text.trim()) return 'blank summary text';
  if (segment.status !== 'summarized') return `status ${segment.status} with a summary attached`;
  return null;
}

/**
 * A chain without what depends on the summarizer (which summary, its text, kind or cost) or
 * the clock (the first segment opens when the session is created; the others when the
 * event that sealed the one before happened, which the client stamps).
 */
function comparableChain(chain: readonly SegmentRecord[]): unknown {
  return chain.map((s) => ({
    ...s,
    openedAt: s.index === 0 ? 'session creation' : s.openedAt,
    // Which segment carries a summary depends on how fast summaries land (one catch-up summary
    // covers the segments sealed while another was being made): that each is covered is
    // checked above.
    summary: null,
  }));
}

/**
 * Stats without the clock (creation and last update times: a summary's arrival moves the
 * latter) and without the number of summaries, their split by kind and their cost (the LLM's
 * luck and speed: a catch-up summary covers several segments).
 */
function comparableStats(stats: SessionStats): unknown {
  const { createdAt: _c, lastUpdate: _l, summaries, ...rest } = stats;
  return {
    ...rest,
    summaries: { rejected: summaries.rejected, pending: summaries.pending },
  };
}

/** The summary message's text depends on the summarizer: its place is compared, not its words. */
function maskSummaries(messages: readonly { role: string; content?: unknown }[]): unknown {
  return messages.map((m) =>
    typeof m.content === 'string' && m.content.startsWith(SUMMARY_PREAMBLE)
      ? { ...m, content: `${SUMMARY_PREAMBLE} …` }
      : m,
  );
}

/** Paths at which two JSON values differ (`chain[2].toSeq: 18 ≠ 17`), reference first. */
export function diff(
  expected: unknown,
  actual: unknown,
  path: string,
  out: string[] = [],
): string[] {
  if (out.length >= LISTED * 2) return out;
  if (Object.is(expected, actual)) return out;
  const bothObjects =
    typeof expected === 'object' &&
    expected !== null &&
    typeof actual === 'object' &&
    actual !== null;
  if (!bothObjects || Array.isArray(expected) !== Array.isArray(actual)) {
    out.push(`${path}: ${short(actual)} (embedded: ${short(expected)})`);
    return out;
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length !== actual.length)
      out.push(`${path}.length: ${actual.length} (embedded: ${expected.length})`);
    for (let i = 0; i < Math.min(expected.length, actual.length); i++)
      diff(expected[i], actual[i], `${path}[${i}]`, out);
    return out;
  }
  const a = expected as Record<string, unknown>;
  const b = actual as Record<string, unknown>;
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)]))
    diff(a[key], b[key], `${path}.${key}`, out);
  return out;
}

function short(value: unknown): string {
  const text = value === undefined ? 'absent' : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}
