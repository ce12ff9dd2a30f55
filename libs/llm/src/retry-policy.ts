import { setTimeout as delay } from 'node:timers/promises';
import { LlmConfigError } from './llm-errors.ts';

/** How the summarizer retries a failed LLM call. */
export interface RetryOptions {
  /**
   * Calls made at most, the first included.
   *
   * @defaultValue 4
   */
  maxAttempts?: number;
  /**
   * Ceiling of the first backoff delay, in ms; it doubles with every retry.
   *
   * @defaultValue 500
   */
  baseDelayMs?: number;
  /**
   * Largest ceiling of a backoff delay, in ms.
   *
   * @defaultValue 8000
   */
  maxDelayMs?: number;
  /**
   * Retries allowed after bad output (empty, refusal, noise, too long), within `maxAttempts`.
   * Models are stochastic, so another draw is often fine; but each bad answer was paid for,
   * and one that is bad because of the prompt stays bad.
   *
   * @defaultValue 2
   */
  badOutputRetries?: number;
  /**
   * Longest `Retry-After` the summarizer waits for, in ms. A 429 asking for more ends the
   * retries at once (the caller falls back, or its queue waits), rather than holding a worker
   * for minutes.
   *
   * @defaultValue 60000
   */
  maxRetryAfterMs?: number;
  /**
   * Waits `ms`, rejecting with the signal's reason if it aborts. Tests inject one that records
   * the delays and returns at once.
   *
   * @defaultValue a timer (`node:timers/promises`)
   */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /**
   * Uniform numbers in [0, 1) for the jitter.
   *
   * @defaultValue Math.random
   */
  random?: () => number;
}

export type ResolvedRetryOptions = Required<RetryOptions>;

export const RETRY_DEFAULTS: Omit<ResolvedRetryOptions, 'sleep' | 'random'> = {
  maxAttempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 8000,
  badOutputRetries: 2,
  maxRetryAfterMs: 60_000,
};

/** The default sleep: a timer that rejects with the signal's reason when it aborts. */
export const sleepFor = (ms: number, signal?: AbortSignal): Promise<void> =>
  delay(ms, undefined, signal ? { signal } : {}).then(
    () => undefined,
    (error: unknown) => {
      throw signal?.aborted ? signal.reason : error;
    },
  );

/**
 * The options with defaults filled in.
 *
 * @throws LlmConfigError naming each bad option and its rule.
 */
export function resolveRetryOptions(options: RetryOptions = {}): ResolvedRetryOptions {
  const resolved: ResolvedRetryOptions = {
    maxAttempts: options.maxAttempts ?? RETRY_DEFAULTS.maxAttempts,
    baseDelayMs: options.baseDelayMs ?? RETRY_DEFAULTS.baseDelayMs,
    maxDelayMs: options.maxDelayMs ?? RETRY_DEFAULTS.maxDelayMs,
    badOutputRetries: options.badOutputRetries ?? RETRY_DEFAULTS.badOutputRetries,
    maxRetryAfterMs: options.maxRetryAfterMs ?? RETRY_DEFAULTS.maxRetryAfterMs,
    sleep: options.sleep ?? sleepFor,
    random: options.random ?? Math.random,
  };
  const issues: Array<{ path: string; rule: string }> = [];
  if (!(Number.isSafeInteger(resolved.maxAttempts) && resolved.maxAttempts >= 1)) {
    issues.push({ path: 'maxAttempts', rule: 'expected a whole number >= 1' });
  }
  for (const key of ['baseDelayMs', 'maxDelayMs', 'badOutputRetries', 'maxRetryAfterMs'] as const) {
    const value = resolved[key];
    if (!(Number.isSafeInteger(value) && value >= 0)) {
      issues.push({ path: key, rule: 'expected a whole number >= 0' });
    }
  }
  if (issues.length > 0) throw new LlmConfigError(issues);
  return resolved;
}

/**
 * The backoff before retry number `retry` (1 for the wait after the first attempt): "full
 * jitter", a uniform draw from 0 to `min(maxDelayMs, baseDelayMs × 2^(retry−1))`, rounded
 * down. Full jitter spreads the retries of many workers hit by the same outage, so they do not
 * come back in waves (AWS Architecture Blog, "Exponential Backoff And Jitter").
 */
export function fullJitterDelay(
  retry: number,
  options: Pick<ResolvedRetryOptions, 'baseDelayMs' | 'maxDelayMs' | 'random'>,
): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, retry - 1));
  const draw = Math.min(Math.max(options.random(), 0), 1);
  return Math.floor(draw * ceiling);
}
