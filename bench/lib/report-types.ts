/** One target of the issue, with the value measured next to it. */
export interface TargetResult {
  scenario: number;
  name: string;
  target: string;
  measured: string;
  /** null when the target does not apply to what was measured (explained in the notes). */
  met: boolean | null;
}

export interface Table {
  title?: string;
  columns: string[];
  rows: string[][];
}

export interface ScenarioResult {
  id: number;
  title: string;
  mode: 'quick' | 'full';
  /** ISO date-time the scenario ran. */
  ranAt: string;
  seconds: number;
  /** How it was measured (markdown paragraphs). */
  method: string[];
  tables: Table[];
  targets: TargetResult[];
  /** Findings and explanations (markdown paragraphs). */
  findings: string[];
  /** /proc/loadavg (1, 5, 15 min) when the scenario started and ended: how busy the shared machine was. */
  loadAverage?: { start: string; end: string };
  /** File name of the chart under bench/charts/. */
  chart: string | null;
  /** A vega-lite spec (data inline), rendered to `chart`. */
  chartSpec: Record<string, unknown> | null;
  raw: unknown;
}

export interface ScenarioContext {
  quick: boolean;
  /** Results of scenarios that ran earlier in this invocation (scenario 2 reads scenario 1's rate). */
  earlier: Map<number, ScenarioResult>;
  log(line: string): void;
}

export interface Scenario {
  id: number;
  title: string;
  run(ctx: ScenarioContext): Promise<ScenarioResult>;
}
