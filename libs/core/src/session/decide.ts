import { initialTransition, transition } from 'xstate';
import {
  EFFECT_TYPES,
  sessionMachine,
  type SessionEffect,
  type SessionMachineEvent,
  type SessionStateValue,
} from './session-machine.ts';
import { upgradeSession } from './schema-upgrade.ts';
import type { SessionState, SummaryRequest } from './session-state.ts';

/** What is stored for a session: the machine's state value and its context. */
export interface PersistedSession {
  value: SessionStateValue;
  context: SessionState;
}

export interface Decision {
  next: PersistedSession;
  effects: SessionEffect[];
}

/**
 * The machine's state value, derived from its context (so it is never stored): at rest a
 * session is `summarizing` exactly while sealed segments wait for a summary (`segmented` is
 * transient: the machine always leaves it in the same transition), else `active`.
 */
export function sessionValueOf(context: SessionState): SessionStateValue {
  return context.pending.length > 0 ? 'summarizing' : 'active';
}

/**
 * A session as the store writes it: its context only. The state value is derived again on
 * load ({@link sessionFromStoredJson}); a value stored by an older version is ignored.
 */
export function sessionToStoredJson(session: PersistedSession): string {
  return JSON.stringify({ context: session.context });
}

/** A stored session of any version ({@link upgradeSession}), its state value derived. */
export function sessionFromStoredJson(json: string): PersistedSession {
  const upgraded = upgradeSession(JSON.parse(json) as PersistedSession);
  return { value: sessionValueOf(upgraded.context), context: upgraded.context };
}

/** The persisted form of a brand-new session. */
export function startSession(context: SessionState): PersistedSession {
  const [snapshot] = initialTransition(sessionMachine, context);
  return { value: snapshot.value as SessionStateValue, context: snapshot.context };
}

/**
 * Runs events through the machine with the pure `transition()`: the next persisted session and
 * the effects the host must carry out, in order. Nothing is executed here.
 */
export function decide(
  current: PersistedSession,
  events: readonly SessionMachineEvent[],
): Decision {
  let snapshot = sessionMachine.resolveState({
    value: sessionValueOf(current.context),
    context: current.context,
  });
  const effects: SessionEffect[] = [];
  for (const event of events) {
    const [next, actions] = transition(sessionMachine, snapshot, event);
    snapshot = next;
    for (const action of actions) {
      if (EFFECT_TYPES.has(action.type))
        effects.push({ type: action.type, params: action.params } as SessionEffect);
    }
  }
  return {
    next: { value: snapshot.value as SessionStateValue, context: snapshot.context },
    effects,
  };
}

/**
 * The summary being made right now, if any: read from persisted state so that a host that
 * crashed between its commit and its effect asks again (the request is idempotent).
 */
export function summaryInFlight(session: PersistedSession): SummaryRequest | null {
  return session.context.inFlight;
}
