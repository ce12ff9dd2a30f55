import type { CellRecord, EvalResults, Method } from '../run/run-eval.ts';
import { HEADLINE } from '../run/eval-options.ts';
import { AGE_BUCKETS } from '../scoring/probe-score.ts';
import { aggregate, judge, TARGETS, type Aggregate } from './aggregate.ts';

/** Where and how a run was made. */
export interface RunFacts {
  command: string;
  startedAt: string;
  commit: string;
  machine: string;
  /** Paths of the charts, relative to the markdown file. */
  charts: Array<{ title: string; path: string }>;
  /** Where the results JSON was written. */
  resultsPath: string;
}

export const METHOD_LABELS: Record<Method, string> = {
  sdk: 'SDK (this code, extractive summarizer)',
  v1: 'v1 baseline (frozen 1ad38c6)',
  truncation: 'truncation baseline',
  'sdk-llm': 'SDK + LLM summarizer',
};

const pct = (v: number | null, digits = 1) => (v === null ? '–' : `${(v * 100).toFixed(digits)}%`);
const num = (v: number | null, digits = 2) => (v === null ? '–' : v.toFixed(digits));
const mark = (text: string, met: boolean | null) =>
  met === null ? `${text} (n/a)` : met ? `${text} met` : `${text} **missed**`;
