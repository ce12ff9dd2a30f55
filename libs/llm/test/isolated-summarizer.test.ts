import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createExtractiveSummarizer,
  PriceTable,
  TokenCounter,
  type EventRecord,
  type SummarizeInput,
} from '@threadline/core';
import {
  SPIN_MARKER,
  SPINNING_SUMMARIZER_MODULE,
  startFakeLlm,
  THREAD_EXIT_MARKER,
  threadOfSummary,
  type FakeLlm,
} from '@threadline/testing';
import {
  createIsolatedSummarizer,
  createLlmSummarizerWithFallback,
  IsolatedSummarizerClosedError,
  LlmConfigError,
  OpenAiCompatibleClient,
  type IsolatedSummarizer,
  type SummaryThreadFailure,
} from '../src/index.ts';
import { previousSummary, summaryRequest, travelSegment } from './segment-fixture.ts';

/**
 * The isolated summarizer under vitest: its threads start from `summary-thread.mjs`, which
 * registers tsx itself (vitest's module runner does not reach worker threads) and loads the
 * TypeScript summarizer module. A summary module that never ends (`SPIN_MARKER`) or ends its
 * thread (`THREAD_EXIT_MARKER`) stands for a hostile segment.
 */

const tokens = new TokenCounter();
const open: IsolatedSummarizer[] = [];

function isolated(options: Parameters<typeof createIsolatedSummarizer>[0] = {}) {
  const summarizer = createIsolatedSummarizer(options);
  open.push(summarizer);
  return summarizer;
}

/** The travel segment, with `content` as the text of its last user message. */
function segmentSaying(content: string): SummarizeInput {
  const events = travelSegment();
  const last = events.at(-1) as EventRecord;
  return {
    request: summaryRequest({ fromSeq: 0, toSeq: events.length }),
    events: [...events.slice(0, -1), { ...last, content }],
    previousSummary: previousSummary('The user flies Boston to Lisbon on June 12.'),
  };
}

