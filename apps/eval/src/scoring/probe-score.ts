import type { ChatMessage } from '@threadline/core';
import type { ContextTokens } from './context-tokens.ts';
import { valueRecalled } from './context-text.ts';
import { judgeContinuation } from './continuation-check.ts';
import { judgeDecision } from './decision-check.ts';
import type { RenderedConversation } from './rendered-conversation.ts';
import { matchVerbatim } from './verbatim-match.ts';

/** Planted items counted, and those the context held. */
export interface Tally {
  eligible: number;
  hit: number;
}

/** Where the conversation stands at a probe. */
export interface ProbePoint {
  /** `seal`: the first model call after a seal; `end`: after the last event, summaries landed. */
  kind: 'seal' | 'end';
  /** The last event recorded before the probe. */
  eventIndex: number;
  /** The segment open at the probe (events of lower segments are sealed). */
  openSegment: number;
  /** The segment of each event recorded so far. */
  segmentOf: readonly number[];
}

/** A context window as a method returned it. */
export interface ProbeWindow {
  messages: readonly ChatMessage[];
  /** The method's own figure of the tokens it used (`report.used`); null when it has none. */
  reportedUsed: number | null;
}

/** What the end of a conversation shows about compression. */
export interface EndFigures {
  /** Tokens of the whole history verbatim (system prompt, every event, reply priming). */
  historyTokens: number;
  /** Tokens of the context (our count). */
  contextTokens: number;
  /** Tokens of the messages that are neither the system prompt nor verbatim events. */
  summaryTokens: number;
  summaryMessages: number;
  /** Tokens of the events the context does not show verbatim. */
  replacedTokens: number;
  events: number;
  verbatimEvents: number;
}

/** The scores of one conversation under one method and configuration, at one budget. */
export interface ConversationScore {
  /** Probes taken (seal probes plus the end probe). */
  probes: number;
  sealProbes: number;
  facts: Tally;
  factsByCategory: Record<string, Tally>;
  artifacts: Tally;
  artifactsByCategory: Record<string, Tally>;
  /** Facts and artifacts together, by age in segments (see {@link ageBucket}). */
  recallByAge: Record<string, Tally>;
  decisions: { eligible: number; latestWins: number; staleOnly: number; newPresent: number };
  continuation: { probes: number; user: number; assistant: number; both: number };
  /** Probes where the conversation so far was longer than the budget. */
  fill: {
    probes: number;
    reportedSum: number;
    reportedMin: number | null;
    reportedAt90: number;
    ownSum: number;
    ownMin: number | null;
    ownAt90: number;
  };
  /** Probes whose context exceeded the budget (by the method's figure or by ours). */
  overBudget: number;
  /** Probes where the method's `report.used` differed from our count of its messages. */
  usedMismatch: {
    probes: number;
    examples: Array<{ eventIndex: number; reported: number; own: number }>;
  };
  end: EndFigures | null;
}

export function emptyScore(): ConversationScore {
  return {
    probes: 0,
    sealProbes: 0,
    facts: { eligible: 0, hit: 0 },
    factsByCategory: {},
    artifacts: { eligible: 0, hit: 0 },
    artifactsByCategory: {},
    recallByAge: {},
    decisions: { eligible: 0, latestWins: 0, staleOnly: 0, newPresent: 0 },
    continuation: { probes: 0, user: 0, assistant: 0, both: 0 },
    fill: {
      probes: 0,
      reportedSum: 0,
      reportedMin: null,
      reportedAt90: 0,
      ownSum: 0,
      ownMin: null,
      ownAt90: 0,
    },
    overBudget: 0,
    usedMismatch: { probes: 0, examples: [] },
    end: null,
  };
}

const FILL_TARGET = 0.9;

/** Age buckets, in segments between the item's segment and the open one. */
export const AGE_BUCKETS = ['1', '2-3', '4-7', '8-15', '16+'] as const;

export function ageBucket(segments: number): (typeof AGE_BUCKETS)[number] {
  if (segments <= 1) return '1';
  if (segments <= 3) return '2-3';
  if (segments <= 7) return '4-7';
  if (segments <= 15) return '8-15';
  return '16+';
}
const MISMATCH_EXAMPLES = 3;

function tally(into: Tally, byCategory: Record<string, Tally>, category: string, hit: boolean) {
  const cat = (byCategory[category] ??= { eligible: 0, hit: 0 });
  into.eligible++;
  cat.eligible++;
  if (hit) {
    into.hit++;
    cat.hit++;
  }
}

