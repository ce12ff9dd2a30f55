import { acceptEvents, CreateSessionSchema } from '@threadline/core';
import { EmbeddedRuntime } from '@threadline/sdk';
import type { PlannedEvent, SessionPlan } from './conversation-plan.ts';
import { observeWithReader, type SessionObservation } from './session-observation.ts';

/**
 * What each session should look like: the embedded runtime (memory store, extractive summaries,
 * everything in this process) fed the same sessions and the same accepted batches, in the
 * accepted order, once each. The chaos run's sessions are compared with these.
 */
export async function embeddedReference(
  plan: readonly SessionPlan[],
  accepted: ReadonlyMap<string, readonly PlannedEvent[][]>,
): Promise<Map<string, SessionObservation>> {
  const runtime = new EmbeddedRuntime({ tenant: 'chaos' });
  const observations = new Map<string, SessionObservation>();
  try {
    for (const session of plan) {
      const { sessionId } = session;
      await runtime.open({ ...CreateSessionSchema.parse(session.create), sessionId });
      for (const batch of accepted.get(sessionId) ?? []) {
        // Stamped as the API stamps them (they carry their own eventIds and times).
        const events = acceptEvents(batch, {
          now: runtime.now(),
          newEventId: () => runtime.newEventId(),
        });
        await runtime.submit(sessionId, events);
      }
    }
    await runtime.idle();
    for (const session of plan)
      observations.set(
        session.sessionId,
        await observeWithReader(runtime.reader, {
          tenant: runtime.tenant,
          sessionId: session.sessionId,
        }),
      );
  } finally {
    await runtime.close();
  }
  return observations;
}
