import { Piscina } from 'piscina';
import type { SummarizeInput, Summarizer, SummaryOutcome, SummaryRequest } from '@threadline/core';
import { LlmConfigError } from './llm-errors.ts';
import { timeoutFallback, type TimeoutFallback } from './timeout-fallback.ts';

/** @defaultValue of {@link IsolatedSummarizerOptions.timeoutMs} */
export const DEFAULT_SUMMARY_TIMEOUT_MS = 10_000;

/** @defaultValue of {@link IsolatedSummarizerOptions.threads} */
export const DEFAULT_SUMMARY_THREADS = 1;

/** Bounds of the options (and of the variables that set them). */
export const SUMMARY_TIMEOUT_MS_RANGE = { min: 100, max: 600_000 } as const;
export const SUMMARY_THREADS_RANGE = { min: 1, max: 32 } as const;

/** The module the threads load by default: core's extractive summarizer. */
export const EXTRACTIVE_SUMMARY_MODULE: URL = new URL(
  './extractive-summary-thread.ts',
  import.meta.url,
);

/** The file piscina starts each thread with: registers tsx, then loads the summary module. */
const SUMMARY_THREAD_BOOTSTRAP: URL = new URL('./summary-thread.mjs', import.meta.url);

/**
 * How long a summary may wait for its thread to start on it (a new thread loads tsx, core and
 * the tokenizer's tables first: about a second here); past it the thread is taken as broken.
 */
const THREAD_START_LIMIT_MS = 60_000;

/** What `summary-thread.mjs` gets: the input, and an id it posts back when it starts on it. */
interface SummaryThreadTask {
  id: number;
  input: Omit<SummarizeInput, 'signal'>;
}

/** What `summary-thread.mjs` posts (through piscina's `message` event) when it starts a task. */
function startedTaskId(message: unknown): number | null {
  if (typeof message !== 'object' || message === null) return null;
  const id = (message as { summaryStarted?: unknown }).summaryStarted;
  return typeof id === 'number' ? id : null;
}

/** What went wrong in the pool, for operators' logs (the summary's reason says less). */
export type SummaryThreadFailure =
  | {
      /** The summary ran past `timeoutMs`: its thread was terminated, the fallback used. */
      kind: 'timeout';
      request: SummaryRequest;
      timeoutMs: number;
      reason: string;
    }
  | {
      /** The thread died (out of memory, a crash) or the module threw: the fallback used. */
      kind: 'thread-failed';
      request: SummaryRequest;
      error: unknown;
      reason: string;
    }
  | {
      /** A thread failed while it had no summary to make (piscina's `error` event). */
      kind: 'pool-error';
      error: unknown;
    };

/** A {@link SummaryThreadFailure} as a log line: its fields (the error under `err`) and message. */
export function describeThreadFailure(failure: SummaryThreadFailure): {
  fields: Record<string, unknown>;
  message: string;
} {
  if (failure.kind === 'pool-error')
    return { fields: { err: failure.error }, message: 'a summary thread failed while idle' };
  const { sessionId, segmentIndex, fromSeq, toSeq } = failure.request;
  const fields = { sessionId, segmentIndex, fromSeq, toSeq, reason: failure.reason };
  return failure.kind === 'timeout'
    ? { fields, message: 'summary timed out: its thread was stopped, the marked fallback used' }
    : {
        fields: { ...fields, err: failure.error },
        message: 'summary thread failed: the marked fallback used',
      };
}

