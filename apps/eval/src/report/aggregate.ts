import type { Tally } from '../scoring/probe-score.ts';
import type { CellRecord } from '../run/run-eval.ts';

/** The figures of a set of records (one cell, one domain…): micro-averages over probes. */
export interface Aggregate {
  conversations: number;
  probes: number;
  sealProbes: number;
  seals: number;
  /** Share of (probe, planted fact) pairs whose value was in the context. */
  factRecall: number | null;
  factPairs: number;
  artifactRecall: number | null;
  artifactPairs: number;
  latestWins: number | null;
  staleOnly: number | null;
  decisionPairs: number;
  continuationUser: number | null;
  continuationAssistant: number | null;
  continuationBoth: number | null;
  /** Probes where the conversation so far was longer than the budget. */
  fillProbes: number;
  fillMeanReported: number | null;
  fillMinReported: number | null;
  fillAt90Reported: number | null;
  fillMeanOwn: number | null;
  fillMinOwn: number | null;
  fillAt90Own: number | null;
  overBudget: number;
  usedMismatches: number;
  mismatchExamples: Array<{
    conversationId: string;
    eventIndex: number;
    reported: number;
    own: number;
  }>;
  /** Mean over conversations of history tokens ÷ context tokens at the end. */
  compression: number | null;
  /** Σ summary tokens ÷ Σ tokens of the events not shown verbatim, at the end (null: no summary). */
  summaryRatio: number | null;
  factsByCategory: Record<string, Tally>;
  artifactsByCategory: Record<string, Tally>;
  /** Facts and artifacts together, by age in segments. */
  recallByAge: Record<string, Tally>;
}

const ratio = (hit: number, of: number) => (of > 0 ? hit / of : null);

function addTallies(into: Record<string, Tally>, from: Record<string, Tally>) {
  for (const [k, t] of Object.entries(from)) {
    const cat = (into[k] ??= { eligible: 0, hit: 0 });
    cat.eligible += t.eligible;
    cat.hit += t.hit;
  }
}

