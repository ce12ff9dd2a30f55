/**
 * Reading what older code stored. Deployments keep their data across upgrades: a session,
 * a summary record or an event written by an earlier version is read and brought to today's
 * shape here, once, where it is loaded (the stores call these). Writing always uses today's.
 *
 * Version 1 (before structured summaries): no `schemaVersion`; `pending` held one summary
 * request per sealed segment (only the first being made); summaries were text only; the open
 * segment did not know its last event's type.
 *
 * Version 2 (before lives and retention): no `life`, no `config.retentionSeconds`, no
 * `subjectId`.
 */
import { parseSummaryText } from '../summary/parse-summary.ts';
import type { SummaryItem } from '../summary/structured-summary.ts';
import type { PersistedSession } from './decide.ts';
import type { SegmentRecord, SummaryRecord } from './segment.ts';
import {
  SESSION_SCHEMA_VERSION,
  type SealedSegmentRef,
  type SessionState,
  type SummaryRequest,
} from './session-state.ts';

/** The per-segment summary request of version 1. */
interface SummaryRequestV1 {
  sessionId: string;
  segmentIndex: number;
  segmentId: string;
  fromSeq: number;
  toSeq: number;
  previousSummarySegmentIndex: number | null;
  model: string;
  maxTokens: number;
  sealedAt: string;
}

/** A stored session of any version, as today's shape. */
export function upgradeSession(stored: PersistedSession): PersistedSession {
  const context = stored.context as SessionState & { schemaVersion?: number };
  if (context.schemaVersion === SESSION_SCHEMA_VERSION) return stored;
  if (context.schemaVersion !== undefined && context.schemaVersion > SESSION_SCHEMA_VERSION)
    throw new Error(
      `session ${context.sessionId} was written by a newer version (schema ${context.schemaVersion}; this code reads up to ${SESSION_SCHEMA_VERSION})`,
    );
  const v2 = context.schemaVersion === 2 ? stored : upgradeV1(stored);
  return upgradeV2(v2);
}

/**
 * Version 2 (before lives and retention): the session has no `life` (it gets {@link LEGACY_LIFE},
 * and so does its summary in flight) and no `retentionSeconds` (it gets `null`: an upgrade never
 * makes stored sessions expire; set a retention with PATCH).
 */
function upgradeV2(stored: PersistedSession): PersistedSession {
  const context = stored.context;
  return {
    value: stored.value,
    context: {
      ...context,
      schemaVersion: SESSION_SCHEMA_VERSION,
      life: context.life ?? LEGACY_LIFE,
      subjectId: context.subjectId ?? null,
      config: { ...context.config, retentionSeconds: context.config.retentionSeconds ?? null },
      inFlight: context.inFlight
        ? { ...context.inFlight, life: context.inFlight.life ?? LEGACY_LIFE }
        : null,
    },
  };
}

/** The life of a session stored before sessions had lives. */
export const LEGACY_LIFE = '0';

/** Version 1 to version 2's shape (the schema version is set by {@link upgradeV2}). */
function upgradeV1(stored: PersistedSession): PersistedSession {
  const context = stored.context as SessionState & { schemaVersion?: number };
  const v1Pending = (context.pending ?? []) as unknown as SummaryRequestV1[];
  const pending: SealedSegmentRef[] = v1Pending.map((r) => ({
    index: r.segmentIndex,
    id: r.segmentId,
    fromSeq: r.fromSeq,
    toSeq: r.toSeq,
    sealedAt: r.sealedAt,
  }));
  // Version 1 made the first pending segment's summary alone: that request stays the one in
  // flight, so a summary already being made still lands (the machine matches it by segment).
  const head = v1Pending[0];
  const inFlight: SummaryRequest | null = head
    ? { ...head, firstSegmentIndex: head.segmentIndex, life: LEGACY_LIFE }
    : null;
  const latest = context.latestSummary;
  return {
    value: stored.value,
    context: {
      ...context,
      open: { ...context.open, lastEventType: context.open.lastEventType ?? null },
      pending,
      inFlight,
      latestSummary: latest
        ? { ...latest, items: latest.items ?? itemsOfStoredText(latest.text) }
        : null,
    },
  };
}

/** A stored summary record of any version, as today's shape. */
export function upgradeSummaryRecord(record: SummaryRecord): SummaryRecord {
  if (Array.isArray(record.items) && record.firstSegmentIndex !== undefined) return record;
  return {
    ...record,
    firstSegmentIndex: record.firstSegmentIndex ?? record.segmentIndex,
    // Version 1 summaries covered one segment each; where it began is not recorded.
    fromSeq: record.fromSeq ?? record.coversToSeq,
    items: Array.isArray(record.items) ? record.items : itemsOfStoredText(record.text),
  };
}

/** A stored sealed segment of any version, as today's shape. */
export function upgradeSegmentRecord(record: SegmentRecord): SegmentRecord {
  return record.summary ? { ...record, summary: upgradeSummaryRecord(record.summary) } : record;
}

/** Items of a summary stored as text only: its lines, sources unknown (always shown). */
function itemsOfStoredText(text: string): SummaryItem[] {
  return parseSummaryText(text, { defaultSection: 'facts' }).items;
}
