import { renderChart } from '@threadline/testing/charts';
import { HEADLINE } from '../run/eval-options.ts';
import type { EvalResults, Method } from '../run/run-eval.ts';
import { aggregate } from './aggregate.ts';
import { cell } from './eval-markdown.ts';

const METHODS: Method[] = ['sdk', 'v1', 'truncation', 'sdk-llm'];
/** Short names for the legends (the SDK and v1 lines coincide while the SDK runs 1ad38c6's code). */
const CHART_LABELS: Record<Method, string> = {
  sdk: 'SDK',
  v1: 'v1 baseline (1ad38c6)',
  truncation: 'truncation',
  'sdk-llm': 'SDK + LLM summarizer',
};

/**
 * The charts of EVAL.md, rendered to SVG with the bench's vega-lite renderer (libs/testing): each method's
 * figures against the budget, the SDK's recall over the threshold × cap grid, and per domain.
 * Returns the files written (name and title).
 */
export async function renderEvalCharts(
  results: EvalResults,
  directory: string,
): Promise<Array<{ title: string; file: string }>> {
  const written: Array<{ title: string; file: string }> = [];
  const row =
    results.rows.find((r) => r.id === `t${HEADLINE.thresholds[0]}-c${HEADLINE.cap}`) ??
    results.rows[0]!;
  const budgets = results.options.grid.budgets;
  const headlineBudget = budgets.includes(HEADLINE.budget) ? HEADLINE.budget : budgets[0]!;

  const curves: Array<Record<string, unknown>> = [];
  for (const method of METHODS)
    for (const budget of budgets) {
      const records = cell(results.records, method, row.id, budget);
      if (records.length === 0) continue;
      const a = aggregate(records);
      const metrics: Array<[string, number | null]> = [
        ['fact recall', a.factRecall],
        ['artifact recall', a.artifactRecall],
        ['latest value wins', a.latestWins],
        ['budget fill (mean)', a.fillMeanReported],
      ];
      for (const [metric, value] of metrics)
        if (value !== null) curves.push({ method: CHART_LABELS[method], budget, metric, value });
    }
  if (budgets.length > 1 && curves.length > 0) {
    await renderChart(
      {
        title: `Probe scores against the budget (${row.label}, every conversation)`,
        data: { values: curves },
        mark: { type: 'line', point: true },
        encoding: {
          x: {
            field: 'budget',
            type: 'quantitative',
            scale: { type: 'log', base: 2 },
            axis: { values: budgets, format: 'd' },
          },
          y: {
            field: 'value',
            type: 'quantitative',
            axis: { format: '%' },
            scale: { domain: [0, 1] },
          },
          color: {
            field: 'method',
            type: 'nominal',
            legend: { orient: 'bottom', columns: 2, labelLimit: 300 },
          },
          column: { field: 'metric', type: 'nominal', title: null },
        },
        width: 170,
        height: 170,
      },
      `${directory}/budget-curves.svg`,
    );
    written.push({ title: 'Probe scores against the budget', file: 'budget-curves.svg' });
  }

  const grid: Array<Record<string, unknown>> = [];
  for (const r of results.rows.filter((r) => r.id !== 'sdk-defaults')) {
    const a = aggregate(cell(results.records, 'sdk', r.id, headlineBudget));
    for (const [metric, value] of [
      ['fact recall', a.factRecall],
      ['artifact recall', a.artifactRecall],
    ] as const)
      if (value !== null)
        grid.push({ threshold: r.tokenThreshold, cap: r.summaryMaxTokens, metric, value });
  }
  if (results.rows.length > 1 && grid.length > 0) {
    await renderChart(
      {
        title: `SDK recall over threshold × summary cap (budget ${headlineBudget})`,
        data: { values: grid },
        facet: { column: { field: 'metric', type: 'nominal', title: null } },
        spec: {
          width: 180,
          height: 150,
          encoding: {
            x: { field: 'threshold', type: 'ordinal' },
            y: { field: 'cap', type: 'ordinal', sort: 'descending', title: 'summary cap' },
          },
          layer: [
            {
              mark: 'rect',
              encoding: {
                color: {
                  field: 'value',
                  type: 'quantitative',
                  scale: { domain: [0, 1], scheme: 'blues' },
                  legend: { format: '%' },
                },
              },
            },
            {
              mark: { type: 'text', fontSize: 11 },
              encoding: { text: { field: 'value', type: 'quantitative', format: '.0%' } },
            },
          ],
        },
      },
      `${directory}/sdk-grid.svg`,
    );
    written.push({ title: 'SDK recall over threshold × cap', file: 'sdk-grid.svg' });
  }

  const domains: Array<Record<string, unknown>> = [];
  for (const method of METHODS)
    for (const domain of ['support', 'travel', 'coding', 'shopping']) {
      const records = cell(results.records, method, row.id, headlineBudget).filter(
        (r) => r.domain === domain,
      );
      if (records.length === 0) continue;
      const a = aggregate(records);
      for (const [metric, value] of [
        ['fact recall', a.factRecall],
        ['artifact recall', a.artifactRecall],
      ] as const)
        if (value !== null) domains.push({ method: CHART_LABELS[method], domain, metric, value });
    }
  if (domains.length > 0) {
    await renderChart(
      {
        title: `Recall per domain (${row.label}, budget ${headlineBudget})`,
        data: { values: domains },
        mark: 'bar',
        encoding: {
          x: { field: 'domain', type: 'nominal', title: null },
          xOffset: { field: 'method', type: 'nominal' },
          y: {
            field: 'value',
            type: 'quantitative',
            axis: { format: '%' },
            scale: { domain: [0, 1] },
          },
          color: {
            field: 'method',
            type: 'nominal',
            legend: { orient: 'bottom', columns: 2, labelLimit: 300 },
          },
          column: { field: 'metric', type: 'nominal', title: null },
        },
        width: 260,
        height: 180,
      },
      `${directory}/by-domain.svg`,
    );
    written.push({ title: 'Recall per domain', file: 'by-domain.svg' });
  }
  return written;
}