export function aggregate(records: readonly CellRecord[]): Aggregate {
  let probes = 0;
  let sealProbes = 0;
  let seals = 0;
  const facts = { eligible: 0, hit: 0 };
  const artifacts = { eligible: 0, hit: 0 };
  const decisions = { eligible: 0, latestWins: 0, staleOnly: 0 };
  const cont = { probes: 0, user: 0, assistant: 0, both: 0 };
  const fill = { probes: 0, reportedSum: 0, ownSum: 0, reportedAt90: 0, ownAt90: 0 };
  let reportedMin: number | null = null;
  let ownMin: number | null = null;
  let overBudget = 0;
  let usedMismatches = 0;
  const mismatchExamples: Aggregate['mismatchExamples'] = [];
  const compressions: number[] = [];
  let summaryTokens = 0;
  let summaryMessages = 0;
  let replacedTokens = 0;
  const factsByCategory: Record<string, Tally> = {};
  const artifactsByCategory: Record<string, Tally> = {};
  const recallByAge: Record<string, Tally> = {};
  for (const { score: s, seals: n, conversationId } of records) {
    probes += s.probes;
    sealProbes += s.sealProbes;
    seals += n;
    facts.eligible += s.facts.eligible;
    facts.hit += s.facts.hit;
    artifacts.eligible += s.artifacts.eligible;
    artifacts.hit += s.artifacts.hit;
    decisions.eligible += s.decisions.eligible;
    decisions.latestWins += s.decisions.latestWins;
    decisions.staleOnly += s.decisions.staleOnly;
    cont.probes += s.continuation.probes;
    cont.user += s.continuation.user;
    cont.assistant += s.continuation.assistant;
    cont.both += s.continuation.both;
    fill.probes += s.fill.probes;
    fill.reportedSum += s.fill.reportedSum;
    fill.ownSum += s.fill.ownSum;
    fill.reportedAt90 += s.fill.reportedAt90;
    fill.ownAt90 += s.fill.ownAt90;
    if (s.fill.reportedMin !== null)
      reportedMin =
        reportedMin === null ? s.fill.reportedMin : Math.min(reportedMin, s.fill.reportedMin);
    if (s.fill.ownMin !== null)
      ownMin = ownMin === null ? s.fill.ownMin : Math.min(ownMin, s.fill.ownMin);
    overBudget += s.overBudget;
    usedMismatches += s.usedMismatch.probes;
    for (const e of s.usedMismatch.examples)
      if (mismatchExamples.length < 5) mismatchExamples.push({ conversationId, ...e });
    if (s.end) {
      if (s.end.contextTokens > 0) compressions.push(s.end.historyTokens / s.end.contextTokens);
      summaryTokens += s.end.summaryTokens;
      summaryMessages += s.end.summaryMessages;
      replacedTokens += s.end.replacedTokens;
    }
    addTallies(factsByCategory, s.factsByCategory);
    addTallies(artifactsByCategory, s.artifactsByCategory);
    addTallies(recallByAge, s.recallByAge);
  }
  return {
    conversations: new Set(records.map((r) => r.conversationId)).size,
    probes,
    sealProbes,
    seals,
    factRecall: ratio(facts.hit, facts.eligible),
    factPairs: facts.eligible,
    artifactRecall: ratio(artifacts.hit, artifacts.eligible),
    artifactPairs: artifacts.eligible,
    latestWins: ratio(decisions.latestWins, decisions.eligible),
    staleOnly: ratio(decisions.staleOnly, decisions.eligible),
    decisionPairs: decisions.eligible,
    continuationUser: ratio(cont.user, cont.probes),
    continuationAssistant: ratio(cont.assistant, cont.probes),
    continuationBoth: ratio(cont.both, cont.probes),
    fillProbes: fill.probes,
    fillMeanReported: ratio(fill.reportedSum, fill.probes),
    fillMinReported: reportedMin,
    fillAt90Reported: ratio(fill.reportedAt90, fill.probes),
    fillMeanOwn: ratio(fill.ownSum, fill.probes),
    fillMinOwn: ownMin,
    fillAt90Own: ratio(fill.ownAt90, fill.probes),
    overBudget,
    usedMismatches,
    mismatchExamples,
    compression: compressions.length
      ? compressions.reduce((a, b) => a + b, 0) / compressions.length
      : null,
    summaryRatio: summaryMessages > 0 && replacedTokens > 0 ? summaryTokens / replacedTokens : null,
    factsByCategory,
    artifactsByCategory,
    recallByAge,
  };
}

/** The targets of the issue, and whether an aggregate meets them (null: nothing to judge). */
export interface TargetVerdicts {
  factRecall: boolean | null;
  artifactRecall: boolean | null;
  latestWins: boolean | null;
  continuation: boolean | null;
  budgetFill: boolean | null;
  overBudget: boolean;
  compression: boolean | null;
}

export const TARGETS = {
  factRecall: 0.9,
  artifactRecall: 0.8,
  latestWins: 0.95,
  staleOnly: 0,
  continuation: 1,
  budgetFill: 0.9,
} as const;

/**
 * Judges an aggregate against the targets: fact recall ≥ 90%, artifact recall ≥ 80%, latest
 * value wins ≥ 95% with stale-only 0, continuation 100%, budget fill ≥ 90% at every probe where
 * the conversation is longer than the budget (the minimum, by the SDK's report and by our
 * count), no context over budget, and compression (summary tokens per replaced token) no worse
 * (no higher) than the v1 baseline's.
 */
export function judge(a: Aggregate, v1: Aggregate | null): TargetVerdicts {
  const atLeast = (v: number | null, t: number) => (v === null ? null : v >= t - 1e-12);
  return {
    factRecall: atLeast(a.factRecall, TARGETS.factRecall),
    artifactRecall: atLeast(a.artifactRecall, TARGETS.artifactRecall),
    latestWins:
      a.latestWins === null ? null : a.latestWins >= TARGETS.latestWins && a.staleOnly === 0,
    continuation: atLeast(a.continuationBoth, TARGETS.continuation),
    budgetFill:
      a.fillProbes === 0
        ? null
        : (a.fillMinReported ?? 0) >= TARGETS.budgetFill &&
          (a.fillMinOwn ?? 0) >= TARGETS.budgetFill,
    overBudget: a.overBudget === 0,
    compression:
      a.summaryRatio === null || v1?.summaryRatio == null
        ? null
        : a.summaryRatio <= v1.summaryRatio + 1e-12,
  };
}