const esc = (cell: string) => cell.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function table(columns: string[], rows: string[][]): string {
  return [
    `| ${columns.map(esc).join(' | ')} |`,
    `| ${columns.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

/** Records of one method at one row and budget, optionally only conversations with enough SDK segments. */
export function cell(
  records: readonly CellRecord[],
  method: Method,
  row: string,
  budget: number,
  minSegments = 0,
): CellRecord[] {
  return records.filter(
    (r) =>
      r.method === method && r.row === row && r.budget === budget && r.sdkSegments >= minSegments,
  );
}

/** The headline rows: each method at thresholds 1000 and 2000, default cap, budget 2000. */
export function headlineRows(results: EvalResults): Array<{
  method: Method;
  row: string;
  threshold: number;
  aggregate: Aggregate;
  v1: Aggregate;
}> {
  const minSegments = results.options.quick ? 0 : HEADLINE.minSegments;
  const out = [];
  const methods: Method[] = ['sdk', 'v1', 'truncation', 'sdk-llm'];
  for (const threshold of HEADLINE.thresholds) {
    const row = results.rows.find((r) => r.id === `t${threshold}-c${HEADLINE.cap}` && r.headline);
    if (!row || !results.options.grid.budgets.includes(HEADLINE.budget)) continue;
    const v1 = aggregate(cell(results.records, 'v1', row.id, HEADLINE.budget, minSegments));
    for (const method of methods) {
      const records = cell(results.records, method, row.id, HEADLINE.budget, minSegments);
      if (records.length === 0) continue;
      out.push({ method, row: row.id, threshold, aggregate: aggregate(records), v1 });
    }
  }
  return out;
}

function headlineTable(results: EvalResults): string {
  const rows = headlineRows(results).map(({ method, threshold, aggregate: a, v1 }) => {
    const j = judge(a, method === 'v1' ? null : v1);
    return [
      method === 'sdk-llm'
        ? `${METHOD_LABELS[method]} (${results.llmName ?? '?'})`
        : METHOD_LABELS[method],
      String(threshold),
      String(a.conversations),
      mark(pct(a.factRecall), j.factRecall),
      mark(pct(a.artifactRecall), j.artifactRecall),
      mark(`${pct(a.latestWins)} / stale ${pct(a.staleOnly)}`, j.latestWins),
      mark(pct(a.continuationBoth), j.continuation),
      mark(
        `min ${pct(a.fillMinReported)} (ours ${pct(a.fillMinOwn)}), ≥90% at ${pct(a.fillAt90Reported)}`,
        j.budgetFill,
      ),
      mark(String(a.overBudget), j.overBudget),
      method === 'v1'
        ? `${num(a.summaryRatio, 3)} (the reference)`
        : mark(`${num(a.summaryRatio, 3)} vs v1 ${num(v1.summaryRatio, 3)}`, j.compression),
    ];
  });
  return table(
    [
      'method',
      'threshold',
      'conversations',
      `fact recall (≥ ${pct(TARGETS.factRecall, 0)})`,
      `artifact recall (≥ ${pct(TARGETS.artifactRecall, 0)})`,
      `latest value wins (≥ ${pct(TARGETS.latestWins, 0)}, stale-only 0)`,
      'continuation (100%)',
      'budget fill (≥ 90% whenever history > budget)',
      'over budget (0)',
      'summary tokens per replaced token (≤ v1)',
    ],
    rows,
  );
}

function cellRow(label: string[], a: Aggregate): string[] {
  return [
    ...label,
    String(a.conversations),
    `${a.sealProbes}+${a.probes - a.sealProbes}`,
    pct(a.factRecall),
    pct(a.artifactRecall),
    pct(a.latestWins),
    pct(a.staleOnly),
    `${pct(a.continuationUser, 0)} / ${pct(a.continuationAssistant, 0)} / ${pct(a.continuationBoth, 0)}`,
    `${pct(a.fillMeanReported, 0)} / ${pct(a.fillMinReported, 0)} / ${pct(a.fillAt90Reported, 0)}`,
    `${pct(a.fillMeanOwn, 0)} / ${pct(a.fillMinOwn, 0)}`,
    String(a.overBudget),
    String(a.usedMismatches),
    num(a.compression, 1),
    num(a.summaryRatio, 3),
  ];
}

const CELL_COLUMNS = [
  'conv.',
  'probes (seal+end)',
  'facts',
  'artifacts',
  'latest wins',
  'stale-only',
  'continuation user / assistant / both',
  'fill mean / min / ≥90% (report)',
  'fill mean / min (ours)',
  'over budget',
  'used ≠ ours',
  'history ÷ context',
  'summary ÷ replaced',
];

function everyCell(results: EvalResults, method: Method): string {
  const rows: string[][] = [];
  for (const row of results.rows)
    for (const budget of results.options.grid.budgets) {
      const records = cell(results.records, method, row.id, budget);
      if (records.length === 0) continue;
      rows.push(
        cellRow(
          [
            row.id === 'sdk-defaults' ? 'defaults (4000, 20 turns)' : String(row.tokenThreshold),
            String(row.summaryMaxTokens),
            String(budget),
          ],
          aggregate(records),
        ),
      );
    }
  return rows.length ? table(['threshold', 'cap', 'budget', ...CELL_COLUMNS], rows) : '_not run_';
}

function byDomain(results: EvalResults): string {
  const row =
    results.rows.find((r) => r.id === `t${HEADLINE.thresholds[0]}-c${HEADLINE.cap}`) ??
    results.rows[0]!;
  const budget = results.options.grid.budgets.includes(HEADLINE.budget)
    ? HEADLINE.budget
    : results.options.grid.budgets[0]!;
  const rows: string[][] = [];
  for (const method of ['sdk', 'v1', 'truncation', 'sdk-llm'] as const)
    for (const domain of ['support', 'travel', 'coding', 'shopping']) {
      const records = cell(results.records, method, row.id, budget).filter(
        (r) => r.domain === domain,
      );
      if (records.length) rows.push(cellRow([METHOD_LABELS[method], domain], aggregate(records)));
    }
  return `At ${row.label}, budget ${budget}, every conversation.\n\n${table(['method', 'domain', ...CELL_COLUMNS], rows)}`;
}

function byCategory(results: EvalResults): string {
  const row =
    results.rows.find((r) => r.id === `t${HEADLINE.thresholds[0]}-c${HEADLINE.cap}`) ??
    results.rows[0]!;
  const budget = results.options.grid.budgets.includes(HEADLINE.budget)
    ? HEADLINE.budget
    : results.options.grid.budgets[0]!;
  const methods = (['sdk', 'v1', 'truncation', 'sdk-llm'] as const).filter(
    (m) => cell(results.records, m, row.id, budget).length > 0,
  );
  const aggs = methods.map((m) => aggregate(cell(results.records, m, row.id, budget)));
  const categories = (kind: 'factsByCategory' | 'artifactsByCategory') =>
    [...new Set(aggs.flatMap((a) => Object.keys(a[kind])))].sort();
  const rows: string[][] = [];
  for (const kind of ['factsByCategory', 'artifactsByCategory'] as const)
    for (const category of categories(kind))
      rows.push([
        kind === 'factsByCategory' ? 'fact' : 'artifact',
        category,
        ...aggs.map((a) => {
          const t = a[kind][category];
          return t ? `${pct(t.eligible ? t.hit / t.eligible : null, 0)} of ${t.eligible}` : '–';
        }),
      ]);
  return `At ${row.label}, budget ${budget}: share of (probe, item) pairs recalled.\n\n${table(['kind', 'category', ...methods.map((m) => METHOD_LABELS[m])], rows)}`;
}

function byAge(results: EvalResults): string {
  const row =
    results.rows.find((r) => r.id === `t${HEADLINE.thresholds[0]}-c${HEADLINE.cap}`) ??
    results.rows[0]!;
  const budget = results.options.grid.budgets.includes(HEADLINE.budget)
    ? HEADLINE.budget
    : results.options.grid.budgets[0]!;
  const methods = (['sdk', 'v1', 'truncation', 'sdk-llm'] as const).filter(
    (m) => cell(results.records, m, row.id, budget).length > 0,
  );
  const aggs = methods.map((m) => aggregate(cell(results.records, m, row.id, budget)));
  const rows = AGE_BUCKETS.map((bucket) => [
    bucket,
    ...aggs.map((a) => {
      const t = a.recallByAge[bucket];
      return t ? `${pct(t.eligible ? t.hit / t.eligible : null, 0)} of ${t.eligible}` : '–';
    }),
  ]);
  return `At ${row.label}, budget ${budget}: facts and artifacts together, by how many segments before the probe they were planted.\n\n${table(['age (segments)', ...methods.map((m) => METHOD_LABELS[m])], rows)}`;
}

/** Facts the run found about the SDK's own figures: budget report, over-budget contexts. */
function findings(results: EvalResults): string[] {
  const out: string[] = [];
  for (const method of ['sdk', 'sdk-llm'] as const) {
    const records = results.records.filter((r) => r.method === method);
    if (records.length === 0) continue;
    const a = aggregate(records);
    const label = METHOD_LABELS[method];
    out.push(
      a.usedMismatches === 0
        ? `${label}: \`report.used\` equalled our own count of the returned messages at all ${a.probes} probe reads.`
        : `${label}: \`report.used\` differed from our own count of the returned messages at ${a.usedMismatches} of ${a.probes} probe reads, e.g. ${a.mismatchExamples
            .map(
              (e) =>
                `${e.conversationId} after event ${e.eventIndex}: reported ${e.reported}, counted ${e.own}`,
            )
            .join('; ')}.`,
    );
    out.push(
      a.overBudget === 0
        ? `${label}: no context exceeded its budget (${a.probes} probe reads).`
        : `${label}: **${a.overBudget} context(s) exceeded their budget** (of ${a.probes} probe reads).`,
    );
  }
  const v1ByKey = new Map(
    results.records
      .filter((r) => r.method === 'v1')
      .map((r) => [`${r.row}/${r.budget}/${r.conversationId}`, r]),
  );
  const pairs = results.records.filter((r) => r.method === 'sdk');
  const differing = pairs.filter((r) => {
    const v1 = v1ByKey.get(`${r.row}/${r.budget}/${r.conversationId}`);
    return !v1 || JSON.stringify(v1.score) !== JSON.stringify(r.score) || v1.seals !== r.seals;
  }).length;
  out.push(
    differing === 0
      ? `The SDK and the frozen v1 baseline score exactly the same in all ${pairs.length} (conversation, settings, budget) cells: the code measured assembles the contexts of 1ad38c6.`
      : `The SDK and the frozen v1 baseline differ in ${differing} of ${pairs.length} (conversation, settings, budget) cells.`,
  );
  return out;
}

