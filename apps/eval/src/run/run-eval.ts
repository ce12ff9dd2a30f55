import {
  DEFAULT_SESSION_CONFIG,
  defaultTokenCounter,
  PriceTable,
  type Summarizer,
} from '@threadline/core';
import { createLlmSummarizerWithFallback, OpenAiCompatibleClient } from '@threadline/llm';
import { startFakeLlm, type FakeLlm } from '@threadline/testing';
import { DOMAINS, type Conversation } from '../generator/conversation.ts';
import { generateConversation } from '../generator/generate-conversation.ts';
import { deriveSeed } from '../generator/rng.ts';
import { SdkSource } from '../methods/sdk-source.ts';
import { TruncationBaseline } from '../methods/truncation-baseline.ts';
import { V1Source } from '../methods/v1-source.ts';
import { ContextTokens } from '../scoring/context-tokens.ts';
import type { ConversationScore } from '../scoring/probe-score.ts';
import { RenderedConversation } from '../scoring/rendered-conversation.ts';
import { driveConversation } from './drive-conversation.ts';
import { settingsRows, type EvalOptions, type SettingsRow } from './eval-options.ts';

/** The ways of keeping context the eval compares. */
export const METHODS = ['sdk', 'v1', 'truncation', 'sdk-llm'] as const;
export type Method = (typeof METHODS)[number];

/** One conversation under one method, settings row and budget. */
export interface CellRecord {
  method: Method;
  row: string;
  tokenThreshold: number;
  summaryMaxTokens: number;
  maxTurnsPerSegment: number;
  budget: number;
  conversationId: string;
  domain: string;
  /** Segments at the end under this method (the truncation baseline has the SDK's). */
  segments: number;
  seals: number;
  /** Segments of the same conversation under the SDK at this row: what the headline filters on. */
  sdkSegments: number;
  score: ConversationScore;
}

export interface ConversationFacts {
  id: string;
  domain: string;
  seed: number;
  attempts: number;
  turns: number;
  events: number;
  toolCalls: number;
  failedToolCalls: number;
  facts: number;
  artifacts: number;
  decisions: number;
  historyTokens: number;
}

export interface EvalResults {
  options: EvalOptions;
  /** The LLM the `sdk-llm` rows were summarized by (null when they did not run). */
  llmName: string | null;
  rows: SettingsRow[];
  conversations: ConversationFacts[];
  records: CellRecord[];
  /** Seconds the measurement took (generation included). */
  seconds: number;
}

export interface EvalProgress {
  /** `done` of `total` units of work (conversation recordings), with a short status. */
  update(done: number, total: number, status: string): void;
  note(text: string): void;
}

const silent: EvalProgress = { update: () => {}, note: () => {} };

/** The conversations of a run, from its seed: `conversationsPerDomain` of each domain. */
export function generateCorpus(options: EvalOptions): Conversation[] {
  return DOMAINS.flatMap((domain, d) =>
    Array.from({ length: options.conversationsPerDomain }, (_, k) =>
      generateConversation({
        domain,
        seed: deriveSeed(options.seed, d * 1000 + k),
        id: `${domain}-${k + 1}`,
        minTurns: options.minTurns,
        maxTurns: options.maxTurns,
      }),
    ),
  );
}

/**
 * The whole evaluation: generates the conversations, records each through the SDK (with the
 * truncation baseline riding along) and through the frozen v1 simulator at every settings row,
 * then through the SDK with the LLM summarizer on the LLM rows, scoring every probe at every
 * budget.
 */
