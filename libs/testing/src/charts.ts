/**
 * @threadline/testing/charts: report charts (vega-lite, rendered to SVG headless) for the
 * benchmarks and the eval. An entry of its own so that loading the harness does not load vega.
 */
export { renderChart } from './charts/render-chart.ts';
