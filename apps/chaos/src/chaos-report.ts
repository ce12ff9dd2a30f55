import { renderFacts } from '@threadline/cli';
import type { ChaosReport } from './run-chaos.ts';

const n = (value: number) => value.toLocaleString('en-US');
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The closing report: the figures of the run, then every violation, one per line. */
export function renderChaosReport(report: ChaosReport): string {
  const { figures: f, options: o } = report;
  const q = f.queues;
  const retries = Object.entries(f.httpRetriesByReason)
    .map(([reason, count]) => `${reason} ${n(count)}`)
    .join(', ');
  const facts: Array<[string, string]> = [
    ['seed', String(o.seed)],
    ['sessions × events', `${n(f.sessions)} × ${o.eventsPerSession}`],
    [
      'events accepted',
      `${n(f.eventsAccepted)} (every batch sent twice: ${n(f.duplicateEventsSent)} duplicate events)`,
    ],
    ['HTTP requests', n(f.requests)],
    ['HTTP retries', `${n(f.httpRetries)}${retries ? ` (${retries})` : ''}`],
    [
      'SIGKILLs',
      `${n(f.chaos.kills['session-worker'] + f.chaos.kills.summarizer)} (session-worker ${f.chaos.kills['session-worker']}, summarizer ${f.chaos.kills.summarizer})`,
    ],
    [
      'serving meanwhile',
      `session workers ${f.chaos.serving['session-worker'].average.toFixed(1)} on average (min ${f.chaos.serving['session-worker'].min}) of ${o.sessionWorkers}, summarizers ${f.chaos.serving.summarizer.average.toFixed(1)} (min ${f.chaos.serving.summarizer.min}) of ${o.summarizers}`,
    ],
    ['CLIENT KILLs', `${f.chaos.clientKills} (${n(f.chaos.connectionsKilled)} connections)`],
    [
      'Redis restarts',
      `${f.chaos.redisRestarts}${f.chaos.redisDowntimeMs.length ? ` (crash → answering again: ${f.chaos.redisDowntimeMs.map((ms) => `${ms} ms`).join(', ')})` : ''}`,
    ],
    [
      'redelivered jobs',
      `${n(q.eventJobsRedelivered)} of ${n(q.eventJobs)} event jobs, ${n(q.summarizeJobsRedelivered)} of ${n(q.summarizeJobs)} summarize jobs`,
    ],
    [
      'duplicates dropped',
      `${n(q.duplicateEventsDropped)} events skipped by workers as already applied (resends in two parts, redelivered jobs); whole-batch resends collapsed on their job id; ${n(q.duplicateSummariesDropped)} duplicate summary answers skipped`,
    ],
    [
      'summaries',
      `${n(f.summaries.sealedSegments)} sealed segments: ${n(f.summaries.llm)} by the LLM, ${n(f.summaries.fallbacks)} extractive fallbacks`,
    ],
    [
      'LLM calls',
      `${n(f.llm.requests)}: ${n(f.llm.ok)} answered, ${n(f.llm.failures)} 5xx, ${n(f.llm.timeouts)} timeouts, ${n(f.llm.rateLimited)} 429`,
    ],
    ['failed jobs', `${n(q.failedEventJobs)} event, ${n(q.failedSummarizeJobs)} summarize`],
    ['load', s(f.loadMs)],
    [
      'time to quiesce',
      f.quiesceMs === null ? `not within ${s(o.quiesceTimeoutMs)}` : s(f.quiesceMs),
    ],
    ['whole run', s(f.totalMs)],
    ['violations', n(report.violations.length)],
  ];
  const lines = ['chaos run', renderFacts(facts, '  ')];
  if (report.violations.length) {
    lines.push('', 'violations:');
    for (const v of report.violations) lines.push(`  [${v.kind}] ${v.sessionId}: ${v.detail}`);
  }
  if (report.logDir) lines.push('', `process logs: ${report.logDir}`);
  return lines.join('\n');
}