export async function runEval(
  options: EvalOptions,
  progress: EvalProgress = silent,
  signal?: AbortSignal,
): Promise<EvalResults> {
  const started = Date.now();
  const tokens = new ContextTokens();
  await tokens.prepare();
  await defaultTokenCounter.prepare([DEFAULT_SESSION_CONFIG.defaultModel]);
  progress.note(`generating ${options.conversationsPerDomain * DOMAINS.length} conversations`);
  const corpus = generateCorpus(options);
  const rendered = corpus.map((c) => new RenderedConversation(c, tokens));
  const rows = settingsRows(options.grid);
  const llmRows =
    options.llm.kind === 'off' ? [] : rows.filter((r) => options.llmRows === 'all' || r.headline);
  const total = corpus.length * (rows.length * 2 + llmRows.length);
  const budgets = options.grid.budgets;
  const records: CellRecord[] = [];
  const sdkSegments = new Map<string, number>();
  let done = 0;

  const push = (
    method: Method,
    row: SettingsRow,
    c: Conversation,
    outcome: { segments: number; seals: number },
    scores: Map<number, ConversationScore>,
  ) => {
    for (const [budget, score] of scores)
      records.push({
        method,
        row: row.id,
        tokenThreshold: row.tokenThreshold,
        summaryMaxTokens: row.summaryMaxTokens,
        maxTurnsPerSegment: row.maxTurnsPerSegment,
        budget,
        conversationId: c.id,
        domain: c.domain,
        segments: outcome.segments,
        seals: outcome.seals,
        sdkSegments: sdkSegments.get(`${row.id}/${c.id}`) ?? outcome.segments,
        score,
      });
  };

  for (const row of rows) {
    for (const [k, r] of rendered.entries()) {
      signal?.throwIfAborted();
      const c = corpus[k]!;
      progress.update(done, total, `${row.label}: SDK, ${c.id}`);
      const sdk = new SdkSource(c, row.settings);
      const riders = new Map([['truncation', new TruncationBaseline(r)]]);
      const outcome = await driveConversation(r, sdk, budgets, tokens, riders);
      await sdk.close();
      sdkSegments.set(`${row.id}/${c.id}`, outcome.segments);
      push('sdk', row, c, outcome, outcome.scores);
      push('truncation', row, c, outcome, outcome.riderScores.get('truncation')!);
      done++;
      progress.update(done, total, `${row.label}: v1, ${c.id}`);
      const v1 = await driveConversation(
        r,
        new V1Source(c, row.settings, defaultTokenCounter),
        budgets,
        tokens,
      );
      push('v1', row, c, v1, v1.scores);
      done++;
    }
  }

  let llmName: string | null = null;
  if (llmRows.length > 0) {
    const llm = await startLlm(options);
    llmName = llm.name;
    try {
      for (const row of llmRows) {
        let next = 0;
        const worker = async () => {
          for (;;) {
            signal?.throwIfAborted();
            const k = next++;
            if (k >= corpus.length) return;
            const c = corpus[k]!;
            const sdk = new SdkSource(c, row.settings, llm.summarizer);
            const outcome = await driveConversation(rendered[k]!, sdk, budgets, tokens);
            await sdk.close();
            push('sdk-llm', row, c, outcome, outcome.scores);
            done++;
            progress.update(done, total, `${row.label}: SDK + ${llm.short}, ${c.id}`);
          }
        };
        const lanes = options.llm.kind === 'endpoint' ? options.llmConcurrency : 1;
        await Promise.all(Array.from({ length: lanes }, worker));
      }
    } finally {
      await llm.close();
    }
  }

  return {
    options,
    llmName,
    rows,
    conversations: rendered.map((r) => conversationFacts(r)),
    records,
    seconds: (Date.now() - started) / 1000,
  };
}

function conversationFacts(r: RenderedConversation): ConversationFacts {
  const c = r.conversation;
  const tools = c.events.filter((e) => e.type === 'tool');
  return {
    id: c.id,
    domain: c.domain,
    seed: c.seed,
    attempts: c.attempts,
    turns: c.turns,
    events: c.events.length,
    toolCalls: tools.length,
    failedToolCalls: tools.filter((e) => e.type === 'tool' && e.error).length,
    facts: c.facts.length,
    artifacts: c.artifacts.length,
    decisions: c.decisions.length,
    historyTokens: r.historyTokensThrough.at(-1) ?? 0,
  };
}

interface StartedLlm {
  name: string;
  short: string;
  summarizer: Summarizer;
  close(): Promise<void>;
}

/**
 * The LLM summarizer of libs/llm (with its extractive fallback) against the endpoint given, or
 * against libs/testing's fake OpenAI-compatible LLM started on a free loopback port.
 */
async function startLlm(options: EvalOptions): Promise<StartedLlm> {
  const make = (baseUrl: string, model: string, apiKey?: string) =>
    createLlmSummarizerWithFallback({
      client: new OpenAiCompatibleClient({ baseUrl, model, ...(apiKey ? { apiKey } : {}) }),
      prices: new PriceTable(),
      tokens: defaultTokenCounter,
    });
  if (options.llm.kind === 'endpoint') {
    const { url, model, apiKey } = options.llm;
    return {
      name: `${model} at ${new URL(url).host}`,
      short: model,
      summarizer: make(url, model, apiKey),
      close: async () => {},
    };
  }
  const fake: FakeLlm = await startFakeLlm({ seed: options.seed });
  return {
    name: "fake-llm (libs/testing's startFakeLlm: answers with the first sentence of each system and user message)",
    short: 'fake-llm',
    summarizer: make(fake.url, 'fake-llm'),
    close: () => fake.close(),
  };
}
