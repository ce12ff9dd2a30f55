import type { SessionSettings } from '../methods/context-source.ts';

/** The grid of session settings × read budgets. */
export interface EvalGrid {
  /** Open-segment tokens at which a segment is sealed. */
  thresholds: number[];
  /** Summary token caps (`summaryMaxTokens`). */
  caps: number[];
  /** Budgets of the context reads (`getContextWindow({ budget })`). */
  budgets: number[];
  /** Set high so that tokens, not turns, drive sealing. */
  maxTurnsPerSegment: number;
  /** One more row with the SDK's defaults (only `infiniteContext` set). */
  sdkDefaultsRow: boolean;
}

/** Which LLM summarizes in the LLM rows. */
export type LlmTarget =
  | { kind: 'fake' }
  | { kind: 'endpoint'; url: string; apiKey?: string; model: string }
  | { kind: 'off' };

export interface EvalOptions {
  seed: number;
  quick: boolean;
  conversationsPerDomain: number;
  minTurns: number;
  maxTurns: number;
  grid: EvalGrid;
  llm: LlmTarget;
  /** The settings rows the LLM summarizer runs on: the headline ones, or the whole grid. */
  llmRows: 'headline' | 'all';
  /** Conversations recorded at once in the LLM rows (a remote LLM is slow, our side is not). */
  llmConcurrency: number;
}

/** The headline: thresholds 1000 and 2000 at the default cap, budget 2000, 20+ segments. */
export const HEADLINE = {
  thresholds: [1000, 2000],
  cap: 400,
  budget: 2000,
  minSegments: 20,
} as const;

export const FULL_GRID: EvalGrid = {
  thresholds: [1000, 2000, 4000],
  caps: [200, 400, 800],
  budgets: [1000, 2000, 4000, 8000],
  maxTurnsPerSegment: 1000,
  sdkDefaultsRow: true,
};

export const QUICK_GRID: EvalGrid = {
  thresholds: [1000],
  caps: [400],
  budgets: [2000],
  maxTurnsPerSegment: 1000,
  sdkDefaultsRow: false,
};

export const DEFAULT_SEED = 20260501;

export function defaultOptions(quick: boolean): EvalOptions {
  return {
    seed: DEFAULT_SEED,
    quick,
    conversationsPerDomain: quick ? 1 : 12,
    minTurns: quick ? 40 : 60,
    maxTurns: quick ? 60 : 300,
    grid: quick ? QUICK_GRID : FULL_GRID,
    llm: { kind: 'fake' },
    llmRows: 'headline',
    llmConcurrency: 4,
  };
}

/** One row of session settings. */
export interface SettingsRow {
  id: string;
  label: string;
  /** What is passed to the SessionManager (absent: the SDK default). */
  settings: SessionSettings;
  /** The values in force, for the tables (the SDK defaults resolved). */
  tokenThreshold: number;
  summaryMaxTokens: number;
  maxTurnsPerSegment: number;
  headline: boolean;
}

/** The SDK's defaults as documented (libs/sdk/README.md): 4000 tokens, 20 turns, a 400-token cap. */
export const SDK_DEFAULTS = { tokenThreshold: 4000, maxTurnsPerSegment: 20, summaryMaxTokens: 400 };

export function settingsRows(grid: EvalGrid): SettingsRow[] {
  const rows: SettingsRow[] = [];
  for (const threshold of grid.thresholds)
    for (const cap of grid.caps)
      rows.push({
        id: `t${threshold}-c${cap}`,
        label: `threshold ${threshold}, cap ${cap}`,
        settings: {
          tokenThreshold: threshold,
          summaryMaxTokens: cap,
          maxTurnsPerSegment: grid.maxTurnsPerSegment,
        },
        tokenThreshold: threshold,
        summaryMaxTokens: cap,
        maxTurnsPerSegment: grid.maxTurnsPerSegment,
        headline:
          (HEADLINE.thresholds as readonly number[]).includes(threshold) && cap === HEADLINE.cap,
      });
  if (grid.sdkDefaultsRow)
    rows.push({
      id: 'sdk-defaults',
      label: 'SDK defaults',
      settings: {},
      ...SDK_DEFAULTS,
      headline: false,
    });
  return rows;
}