function corpusTable(results: EvalResults): string {
  const rows = ['support', 'travel', 'coding', 'shopping'].map((domain) => {
    const cs = results.conversations.filter((c) => c.domain === domain);
    const sum = (f: (c: (typeof cs)[number]) => number) => cs.reduce((a, c) => a + f(c), 0);
    return [
      domain,
      String(cs.length),
      `${Math.min(...cs.map((c) => c.turns))}–${Math.max(...cs.map((c) => c.turns))}`,
      String(sum((c) => c.toolCalls)),
      String(sum((c) => c.failedToolCalls)),
      String(sum((c) => c.facts)),
      String(sum((c) => c.artifacts)),
      String(sum((c) => c.decisions)),
      `${Math.round(sum((c) => c.historyTokens) / Math.max(1, cs.length))}`,
    ];
  });
  return table(
    [
      'domain',
      'conversations',
      'turns',
      'tool calls',
      'failed',
      'facts',
      'artifacts',
      'decisions',
      'mean history tokens',
    ],
    rows,
  );
}

/** EVAL.md: the headline against the targets, findings, and every cell. */
/**
 * For each target the SDK misses at the headline: the best any summary cap of the grid reached
 * at the same threshold and budget, and at what compression; then why a fixed cap misses and
 * what would reach the target. Figures from this run; nothing when every target is met.
 */