/**
 * Scores one context window taken at `point` into `score`. What is counted:
 * - facts and artifacts planted at least one segment before the probe (their event is in a
 *   sealed segment): recalled when the value appears in the context text;
 * - decisions revised by the probe whose first statement is in a sealed segment: latest value
 *   wins / stale only (see `judgeDecision`);
 * - continuation: the latest user message and the last assistant reply, verbatim;
 * - budget fill, when the conversation so far is longer than the budget; over budget always;
 * - at the end probe, the compression figures.
 */
export function scoreWindow(
  score: ConversationScore,
  rendered: RenderedConversation,
  point: ProbePoint,
  window: ProbeWindow,
  budget: number,
  tokens: ContextTokens,
): void {
  const { conversation } = rendered;
  const { messages } = window;
  const sealed = (eventIndex: number) =>
    eventIndex <= point.eventIndex && point.segmentOf[eventIndex]! < point.openSegment;

  score.probes++;
  if (point.kind === 'seal') score.sealProbes++;

  const byAge = { eligible: 0, hit: 0 };
  const recall = (item: { eventIndex: number; value: string }): boolean => {
    const hit = valueRecalled(messages, item.value);
    const age = point.openSegment - point.segmentOf[item.eventIndex]!;
    tally(byAge, score.recallByAge, ageBucket(age), hit);
    return hit;
  };
  for (const fact of conversation.facts)
    if (sealed(fact.eventIndex))
      tally(score.facts, score.factsByCategory, fact.category, recall(fact));
  for (const artifact of conversation.artifacts)
    if (sealed(artifact.eventIndex))
      tally(score.artifacts, score.artifactsByCategory, artifact.category, recall(artifact));
  for (const decision of conversation.decisions) {
    if (decision.revisedAt > point.eventIndex || !sealed(decision.decidedAt)) continue;
    const verdict = judgeDecision(messages, decision.oldValue, decision.newValue);
    score.decisions.eligible++;
    if (verdict.latestWins) score.decisions.latestWins++;
    if (verdict.staleOnly) score.decisions.staleOnly++;
    if (verdict.newPresent) score.decisions.newPresent++;
  }

  const user = rendered.latestOf('user', point.eventIndex);
  const assistant = rendered.latestOf('assistant', point.eventIndex);
  const text = (i: number | null) => {
    const e = i === null ? null : conversation.events[i]!;
    return e && e.type !== 'tool' ? e.content : null;
  };
  const continuation = judgeContinuation(messages, text(user), text(assistant));
  score.continuation.probes++;
  if (continuation.user) score.continuation.user++;
  if (continuation.assistant) score.continuation.assistant++;
  if (continuation.both) score.continuation.both++;

  const own = tokens.messages(messages);
  const reported = window.reportedUsed ?? own;
  if (own > budget || reported > budget) score.overBudget++;
  if (window.reportedUsed !== null && window.reportedUsed !== own) {
    score.usedMismatch.probes++;
    if (score.usedMismatch.examples.length < MISMATCH_EXAMPLES)
      score.usedMismatch.examples.push({ eventIndex: point.eventIndex, reported, own });
  }
  if (rendered.historyTokensThrough[point.eventIndex]! > budget) {
    const f = score.fill;
    const r = reported / budget;
    const o = own / budget;
    f.probes++;
    f.reportedSum += r;
    f.ownSum += o;
    f.reportedMin = f.reportedMin === null ? r : Math.min(f.reportedMin, r);
    f.ownMin = f.ownMin === null ? o : Math.min(f.ownMin, o);
    if (r >= FILL_TARGET) f.reportedAt90++;
    if (o >= FILL_TARGET) f.ownAt90++;
  }

  if (point.kind === 'end') {
    const view = matchVerbatim(messages, rendered, point.eventIndex);
    let replacedTokens = 0;
    for (let i = 0; i <= point.eventIndex; i++)
      if (!view.verbatimEvents.has(i)) replacedTokens += rendered.eventTokens[i]!;
    score.end = {
      historyTokens: rendered.historyTokensThrough[point.eventIndex]!,
      contextTokens: own,
      summaryTokens: view.summaryMessages.reduce((sum, m) => sum + tokens.message(m), 0),
      summaryMessages: view.summaryMessages.length,
      replacedTokens,
      events: point.eventIndex + 1,
      verbatimEvents: view.verbatimEvents.size,
    };
  }
}
