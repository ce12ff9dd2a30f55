import { describe, expect, it } from 'vitest';
import { acceptEvents } from '@threadline/core';
import { isSampled, makeLoadPlan, plannedEvent } from './load-plan.ts';

describe('the load plan', () => {
  const plan = makeLoadPlan({ sessions: 7, eventsPerSession: 30, maxSampled: 20, runId: 'r1' });
  const all = plan.sessionIds.flatMap((_, s) =>
    Array.from({ length: 30 }, (_, i) => plannedEvent(plan, s, i)),
  );

  it('makes events the API accepts, with unique ids, the same for the same run id', () => {
    expect(() =>
      acceptEvents(all, { now: '2026-01-01T00:00:00Z', newEventId: () => 'x' }),
    ).not.toThrow();
    expect(new Set(all.map((e) => e.eventId)).size).toBe(all.length);
    expect(
      plannedEvent(
        makeLoadPlan({ sessions: 7, eventsPerSession: 30, maxSampled: 20, runId: 'r1' }),
        3,
        4,
      ),
    ).toEqual(plannedEvent(plan, 3, 4));
    expect(new Set(all.map((e) => e.type))).toEqual(
      new Set(['user_message', 'assistant_message', 'tool_call']),
    );
  });

  it('samples about maxSampled events, and always the last event of each session', () => {
    const sampled = plan.sessionIds.flatMap((_, s) =>
      Array.from({ length: 30 }, (_, i) => i)
        .filter((i) => isSampled(plan, s, i))
        .map((i) => [s, i]),
    );
    for (let s = 0; s < 7; s++) expect(sampled).toContainEqual([s, 29]);
    expect(sampled.length).toBeLessThanOrEqual(20 + 7);
  });
});