function missedTargets(results: EvalResults): string[] {
  const minSegments = results.options.quick ? 0 : HEADLINE.minSegments;
  const lines: string[] = [];
  const metrics = [
    ['factRecall', 'fact recall'],
    ['artifactRecall', 'artifact recall'],
    ['latestWins', 'latest value wins'],
  ] as const;
  for (const { method, threshold, aggregate: a, v1 } of headlineRows(results)) {
    if (method !== 'sdk') continue;
    const verdicts = judge(a, v1);
    for (const [metric, label] of metrics) {
      if (verdicts[metric] !== false) continue;
      const byCap = results.options.grid.caps.map((cap) => {
        const cellOf = aggregate(
          cell(results.records, 'sdk', `t${threshold}-c${cap}`, HEADLINE.budget, minSegments),
        );
        return { cap, value: cellOf[metric], ratio: cellOf.summaryRatio };
      });
      const shown = byCap
        .filter((c) => c.value !== null)
        .map(
          (c) =>
            `cap ${c.cap}: ${pct(c.value)} (summary ÷ replaced ${c.ratio === null ? '–' : c.ratio.toFixed(3)})`,
        );
      lines.push(
        `- Threshold ${threshold}, ${label}: ${pct(a[metric])} at the default cap; by cap: ${shown.join(', ')}; v1's summary ÷ replaced ${v1.summaryRatio === null ? '–' : v1.summaryRatio.toFixed(3)}.`,
      );
    }
  }
  if (lines.length === 0) return [];
  const long = results.conversations.filter((c) => c.turns >= 200);
  const planted = (c: { facts: number; artifacts: number; decisions: number }) =>
    c.facts + c.artifacts + c.decisions;
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
  return [
    '## Targets missed: why, and what would reach them',
    '',
    ...lines,
    '',
    `Why: a summary has a fixed token cap, and what a long conversation plants grows with it: conversations of 200+ turns here plant ${mean(long.map(planted)).toFixed(0)} facts, tool-result artifacts and decisions on average (up to ${Math.max(0, ...long.map(planted))}), each 8–20 tokens as a summary line, besides the goals, the pending request and the tool outcomes a model also needs; ${HEADLINE.cap} tokens hold about 25 such lines, so the oldest lowest-priority items go to the summary's reserve. A larger cap keeps them (the rows above) but makes the summary a larger share of what it replaces than v1's, which the compression target forbids; the targets conflict at a fixed cap.`,
    '',
    'What would reach them: (1) a cap that grows with the covered history (a few tokens per thousand replaced, bounded by a share of the budget), trading the compression target for recall explicitly; (2) artifacts in an index kept beside the summary (ids, URLs, paths, e-mails by the record they came from), shown in the context only when the recent turns name their record, so they stop competing with facts for the cap; (3) decisions as a map from subject to latest value (one line per subject, the superseded value dropped), so a revision never leaves two lines.',
    '',
  ];
}

