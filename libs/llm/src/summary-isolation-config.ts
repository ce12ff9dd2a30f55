import { z } from 'zod';
import {
  DEFAULT_SUMMARY_THREADS,
  DEFAULT_SUMMARY_TIMEOUT_MS,
  SUMMARY_THREADS_RANGE,
  SUMMARY_TIMEOUT_MS_RANGE,
} from './isolated-summarizer.ts';
import { LlmConfigError } from './llm-errors.ts';

/** How summaries are isolated from the event loop, as read from the environment. */
export interface SummaryIsolationConfig {
  /**
   * `THREADLINE_SUMMARY_TIMEOUT_MS`: hard limit on one summary made in a thread; its thread is
   * then terminated and the marked fallback used. @defaultValue 10000
   */
  timeoutMs: number;
  /** `THREADLINE_SUMMARY_THREADS`: worker threads that make summaries. @defaultValue 1 */
  threads: number;
}

/** The variables {@link summaryIsolationConfigFromEnv} reads. */
export const SUMMARY_ISOLATION_ENV = {
  timeoutMs: 'THREADLINE_SUMMARY_TIMEOUT_MS',
  threads: 'THREADLINE_SUMMARY_THREADS',
} as const;

const unsetIfBlank = (value: unknown): unknown =>
  typeof value === 'string' ? (value.trim() === '' ? undefined : value.trim()) : value;

function wholeNumber(unit: string, range: { min: number; max: number }) {
  const rule = `expected a whole number of ${unit} from ${range.min} to ${range.max}`;
  return z
    .string()
    .refine((t) => /^\d+$/.test(t) && Number(t) >= range.min && Number(t) <= range.max, {
      error: (issue) => `${rule}, got ${JSON.stringify(issue.input)}`,
    })
    .transform(Number);
}

const SummaryIsolationEnvSchema = z.object({
  [SUMMARY_ISOLATION_ENV.timeoutMs]: z.preprocess(
    unsetIfBlank,
    wholeNumber('milliseconds', SUMMARY_TIMEOUT_MS_RANGE).default(DEFAULT_SUMMARY_TIMEOUT_MS),
  ),
  [SUMMARY_ISOLATION_ENV.threads]: z.preprocess(
    unsetIfBlank,
    wholeNumber('threads', SUMMARY_THREADS_RANGE).default(DEFAULT_SUMMARY_THREADS),
  ),
});

/**
 * Reads and validates how summaries are isolated (pass `process.env` from the app's one
 * configuration module; nothing here reads it):
 *
 * | variable                        | rule                        | default |
 * | ------------------------------- | --------------------------- | ------- |
 * | `THREADLINE_SUMMARY_TIMEOUT_MS` | whole number, 100 to 600000 | 10000   |
 * | `THREADLINE_SUMMARY_THREADS`    | whole number, 1 to 32       | 1       |
 *
 * Empty values count as unset.
 *
 * @throws LlmConfigError naming each bad variable and its rule, e.g.
 *   `THREADLINE_SUMMARY_THREADS: expected a whole number of threads from 1 to 32, got "0"`.
 */
export function summaryIsolationConfigFromEnv(
  env: Record<string, string | undefined>,
): SummaryIsolationConfig {
  const result = SummaryIsolationEnvSchema.safeParse(env);
  if (!result.success)
    throw new LlmConfigError(
      result.error.issues.map((issue) => ({
        path: issue.path.map(String).join('.'),
        rule: issue.message,
      })),
    );
  return {
    timeoutMs: result.data[SUMMARY_ISOLATION_ENV.timeoutMs],
    threads: result.data[SUMMARY_ISOLATION_ENV.threads],
  };
}