export interface IsolatedSummarizerOptions {
  /**
   * A file URL of the module the threads load; its export {@link exportName} is the
   * `Summarizer` that makes the summaries there. TypeScript is fine (each thread registers
   * tsx). The input reaches it as a structured clone, without its `signal`.
   *
   * @defaultValue {@link EXTRACTIVE_SUMMARY_MODULE} (core's extractive summarizer)
   */
  module?: URL;
  /**
   * The name of the `Summarizer` export of {@link module}.
   *
   * @defaultValue 'summarizer'
   */
  exportName?: string;
  /**
   * Hard limit on one summary, in milliseconds, counted from when its thread starts on it (the
   * wait for a free thread, or for a new one to load its modules, is not counted). At the limit the thread is
   * terminated and the {@link timeoutFallback} outcome is returned; the pool starts another
   * thread in its place. From 100 to 600000.
   *
   * @defaultValue 10000
   */
  timeoutMs?: number;
  /**
   * Worker threads in the pool, so summaries made at once; the next ones wait for a free
   * thread. Each thread holds its own copy of the modules (tsx, core, the tokenizer's tables).
   * From 1 to 32.
   *
   * @defaultValue 1
   */
  threads?: number;
  /**
   * The outcome when a summary timed out or its thread failed. Runs on the caller's thread,
   * instead of the code that did not finish: keep it cheap and pure.
   *
   * @defaultValue {@link timeoutFallback} (the previous summary, and a line naming the events
   *   missing from it)
   */
  timeoutFallback?: TimeoutFallback;
  /** Called when a thread timed out or failed, with the details a log wants. */
  onThreadFailure?: (failure: SummaryThreadFailure) => void;
}

/** A summary asked of an {@link IsolatedSummarizer} after `close()`. */
export class IsolatedSummarizerClosedError extends Error {
  override readonly name = 'IsolatedSummarizerClosedError';
  constructor() {
    super('the isolated summarizer is closed: no summary can be made by it any more');
  }
}

function wholeNumberIn(
  path: string,
  value: number,
  range: { min: number; max: number },
): LlmConfigError | null {
  return Number.isInteger(value) && value >= range.min && value <= range.max
    ? null
    : new LlmConfigError([
        { path, rule: `expected a whole number from ${range.min} to ${range.max}, got ${value}` },
      ]);
}

/**
 * A `Summarizer` that makes each summary in a worker thread of a pool (piscina), with a hard
 * timeout: CPU-bound summarizing (the extractive summarizer, by default) never blocks the event
 * loop of the process, which keeps serving its queues, locks and HTTP requests, and a summary
 * that takes too long (a hostile segment) is stopped with its thread, not abandoned.
 *
 * - At `timeoutMs`, counted from when the thread starts on the summary, the thread is
 *   terminated (`Worker.terminate()`, through piscina's abort of a running task) and
 *   `timeoutFallback(input, reason)` is returned instead: `kind: 'extractive'`,
 *   `fallbackReason` `SummaryTimeoutError: not made within 10000 ms (its thread was stopped)`.
 *   The pool starts a new thread in its place.
 * - A thread that dies (out of memory, a crash), or a module that throws, gives the same
 *   fallback with `SummaryThreadError: the summarizing thread failed`.
 * - The caller's abort (`input.signal`) terminates the thread too, and throws the signal's
 *   reason (no fallback: the caller gave up).
 *
 * Use it as the summarizer, or as the `fallback` of `createLlmSummarizerWithFallback` (the
 * LLM call itself is I/O and stays on the caller's thread). `close()` ends the threads.
 */
export class IsolatedSummarizer implements Summarizer {
  readonly timeoutMs: number;
  readonly threads: number;
  readonly #pool: Piscina;
  readonly #fallback: TimeoutFallback;
  readonly #onThreadFailure: ((failure: SummaryThreadFailure) => void) | undefined;
  /** Callers waiting for a free thread, first come first served. */
  readonly #waiting: (() => void)[] = [];
  #busy = 0;
  #closed = false;
  #started = 0;
  #exited = 0;
  #lastTaskId = 0;
  /** Starts the timeout of each summary handed to the pool, when its thread starts on it. */
  readonly #onTaskStart = new Map<number, () => void>();