export function evalMarkdown(results: EvalResults, run: RunFacts): string {
  const o = results.options;
  const minSegments = o.quick ? 0 : HEADLINE.minSegments;
  const out: string[] = [
    '# Context quality evaluation',
    '',
    `Generated by \`${run.command}\` (${o.quick ? 'quick' : 'full'} run) on ${run.startedAt} at commit ${run.commit}; seed ${o.seed}; ${results.seconds.toFixed(0)} s on ${run.machine}. Results JSON: \`${run.resultsPath}\` (not committed). Definitions: [apps/eval/README.md](apps/eval/README.md).`,
    '',
    `Probe-based, after Factory's evaluation of context compression (recall, artifact, continuation, decision probes), scored mechanically on the text of the context window: ${o.conversationsPerDomain * 4} generated conversations (${o.minTurns}–${o.maxTurns} turns) are recorded through the SDK (embedded runtime, awaited idle after every event, so summaries land before the next event as with a fast summarizer) and read back with \`getContextWindow({ budget })\` at the first model call after every seal and at the end. Baselines on the same conversations: truncation only, and a frozen copy of the 1ad38c6 summarizer.`,
    '',
    ...(results.llmName?.startsWith('fake-llm')
      ? [
          'The LLM rows ran against the fake LLM of libs/testing (no `THREADLINE_EVAL_LLM_URL`): it answers with the first sentence of each message it is sent, so those rows check the wiring of the LLM summarizer, not the quality of LLM summaries.',
          '',
        ]
      : []),
    '## Headline',
    '',
    `Thresholds ${HEADLINE.thresholds.join(' and ')}, cap ${HEADLINE.cap} (the default), budget ${HEADLINE.budget}, ${minSegments > 0 ? `conversations of ${minSegments}+ segments (under the SDK)` : 'every conversation (quick run: none reaches 20 segments)'}.`,
    '',
    headlineTable(results),
    '',
    ...missedTargets(results),
    '## Findings',
    '',
    ...findings(results).map((f) => `- ${f}`),
    '',
    '## The conversations',
    '',
    corpusTable(results),
    '',
    '## By domain',
    '',
    byDomain(results),
    '',
    '## By kind of fact and artifact',
    '',
    byCategory(results),
    '',
    '## By age',
    '',
    byAge(results),
    '',
  ];
  for (const method of ['sdk', 'v1', 'truncation', 'sdk-llm'] as const) {
    out.push(
      `## Every cell: ${METHOD_LABELS[method]}${method === 'sdk-llm' && results.llmName ? `, ${results.llmName}` : ''}`,
      '',
      everyCell(results, method),
      '',
    );
  }
  out.push(
    'Columns: probes are seal probes + end probes; facts, artifacts, latest wins and stale-only are shares of (probe, item) pairs; continuation is the share of probes; fill is `report.used` ÷ budget (and our own count ÷ budget) at probes where the conversation so far is longer than the budget; history ÷ context is the mean over conversations at the end; summary ÷ replaced is Σ summary tokens ÷ Σ tokens of the events the context does not show verbatim, at the end.',
    '',
  );
  if (run.charts.length) {
    out.push('## Charts', '');
    for (const chart of run.charts) out.push(`![${chart.title}](${chart.path})`, '');
  }
  return out.join('\n');
}
