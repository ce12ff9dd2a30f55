import { beforeAll, describe, expect, it } from 'vitest';
import { renderSummaryMessage, SUMMARY_PREAMBLE } from '@threadline/core';
import { checkSession, type ViolationKind } from './chaos-checker.ts';
import { makeConversationPlan, type SessionPlan } from './conversation-plan.ts';
import { embeddedReference } from './embedded-reference.ts';
import type { SessionObservation } from './session-observation.ts';

let plan: SessionPlan;
let accepted: string[];
let reference: SessionObservation;

beforeAll(async () => {
  [plan] = makeConversationPlan({
    sessions: 1,
    eventsPerSession: 30,
    seed: 7,
    maxTurnsPerSegment: 4,
    tokenThreshold: 900,
  }) as [SessionPlan];
  const batches = plan.batches.map((b) => b.events);
  accepted = batches.flat().map((e) => e.eventId);
  reference = (await embeddedReference([plan], new Map([[plan.sessionId, batches]]))).get(
    plan.sessionId,
  )!;
});

/** The reference as if read back from a distributed run, changed by `change`. */
function observed(change: (o: SessionObservation) => void = () => undefined): SessionObservation {
  const copy = structuredClone(reference);
  change(copy);
  return copy;
}

function kinds(o: SessionObservation | null): ViolationKind[] {
  return checkSession({
    sessionId: plan.sessionId,
    accepted,
    observed: o,
    reference,
    waitedMs: 5000,
  }).map((v) => v.kind);
}

describe('the chaos checker', () => {
  it('finds nothing wrong with a session equal to the embedded one, and the plan makes summaries to check', () => {
    expect(reference.chain.length).toBeGreaterThan(3);
    expect(reference.chain.slice(0, -1).every((s) => s.summary !== null)).toBe(true);
    expect(kinds(observed())).toEqual([]);
  });

  it('accepts a different summary text, kind and cost (the LLM against the extractive fallback)', () => {
    const o = observed((o) => {
      const summary = o.chain[0]!.summary!;
      Object.assign(summary, {
        text: 'An LLM summary.',
        kind: 'llm',
        model: 'gpt-4o-mini',
        costNano: 1200,
      });
      o.stats.summaries.llm = 1;
      o.stats.summaries.costNano = 1200;
      o.stats.lastUpdate = '2030-01-01T00:00:00.000Z';
      const message = o.messages.find((m) => String(m.content).startsWith(SUMMARY_PREAMBLE))!;
      message.content = renderSummaryMessage('An LLM summary.').content;
    });
    expect(kinds(o)).toEqual([]);
  });

  it('detects a lost event', () => {
    const o = observed((o) => {
      o.events.splice(7, 1);
      o.events.forEach((e, i) => (e.seq = i));
    });
    const violations = checkSession({
      sessionId: plan.sessionId,
      accepted,
      observed: o,
      reference,
      waitedMs: 5000,
    });
    expect(violations.map((v) => v.kind)).toEqual(['event-lost']);
    expect(violations[0]!.detail).toContain(`${plan.sessionId}-e7`);
  });

  it('detects a doubled event', () => {
    const o = observed((o) => {
      o.events.splice(4, 0, structuredClone(o.events[3]!));
      o.events.forEach((e, i) => (e.seq = i));
    });
    expect(kinds(o)).toEqual(['event-doubled']);
  });

  it('detects reordered events', () => {
    const o = observed((o) => {
      const [a, b] = [o.events[10]!, o.events[11]!];
      o.events[10] = { ...b, seq: 10 };
      o.events[11] = { ...a, seq: 11 };
    });
    expect(kinds(o)).toEqual(['events-reordered']);
  });

  it('detects an event that was never accepted, and a gap in the seqs', () => {
    expect(kinds(observed((o) => void (o.events.at(-1)!.eventId = 'someone-else')))).toEqual(
      expect.arrayContaining(['event-lost', 'event-unexpected']),
    );
    expect(kinds(observed((o) => void (o.events[5]!.seq = 6)))).toEqual([
      'seq-gap',
      'differs-from-embedded',
    ]);
  });

  it('detects a sealed segment without its summary, and a session left summarizing', () => {
    const noSummary = observed((o) => {
      o.chain[1]!.summary = null;
      o.chain[1]!.status = 'sealed';
    });
    expect(kinds(noSummary)).toContain('summary-missing');
    const summarizing = observed((o) => {
      o.state = 'summarizing';
      o.stats.summaries.pending = 1;
    });
    expect(kinds(summarizing)).toContain('left-summarizing');
  });

  it('accepts one catch-up summary covering several sealed segments, and detects a gap in the coverage', () => {
    const catchUp = observed((o) => {
      // Segment 1's summary folded into segment 2's: 2 now covers both.
      const own = o.chain[1]!.summary!;
      o.chain[2]!.summary = { ...o.chain[2]!.summary!, fromSeq: own.fromSeq, firstSegmentIndex: 1 };
      o.chain[1]!.summary = null;
    });
    expect(kinds(catchUp)).toEqual([]);
    const gap = observed((o) => void (o.chain[2]!.summary!.fromSeq += 1));
    expect(kinds(gap)).toContain('summary-misplaced');
  });

  it('detects a summary attached to the wrong segment', () => {
    const o = observed((o) => void (o.chain[2]!.summary!.coversToSeq -= 1));
    expect(kinds(o)).toContain('summary-misplaced');
  });

  it('detects what differs from the embedded runtime: segment boundaries, token counts, cost', () => {
    expect(kinds(observed((o) => void (o.chain[1]!.toSeq! += 1)))).toContain(
      'differs-from-embedded',
    );
    expect(kinds(observed((o) => void (o.stats.contextTokens += 1)))).toEqual([
      'differs-from-embedded',
    ]);
    expect(kinds(observed((o) => void (o.events[3]!.costNano += 1)))).toEqual([
      'differs-from-embedded',
    ]);
  });

  it('detects a session that is not there', () => {
    expect(kinds(null)).toEqual(['session-missing']);
  });
});

describe('the conversation plan', () => {
  it('sends every batch once in order and once more, and is the same for the same seed', () => {
    const options = {
      sessions: 3,
      eventsPerSession: 25,
      seed: 42,
      maxTurnsPerSegment: 4,
      tokenThreshold: 900,
    };
    const a = makeConversationPlan(options);
    expect(makeConversationPlan(options)).toEqual(a);
    for (const session of a) {
      const originals = session.sends.filter((s) => !s.resend).map((s) => s.batch);
      expect(originals).toEqual(session.batches.map((b) => b.index));
      // Every event of every batch is resent exactly once (whole, or in two parts).
      const resent = session.sends
        .filter((s) => s.resend)
        .flatMap((s) => session.batches[s.batch]!.events.slice(s.from, s.to).map((e) => e.eventId));
      expect([...resent].sort()).toEqual(
        session.batches.flatMap((b) => b.events.map((e) => e.eventId)).sort(),
      );
      expect(
        session.sends.some(
          (s) => s.resend && s.to - s.from < session.batches[s.batch]!.events.length,
        ),
      ).toBe(true);
      // A resend never comes before its original.
      session.sends.forEach((send, i) => {
        if (send.resend)
          expect(session.sends.findIndex((s) => s.batch === send.batch && !s.resend)).toBeLessThan(
            i,
          );
      });
      expect(session.batches.flatMap((b) => b.events).map((e) => e.eventId)).toEqual(
        Array.from({ length: 25 }, (_, i) => `${session.sessionId}-e${i}`),
      );
    }
  });
});