  /** @throws LlmConfigError when `timeoutMs` or `threads` is out of its range. */
  constructor(options: IsolatedSummarizerOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_SUMMARY_TIMEOUT_MS;
    this.threads = options.threads ?? DEFAULT_SUMMARY_THREADS;
    const bad =
      wholeNumberIn('timeoutMs', this.timeoutMs, SUMMARY_TIMEOUT_MS_RANGE) ??
      wholeNumberIn('threads', this.threads, SUMMARY_THREADS_RANGE);
    if (bad) throw bad;
    this.#fallback = options.timeoutFallback ?? timeoutFallback;
    this.#onThreadFailure = options.onThreadFailure;
    this.#pool = new Piscina({
      filename: SUMMARY_THREAD_BOOTSTRAP.href,
      workerData: {
        module: (options.module ?? EXTRACTIVE_SUMMARY_MODULE).href,
        exportName: options.exportName ?? 'summarizer',
      },
      minThreads: this.threads,
      maxThreads: this.threads,
      // The process's own flags (tsx's loader among them) are not the threads' business: the
      // bootstrap registers tsx itself, the same way under tsx, node --import tsx and vitest.
      execArgv: [],
    });
    this.#pool.on('workerCreate', (created: { id: number }) => {
      this.#started++;
      const worker = this.#pool.threads.find((thread) => thread.threadId === created.id);
      worker?.once('exit', () => this.#exited++);
    });
    this.#pool.on('message', (message: unknown) => {
      const id = startedTaskId(message);
      if (id !== null) this.#onTaskStart.get(id)?.();
    });
    this.#pool.on('error', (error: unknown) =>
      this.#onThreadFailure?.({ kind: 'pool-error', error }),
    );
  }

  /** Threads started and exited so far: a thread stopped at a timeout counts as exited. */
  get threadCounts(): { started: number; exited: number } {
    return { started: this.#started, exited: this.#exited };
  }

  async summarize(input: SummarizeInput): Promise<SummaryOutcome> {
    if (this.#closed) throw new IsolatedSummarizerClosedError();
    await this.#freeThread();
    try {
      input.signal?.throwIfAborted();
      if (this.#closed) throw new IsolatedSummarizerClosedError();
      return await this.#summarizeInThread(input);
    } finally {
      this.#release();
    }
  }

  /** Stops every thread at once (a summary under way is dropped); later calls throw. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const wake of this.#waiting.splice(0)) wake();
    await this.#pool.destroy();
  }

  async #summarizeInThread(input: SummarizeInput): Promise<SummaryOutcome> {
    const { request, events, previousSummary, signal } = input;
    const id = ++this.#lastTaskId;
    const stop = new AbortController();
    let stoppedFor: 'timeout' | 'no-start' | null = null;
    const stopFor = (why: 'timeout' | 'no-start') => {
      stoppedFor = why;
      stop.abort();
    };
    // The timeout counts from the moment the thread starts on the summary (its modules loaded):
    // a thread still starting, after another was stopped, does not eat into it.
    let timer: NodeJS.Timeout | undefined;
    const startGuard = setTimeout(() => stopFor('no-start'), THREAD_START_LIMIT_MS);
    this.#onTaskStart.set(id, () => {
      clearTimeout(startGuard);
      timer = setTimeout(() => stopFor('timeout'), this.timeoutMs);
    });
    const onCallerAbort = () => stop.abort();
    signal?.addEventListener('abort', onCallerAbort, { once: true });
    try {
      const task: SummaryThreadTask = { id, input: { request, events, previousSummary } };
      return (await this.#pool.run(task, { signal: stop.signal })) as SummaryOutcome;
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (this.#closed) throw new IsolatedSummarizerClosedError();
      if (stoppedFor === 'timeout') {
        const reason = `SummaryTimeoutError: not made within ${this.timeoutMs} ms (its thread was stopped)`;
        this.#onThreadFailure?.({ kind: 'timeout', request, timeoutMs: this.timeoutMs, reason });
        return this.#fallback({ request, previousSummary }, reason);
      }
      const reason =
        stoppedFor === 'no-start'
          ? 'SummaryThreadError: no summarizing thread could start'
          : 'SummaryThreadError: the summarizing thread failed';
      this.#onThreadFailure?.({ kind: 'thread-failed', request, error, reason });
      return this.#fallback({ request, previousSummary }, reason);
    } finally {
      clearTimeout(startGuard);
      clearTimeout(timer);
      this.#onTaskStart.delete(id);
      signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  /** Resolves once a thread is free for this caller (at once when one is). */
  async #freeThread(): Promise<void> {
    if (this.#busy < this.threads) {
      this.#busy++;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  /** Hands this caller's thread to the next one waiting, or frees it. */
  #release(): void {
    if (this.#closed) return;
    const next = this.#waiting.shift();
    if (next) next();
    else this.#busy--;
  }
}

/** An {@link IsolatedSummarizer}; see its options. */
export function createIsolatedSummarizer(
  options: IsolatedSummarizerOptions = {},
): IsolatedSummarizer {
  return new IsolatedSummarizer(options);
}
