import type { AcceptedEvent } from '../schemas/event.ts';
import { DEFAULT_SESSION_CONFIG, type CreateSession } from '../schemas/session-config.ts';
import { decide, startSession, type Decision, type PersistedSession } from './decide.ts';
import type { EventRecord } from './event-record.ts';
import { toMachineEvent, type Meter } from './measure-event.ts';
import type { SegmentRecord, SummaryRecord } from './segment.ts';
import type { SessionEffect, SessionMachineEvent } from './session-machine.ts';
import { newSessionState, promptOrNull } from './session-state.ts';

/**
 * What one batch writes, in one atomic commit: the session after it, the events it appends, the
 * eventIds it consumed, the segments it sealed and the summaries it attached. The store adds the
 * version it expects (see `CommitRequest` in libs/store).
 */
export interface CommitPlan {
  session: PersistedSession;
  appendEvents: EventRecord[];
  /** Every eventId the batch consumed (applied, or refused as a stale summary). */
  eventIds: string[];
  sealedSegments: SegmentRecord[];
  summaries: SummaryRecord[];
}

/** A batch decided: what to write, and what the host must do afterwards. */
export interface BatchPlan {
  /** The events not consumed before, in order: the ones applied. */
  fresh: AcceptedEvent[];
  /** EventIds skipped because the session had already consumed them (or the batch repeats one). */
  skipped: string[];
  /** What the host must do now (every effect, in order: the persisted ones are in `commit`). */
  effects: SessionEffect[];
  /** The commit, or null when nothing is fresh (nothing to write). */
  commit: CommitPlan | null;
  /** The session after the batch (`current` when nothing is fresh). */
  next: PersistedSession;
}

/** The events of a batch not consumed before (each id once), and the ids skipped. */
export function splitConsumed(
  events: readonly AcceptedEvent[],
  consumed: ReadonlySet<string>,
): { fresh: AcceptedEvent[]; skipped: string[] } {
  const seen = new Set(consumed);
  const fresh: AcceptedEvent[] = [];
  const skipped: string[] = [];
  for (const event of events) {
    if (seen.has(event.eventId)) skipped.push(event.eventId);
    else {
      seen.add(event.eventId);
      fresh.push(event);
    }
  }
  return { fresh, skipped };
}

/** The events measured (tokens, cost) for the machine, under the session's config. */
export function measureBatch(
  current: PersistedSession,
  fresh: readonly AcceptedEvent[],
  meter: Meter,
): SessionMachineEvent[] {
  const config = current.context.config;
  return fresh.map((e) => toMachineEvent(e, config, meter));
}

/** The commit of a decision: the persisted effects (appended events, seals, summaries) sorted out. */
export function commitPlanOf(decision: Decision, fresh: readonly AcceptedEvent[]): CommitPlan {
  const plan: CommitPlan = {
    session: decision.next,
    appendEvents: [],
    eventIds: fresh.map((e) => e.eventId),
    sealedSegments: [],
    summaries: [],
  };
  for (const effect of decision.effects) {
    if (effect.type === 'appendEvent') plan.appendEvents.push(effect.params.record);
    else if (effect.type === 'sealSegment') plan.sealedSegments.push(effect.params.segment);
    else if (effect.type === 'attachSummary') plan.summaries.push(effect.params.summary);
  }
  return plan;
}

/**
 * Decides a batch of one session's events, purely: skips what the session consumed (`consumed`,
 * read with the session), measures the rest, runs the machine and sorts out the commit. The
 * tokenizers of `modelsToMeasure(events, config)` must be loaded (`meter.tokens.prepare`).
 * The host loads, plans, commits, and runs the effects; nothing else.
 */
export function planBatch(
  current: PersistedSession,
  events: readonly AcceptedEvent[],
  consumed: ReadonlySet<string>,
  meter: Meter,
): BatchPlan {
  const { fresh, skipped } = splitConsumed(events, consumed);
  if (fresh.length === 0) return { fresh, skipped, effects: [], commit: null, next: current };
  const decision = decide(current, measureBatch(current, fresh, meter));
  return {
    fresh,
    skipped,
    effects: decision.effects,
    commit: commitPlanOf(decision, fresh),
    next: decision.next,
  };
}

/**
 * A new session from a create request (absent options take the defaults; an implicit create is
 * `{}`). A prompt in `metadata.system_prompt` (the predecessor's property) is used when no
 * explicit one is given. The tokenizer of its default model must be loaded when it has a prompt.
 * `life` is the token of this life of the session id (the host draws it at random).
 */
export function sessionFromCreate(
  sessionId: string,
  create: CreateSession,
  at: string,
  meter: Meter,
  life: string,
): PersistedSession {
  const config = { ...DEFAULT_SESSION_CONFIG };
  if (create.infiniteContext !== undefined) config.infiniteContext = create.infiniteContext;
  if (create.tokenThreshold !== undefined) config.tokenThreshold = create.tokenThreshold;
  if (create.maxTurnsPerSegment !== undefined)
    config.maxTurnsPerSegment = create.maxTurnsPerSegment;
  if (create.defaultModel !== undefined) config.defaultModel = create.defaultModel;
  if (create.summaryMaxTokens !== undefined) config.summaryMaxTokens = create.summaryMaxTokens;
  if (create.retentionSeconds !== undefined) config.retentionSeconds = create.retentionSeconds;
  const metadata = create.metadata ?? {};
  const fromMetadata =
    typeof metadata['system_prompt'] === 'string' ? (metadata['system_prompt'] as string) : null;
  const systemPrompt = promptOrNull(create.systemPrompt ?? fromMetadata);
  return startSession(
    newSessionState({
      sessionId,
      life,
      config,
      systemPrompt,
      systemPromptTokens:
        systemPrompt === null
          ? 0
          : meter.tokens.countMessage(
              { role: 'system', content: systemPrompt },
              config.defaultModel,
            ),
      metadata,
      parentId: create.parentId ?? null,
      subjectId: create.subjectId ?? null,
      createdAt: at,
    }),
  );
}
