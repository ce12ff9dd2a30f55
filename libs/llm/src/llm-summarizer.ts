import {
  createExtractiveSummarizer,
  fitToCap,
  summaryTextCap,
  renderSummaryText,
  withFallback,
  type PriceTable,
  type SummarizeInput,
  type Summarizer,
  type SummaryOutcome,
  type TokenCounter,
} from '@threadline/core';
import {
  LlmBadOutputError,
  LlmConfigError,
  LlmError,
  LlmHttpError,
  LlmNetworkError,
  LlmRateLimitError,
  LlmTimeoutError,
} from './llm-errors.ts';
import type { ChatCompleter, LlmCompletion } from './openai-compatible-client.ts';
import {
  fullJitterDelay,
  resolveRetryOptions,
  type ResolvedRetryOptions,
  type RetryOptions,
} from './retry-policy.ts';
import { buildSummaryPrompt } from './summary-prompt.ts';
import { parseStructuredAnswer, TOO_LONG_FACTOR, validateSummary } from './validate-summary.ts';

/** The part of a {@link TokenCounter} the summarizers use. */
export type SummaryTokenCounter = Pick<TokenCounter, 'prepare' | 'countText'>;

/**
 * Called on every 429, before the summarizer waits (or gives up), with the wait the server
 * asked for (`Retry-After`), or the backoff delay when it gave none.
 *
 * A BullMQ summarizer worker uses it to slow the whole queue down for every worker:
 *
 * ```ts
 * onRateLimit: (ms) => worker.rateLimit(ms),
 * ```
 *
 * and the current job keeps waiting and retrying here. An error thrown by the hook ends the
 * summary at once and propagates as is, never turned into the extractive fallback: a worker
 * that wants the job put back in the queue instead throws `Worker.RateLimitError()` from the
 * hook (BullMQ then moves the job back to wait without counting an attempt). That job may come
 * back indefinitely under a lasting 429, so prefer the first form, which ends in a summary
 * (the LLM's or the extractive one) after `maxAttempts`.
 */
export type RateLimitHook = (retryAfterMs: number) => void | Promise<void>;

export interface LlmSummarizerOptions extends RetryOptions {
  /** Answers the chat completions, e.g. an {@link OpenAiCompatibleClient}. */
  client: ChatCompleter;
  /** Prices the tokens the summary cost, by the model that answered. */
  prices: PriceTable;
  /** Measures the answer against the budget, with the session model's tokenizer. */
  tokens: SummaryTokenCounter;
  /** See {@link RateLimitHook}. */
  onRateLimit?: RateLimitHook;
  /**
   * Fewest characters a summary may have (see `validateSummary`).
   *
   * @defaultValue 1
   */
  minChars?: number;
}

/** Thrown errors that came from the rate-limit hook: they bypass the fallback. */
const hookErrors = new WeakSet<object>();

/**
 * Summarizes sealed segments with an LLM: builds the prompt ({@link buildSummaryPrompt}),
 * calls the client, validates the answer ({@link validateSummary}, then its structure, URLs and
 * instructions with {@link parseStructuredAnswer}), fits its items to the cap, and retries what may
 * succeed on a second try (see `llm-errors.ts`) with full-jitter exponential backoff. A 429
 * waits at least what its `Retry-After` asks. `max_tokens` is set to {@link TOO_LONG_FACTOR}
 * times the budget, so a runaway answer cannot cost more than that.
 *
 * On final failure it throws the last error (its class says why; `attempts` says how many
 * calls were made): wrap it with {@link createLlmSummarizerWithFallback} (or core's
 * `withFallback`) so that the session gets the extractive summary instead.
 *
 * The outcome's tokens and cost add up every answer that was paid for, rejected ones included;
 * its `model` is the one that answered last, priced by the {@link PriceTable} (a model missing
 * from the table costs 0 here, as the table leaves it unpriced: give it its price in a price
 * file, `THREADLINE_PRICES_FILE`).
 */
