import { z } from 'zod';
import { LlmConfigError } from './llm-errors.ts';
import { DEFAULT_LLM_TIMEOUT_MS } from './openai-compatible-client.ts';
import { RETRY_DEFAULTS } from './retry-policy.ts';

/** The LLM summarizer's settings, as read from the environment. */
export interface LlmConfig {
  /** `THREADLINE_LLM_BASE_URL`: the API root, e.g. `https://api.openai.com/v1`. */
  baseUrl: string;
  /** `THREADLINE_LLM_API_KEY`: sent as a Bearer token; absent for servers that need none. */
  apiKey?: string;
  /** `THREADLINE_LLM_MODEL`. @defaultValue 'gpt-4o-mini' */
  model: string;
  /** `THREADLINE_LLM_TIMEOUT_MS`: per request. @defaultValue 30000 */
  timeoutMs: number;
  /** `THREADLINE_LLM_MAX_ATTEMPTS`: calls per summary, the first included. @defaultValue 4 */
  maxAttempts: number;
}

/** @defaultValue of `THREADLINE_LLM_MODEL` */
export const DEFAULT_LLM_MODEL = 'gpt-4o-mini';

/** The variables {@link llmConfigFromEnv} reads. */
export const LLM_ENV = {
  baseUrl: 'THREADLINE_LLM_BASE_URL',
  apiKey: 'THREADLINE_LLM_API_KEY',
  model: 'THREADLINE_LLM_MODEL',
  timeoutMs: 'THREADLINE_LLM_TIMEOUT_MS',
  maxAttempts: 'THREADLINE_LLM_MAX_ATTEMPTS',
} as const;

const MAX_TIMEOUT_MS = 600_000;
const MAX_ATTEMPTS = 10;

/** Unset, empty and blank all mean "not set"; other values are trimmed. */
const unsetIfBlank = (value: unknown): unknown =>
  typeof value === 'string' ? (value.trim() === '' ? undefined : value.trim()) : value;

function isApiRootUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (
      (url.protocol === 'http:' || url.protocol === 'https:') &&
      !/\/chat\/completions\/*$/.test(url.pathname)
    );
  } catch {
    return false;
  }
}

function wholeNumber(unit: string, min: number, max: number) {
  const rule = `expected a whole number of ${unit} from ${min} to ${max}`;
  return z
    .string()
    .refine((text) => /^\d+$/.test(text) && Number(text) >= min && Number(text) <= max, {
      error: (issue) => `${rule}, got ${JSON.stringify(issue.input)}`,
    })
    .transform(Number);
}

const LlmEnvSchema = z.object({
  [LLM_ENV.baseUrl]: z.preprocess(
    unsetIfBlank,
    z
      .string()
      .refine(isApiRootUrl, {
        error: (issue) =>
          'expected the http(s) URL of the API root, such as https://api.openai.com/v1 or ' +
          `http://localhost:11434/v1 (without /chat/completions), got ${JSON.stringify(issue.input)}`,
      })
      .transform((url) => url.replace(/\/+$/, ''))
      .optional(),
  ),
  // The key is never echoed in an error.
  [LLM_ENV.apiKey]: z.preprocess(unsetIfBlank, z.string().optional()),
  [LLM_ENV.model]: z.preprocess(unsetIfBlank, z.string().default(DEFAULT_LLM_MODEL)),
  [LLM_ENV.timeoutMs]: z.preprocess(
    unsetIfBlank,
    wholeNumber('milliseconds', 1, MAX_TIMEOUT_MS).default(DEFAULT_LLM_TIMEOUT_MS),
  ),
  [LLM_ENV.maxAttempts]: z.preprocess(
    unsetIfBlank,
    wholeNumber('attempts', 1, MAX_ATTEMPTS).default(RETRY_DEFAULTS.maxAttempts),
  ),
});

/**
 * Reads and validates the LLM settings from `env` (pass `process.env` from the app's one
 * configuration module; nothing here reads it):
 *
 * | variable                      | rule                                   | default       |
 * | ----------------------------- | -------------------------------------- | ------------- |
 * | `THREADLINE_LLM_BASE_URL`     | http(s) URL of the API root            | (none)        |
 * | `THREADLINE_LLM_API_KEY`      | any text                               | (none)        |
 * | `THREADLINE_LLM_MODEL`        | model name                             | `gpt-4o-mini` |
 * | `THREADLINE_LLM_TIMEOUT_MS`   | whole number, 1 to 600000              | 30000         |
 * | `THREADLINE_LLM_MAX_ATTEMPTS` | whole number, 1 to 10                  | 4             |
 *
 * Empty values count as unset. Every variable is checked even when the base URL is unset, so a
 * typo is reported, not ignored.
 *
 * @returns the settings, or `null` when `THREADLINE_LLM_BASE_URL` is unset: extractive-only
 *   mode, where summaries are made without an LLM.
 * @throws LlmConfigError naming each bad variable and its rule, e.g.
 *   `THREADLINE_LLM_TIMEOUT_MS: expected a whole number of milliseconds from 1 to 600000, got "30s"`.
 */
export function llmConfigFromEnv(env: Record<string, string | undefined>): LlmConfig | null {
  const result = LlmEnvSchema.safeParse(env);
  if (!result.success) {
    throw new LlmConfigError(
      result.error.issues.map((issue) => ({
        path: issue.path.map(String).join('.'),
        rule: issue.message,
      })),
    );
  }
  const values = result.data;
  const baseUrl = values[LLM_ENV.baseUrl];
  if (baseUrl === undefined) return null;
  const apiKey = values[LLM_ENV.apiKey];
  return {
    baseUrl,
    ...(apiKey === undefined ? {} : { apiKey }),
    model: values[LLM_ENV.model],
    timeoutMs: values[LLM_ENV.timeoutMs],
    maxAttempts: values[LLM_ENV.maxAttempts],
  };
}