/** Waits (at most 30 s) until `check` holds. */
async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`still waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  await tokens.prepare(['gpt-4o-mini']);
});

afterAll(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

describe('IsolatedSummarizer', () => {
  it('makes, in a worker thread, the extractive summary core makes on this one', async () => {
    const input = segmentSaying("Let's book the 9:39 Alfa Pendular.");
    const here = await createExtractiveSummarizer((t, m) => tokens.countText(t, m)).summarize(
      input,
    );
    const there = await isolated().summarize(input);
    expect(there).toEqual(here);
    expect(there.fallbackReason).toBeNull();
  });

  it('stops a summary at its timeout together with its thread, returns the marked fallback, and goes on with a new thread', async () => {
    const failures: SummaryThreadFailure[] = [];
    const pool = isolated({
      module: SPINNING_SUMMARIZER_MODULE,
      timeoutMs: 500,
      threads: 1,
      onThreadFailure: (f) => failures.push(f),
    });
    const first = await pool.summarize(segmentSaying('Book it.'));
    const spun = await pool.summarize(segmentSaying(`Book it. ${SPIN_MARKER}`));
    expect(spun).toMatchObject({
      text:
        'Facts:\n- The user flies Boston to Lisbon on June 12.\n' +
        '- (not summarized in time: events 0–4 are missing from this summary)',
      kind: 'extractive',
      model: null,
      promptTokens: 0,
      completionTokens: 0,
      costNano: 0,
      attempts: 0,
      fallbackReason: 'SummaryTimeoutError: not made within 500 ms (its thread was stopped)',
    });
    expect(failures).toMatchObject([{ kind: 'timeout', timeoutMs: 500 }]);
    // The spinning thread exits (terminated: it would never end on its own), and a new one
    // makes the next summary.
    await until('the spinning thread to exit', () => pool.threadCounts.exited === 1);
    const next = await pool.summarize(segmentSaying('Book it.'));
    expect(next.fallbackReason).toBeNull();
    expect(threadOfSummary(next.text)).not.toBe(threadOfSummary(first.text));
    expect(pool.threadCounts).toEqual({ started: 2, exited: 1 });
  });

  it('returns the marked fallback when the thread dies under a summary', async () => {
    const failures: SummaryThreadFailure[] = [];
    const pool = isolated({
      module: SPINNING_SUMMARIZER_MODULE,
      onThreadFailure: (f) => failures.push(f),
    });
    const outcome = await pool.summarize(segmentSaying(THREAD_EXIT_MARKER));
    expect(outcome).toMatchObject({
      kind: 'extractive',
      fallbackReason: 'SummaryThreadError: the summarizing thread failed',
    });
    expect(outcome.text).toMatch(/\(not summarized in time: events 0–4 are missing/);
    expect(failures).toMatchObject([{ kind: 'thread-failed' }]);
    expect((await pool.summarize(segmentSaying('Book it.'))).fallbackReason).toBeNull();
  });

  it('does not count the wait for a free thread against the timeout', async () => {
    const pool = isolated({ module: SPINNING_SUMMARIZER_MODULE, timeoutMs: 1000, threads: 1 });
    // The second waits for the first to time out, then for a new thread to start.
    const [spun, waited] = await Promise.all([
      pool.summarize(segmentSaying(SPIN_MARKER)),
      pool.summarize(segmentSaying('Book it.')),
    ]);
    expect(spun.fallbackReason).toMatch(/^SummaryTimeoutError/);
    expect(waited.fallbackReason).toBeNull();
  });

  it('stops the thread and throws the reason when the caller aborts, with no fallback', async () => {
    const pool = isolated({ module: SPINNING_SUMMARIZER_MODULE, timeoutMs: 60_000 });
    const caller = new AbortController();
    const summary = pool.summarize({ ...segmentSaying(SPIN_MARKER), signal: caller.signal });
    await until('the thread to start', () => pool.threadCounts.started === 1);
    caller.abort(new Error('shutting down'));
    await expect(summary).rejects.toThrow('shutting down');
    await until('the spinning thread to exit', () => pool.threadCounts.exited === 1);
  });

  it('refuses a summary once closed', async () => {
    const pool = isolated();
    await pool.close();
    await expect(pool.summarize(segmentSaying('Book it.'))).rejects.toThrow(
      IsolatedSummarizerClosedError,
    );
  });

  it('refuses a timeout or a number of threads out of range', () => {
    expect(() => createIsolatedSummarizer({ timeoutMs: 10 })).toThrow(LlmConfigError);
    expect(() => createIsolatedSummarizer({ threads: 0 })).toThrow(
      'threads: expected a whole number from 1 to 32, got 0',
    );
  });
});

describe('the LLM summarizer with an isolated fallback', () => {
  let llm: FakeLlm;
  beforeAll(async () => {
    llm = await startFakeLlm({ failureRate: 1 });
  });
  afterAll(() => llm.close());
  afterEach(() => llm.reset());

  const withIsolatedFallback = (fallback: IsolatedSummarizer) =>
    createLlmSummarizerWithFallback({
      client: new OpenAiCompatibleClient({ baseUrl: llm.url, model: 'gpt-4o-mini' }),
      prices: new PriceTable(),
      tokens,
      maxAttempts: 1,
      fallback,
    });

  it('makes the extractive fallback in a thread when the LLM fails', async () => {
    const outcome = await withIsolatedFallback(isolated()).summarize(segmentSaying('Book it.'));
    expect(outcome.kind).toBe('extractive');
    expect(outcome.fallbackReason).toBe('LlmHttpError: the LLM answered 500 (after 1 LLM call)');
    expect(outcome.text).toContain('Book it.');
  });

  it('names both failures when the fallback times out too', async () => {
    const fallback = isolated({ module: SPINNING_SUMMARIZER_MODULE, timeoutMs: 500 });
    const outcome = await withIsolatedFallback(fallback).summarize(segmentSaying(SPIN_MARKER));
    expect(outcome.kind).toBe('extractive');
    expect(outcome.fallbackReason).toBe(
      'LlmHttpError: the LLM answered 500 (after 1 LLM call); ' +
        'then SummaryTimeoutError: not made within 500 ms (its thread was stopped)',
    );
    expect(outcome.text).toMatch(/not summarized in time: events 0–4 are missing/);
  });
});