export class LlmSummarizer implements Summarizer {
  readonly #client: ChatCompleter;
  readonly #prices: PriceTable;
  readonly #tokens: SummaryTokenCounter;
  readonly #onRateLimit: RateLimitHook | undefined;
  readonly #minChars: number | undefined;
  readonly #retry: ResolvedRetryOptions;

  /** @throws LlmConfigError when a retry option is invalid. */
  constructor(options: LlmSummarizerOptions) {
    this.#client = options.client;
    this.#prices = options.prices;
    this.#tokens = options.tokens;
    this.#onRateLimit = options.onRateLimit;
    this.#minChars = options.minChars;
    this.#retry = resolveRetryOptions(options);
  }

  async summarize(input: SummarizeInput): Promise<SummaryOutcome> {
    const { request, signal } = input;
    await this.#tokens.prepare([request.model]);
    const countTokens = (t: string) => this.#tokens.countText(t, request.model);
    // The cap is the room the summary message takes in the context: its text gets less.
    const textCap = summaryTextCap(request.maxTokens, countTokens);
    const messages = buildSummaryPrompt({
      events: input.events,
      previousSummary: input.previousSummary?.items ?? null,
      maxTokens: textCap,
    });
    const material = messages[1]?.content ?? '';
    const maxOutputTokens = Math.max(16, Math.ceil(TOO_LONG_FACTOR * request.maxTokens));
    const { maxAttempts, badOutputRetries, maxRetryAfterMs, sleep } = this.#retry;

    let promptTokens = 0;
    let completionTokens = 0;
    let badOutputs = 0;
    for (let attempt = 1; ; attempt++) {
      let completion: LlmCompletion | null = null;
      try {
        completion = await this.#client.complete(messages, { signal, maxTokens: maxOutputTokens });
        promptTokens += completion.promptTokens;
        completionTokens += completion.completionTokens;
        const text = validateSummary(completion.text, {
          maxTokens: request.maxTokens,
          countTokens,
          minChars: this.#minChars,
        });
        const parsed = parseStructuredAnswer(text, {
          citable: { fromSeq: 0, toSeq: request.toSeq },
          material,
        });
        // A model's count of its own tokens is approximate: what is over the cap goes by the
        // eviction rule, whole items, never cut text.
        const { items } = fitToCap(parsed, textCap, countTokens);
        const model = completion.model;
        return {
          text: renderSummaryText(items),
          items,
          kind: 'llm',
          model,
          promptTokens,
          completionTokens,
          costNano:
            this.#prices.inputCost(model, promptTokens) +
            this.#prices.outputCost(model, completionTokens),
          attempts: attempt,
          fallbackReason: null,
        };
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (!(error instanceof LlmError)) throw error;
        error.attempts = attempt;
        if (!error.retryable) throw error;
        if (error instanceof LlmBadOutputError && ++badOutputs > badOutputRetries) throw error;

        let wait = fullJitterDelay(attempt, this.#retry);
        if (error instanceof LlmRateLimitError) {
          const asked = error.retryAfterMs;
          await this.#callRateLimitHook(asked ?? wait);
          if (asked !== null && asked > maxRetryAfterMs) throw error;
          wait = Math.max(wait, asked ?? 0);
        }
        if (attempt >= maxAttempts) throw error;
        await sleep(wait, signal);
      }
    }
  }

  async #callRateLimitHook(retryAfterMs: number): Promise<void> {
    if (!this.#onRateLimit) return;
    try {
      await this.#onRateLimit(retryAfterMs);
    } catch (error) {
      if (typeof error === 'object' && error !== null) hookErrors.add(error);
      throw error;
    }
  }
}

export interface LlmSummarizerWithFallbackOptions extends LlmSummarizerOptions {
  /**
   * Called with the LLM's last error when the extractive summary is used instead: the place to
   * log it in full for operators (it may name the LLM's URL and repeat what the provider said,
   * which can include part of the LLM key). The summary's `fallbackReason`, which tenants can
   * read, only says what kind of failure it was: see {@link tenantSafeReason}.
   */
  onFallback?: (error: unknown) => void;
  /**
   * Makes the summary when the LLM fails. An `IsolatedSummarizer` runs it in a worker thread
   * with a timeout; if it falls back in turn (a timeout), its reason follows the LLM's.
   *
   * @defaultValue core's extractive summarizer, on this thread
   */
  fallback?: Summarizer;
}

/**
 * What a summary's `fallbackReason` may say of an LLM failure: the class and the kind of
 * failure (status, timeout, the validation rule broken by the answer), never the LLM's URL nor
 * the provider's error text.
 */
export function tenantSafeReason(error: LlmError): string {
  if (error instanceof LlmRateLimitError)
    return `${error.name}: the LLM answered 429 (rate limited)`;
  if (error instanceof LlmHttpError) return `${error.name}: the LLM answered ${error.status}`;
  if (error instanceof LlmTimeoutError)
    return `${error.name}: no complete answer within ${error.timeoutMs} ms`;
  // What was wrong with the answer (the rule, a few words of it): about the tenant's own
  // conversation, and nothing of the LLM's address or account.
  // A malformed body is the provider's text, with its URL: only the kind then.
  if (error instanceof LlmBadOutputError)
    return error.reason === 'malformed'
      ? `${error.name}: summary rejected (malformed): the answer is not a chat completion`
      : `${error.name}: ${error.message}`;
  if (error instanceof LlmNetworkError) return `${error.name}: the LLM could not be reached`;
  if (error instanceof LlmConfigError) return `${error.name}: the LLM client is misconfigured`;
  return `${error.name}: the LLM call failed`;
}

/**
 * The LLM summarizer with the extractive one behind it: `withFallback(llm, extractive)` from
 * core. When the LLM fails for good (retries spent, an error not worth retrying, a 429 asking
 * for longer than `maxRetryAfterMs`), the extractive summary is returned, `kind: 'extractive'`,
 * with `fallbackReason` naming the kind of the last error and the calls made, e.g.
 * `LlmBadOutputError: summary rejected (noise) (after 3 LLM calls)` (tenants read it: no URL, no
 * provider text; the full error goes to `onFallback`). The session is never
 * left without a summary.
 *
 * Two kinds of error pass through instead: the caller's abort (`input.signal`), and an error
 * thrown by `onRateLimit` (see {@link RateLimitHook}), so that a queue can take the job back.
 */
export function createLlmSummarizerWithFallback(
  options: LlmSummarizerWithFallbackOptions,
): Summarizer {
  const llm = new LlmSummarizer(options);
  const { tokens } = options;
  const fallback: Summarizer = options.fallback ?? createExtractiveSummarizer(tokens);

  return {
    async summarize(input) {
      const seen: { failure?: unknown; fallbackReason?: string | null } = {};
      const watched: Summarizer = {
        summarize: (i) =>
          llm.summarize(i).catch((error: unknown) => {
            seen.failure = error;
            throw error;
          }),
      };
      const watchedFallback: Summarizer = {
        summarize: async (i) => {
          const made = await fallback.summarize(i);
          seen.fallbackReason = made.fallbackReason;
          return made;
        },
      };
      const outcome = await withFallback(watched, watchedFallback).summarize(input);
      if (input.signal?.aborted) throw input.signal.reason;
      const { failure } = seen;
      if (typeof failure === 'object' && failure !== null && hookErrors.has(failure)) throw failure;
      if (outcome.fallbackReason !== null && failure !== undefined) options.onFallback?.(failure);
      if (failure instanceof LlmError && outcome.fallbackReason !== null) {
        const calls = failure.attempts === 1 ? '1 LLM call' : `${failure.attempts} LLM calls`;
        const then = seen.fallbackReason ? `; then ${seen.fallbackReason}` : '';
        return {
          ...outcome,
          fallbackReason: `${tenantSafeReason(failure)} (after ${calls})${then}`,
        };
      }
      return outcome;
    },
  };
}
