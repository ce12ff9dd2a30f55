import { renderTable } from '../text-table.ts';
import type { LoadRunResult } from './run-loadgen.ts';

const ms = (value: number) => (value >= 100 ? `${value.toFixed(0)} ms` : `${value.toFixed(1)} ms`);
const perSecond = (events: number, millis: number) =>
  millis > 0 ? Math.round((events * 1000) / millis).toLocaleString('en-US') : '-';

/** The closing table of `threadline loadgen`. */
export function renderLoadReport(r: LoadRunResult): string {
  const rows: string[][] = [
    ['target', r.target],
    ['sessions', String(r.sessions)],
    [
      'events sent',
      `${r.eventsSent.toLocaleString('en-US')} of ${r.eventsPlanned.toLocaleString('en-US')} (${r.batch} per ${r.target.startsWith('http') ? 'request' : 'job'})`,
    ],
    ['send time', `${(r.sendMs / 1000).toFixed(2)} s`],
    [
      'sent events/s',
      `${perSecond(r.eventsSent, r.sendMs)} (asked ${r.rate.toLocaleString('en-US')})`,
    ],
    [
      'applied events/s',
      r.eventsSent === 0
        ? '-'
        : r.allAppliedMs === null
          ? `- (${r.sessionsNotApplied} sessions not fully applied)`
          : `${perSecond(r.eventsSent, r.allAppliedMs)} (all applied ${(r.allAppliedMs / 1000).toFixed(2)} s after the first send)`,
    ],
  ];
  const l = r.latency;
  if (l) {
    rows.push(['latency sample', `${l.count} events (accept → applied)`]);
    rows.push(['p50 accept→applied', ms(l.p50)]);
    rows.push(['p90 accept→applied', ms(l.p90)]);
    rows.push(['p99 accept→applied', ms(l.p99)]);
    rows.push(['max accept→applied', ms(l.max)]);
  } else rows.push(['latency sample', 'none (no sampled event was applied)']);
  rows.push(['errors', String(r.errors.reduce((n, e) => n + e.count, 0))]);
  for (const e of r.errors.slice(0, 5))
    rows.push([`  ${e.kind}`, `${e.count}× e.g. ${e.example.slice(0, 100)}`]);
  if (r.eventsFailed) rows.push(['events not sent', String(r.eventsFailed)]);
  if (r.timedOut)
    rows.push(['timed out', 'yes: the run hit --timeout; figures cover what was done by then']);
  return renderTable([{ header: 'loadgen' }, { header: 'result' }], rows);
}
