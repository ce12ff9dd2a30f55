import type { ValidationIssue } from '@threadline/core';

/**
 * The errors of an LLM call. Each says whether trying again can help (`retryable`): the
 * summarizer's retry loop reads that flag and nothing else, so a new failure mode only needs
 * the right class here to be handled right everywhere.
 *
 * | class               | retryable | when                                                        |
 * | ------------------- | --------- | ----------------------------------------------------------- |
 * | LlmHttpError        | 408, 409, 425, 429, 5xx: yes; other 4xx: no | the server answered an error status |
 * | LlmRateLimitError   | yes       | 429, with the server's `Retry-After` in `retryAfterMs`      |
 * | LlmTimeoutError     | yes       | no complete answer within `timeoutMs`                       |
 * | LlmNetworkError     | yes       | connection refused or reset, DNS failure                    |
 * | LlmBadOutputError   | yes, a bounded number of times | a 200 answer that is not a usable summary |
 * | LlmConfigError      | no        | the client or the environment is misconfigured             |
 *
 * Bad output is retried because models are stochastic: the next draw of the same prompt is
 * usually fine. It is retried at most `badOutputRetries` times (default 2) because an answer
 * that is bad for a reason in the prompt stays bad, and every bad answer was paid for.
 */
export abstract class LlmError extends Error {
  /** Whether the same request may succeed if sent again. */
  abstract readonly retryable: boolean;
  /**
   * How many attempts the summarizer made before giving up with this error (set by its retry
   * loop; 1 for a direct client call).
   */
  attempts = 1;
}

/** HTTP statuses that mean "try again later" rather than "this request is wrong". */
const RETRYABLE_STATUSES = new Set([408, 409, 425, 429]);

/** Whether an HTTP status is worth retrying: 408, 409, 425, 429 and every 5xx. */
export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status) || (status >= 500 && status <= 599);
}

/** The server answered with an error status. */
export class LlmHttpError extends LlmError {
  override readonly name: string = 'LlmHttpError';
  readonly retryable: boolean;

  constructor(
    /** The HTTP status, e.g. 401 or 503. */
    readonly status: number,
    message: string,
    /**
     * The provider's error `code` or `type` (`invalid_api_key`, `insufficient_quota`), when it
     * is a short token; never the provider's free text, which may echo the key.
     */
    readonly providerCode: string | null = null,
  ) {
    super(message);
    this.retryable = isRetryableStatus(status);
  }
}

/** The server answered 429: too many requests or tokens; wait `retryAfterMs` if it said. */
export class LlmRateLimitError extends LlmHttpError {
  override readonly name = 'LlmRateLimitError';

  constructor(
    message: string,
    /** What the server asked to wait (`retry-after-ms` or `Retry-After`), or null if it did not. */
    readonly retryAfterMs: number | null,
    providerCode: string | null = null,
  ) {
    super(429, message, providerCode);
  }
}

/** No complete answer within the client's `timeoutMs`. */
export class LlmTimeoutError extends LlmError {
  override readonly name = 'LlmTimeoutError';
  readonly retryable = true;

  constructor(
    readonly timeoutMs: number,
    url: string,
  ) {
    super(
      `no complete answer from POST ${url} within ${timeoutMs} ms; ` +
        'raise the timeout (THREADLINE_LLM_TIMEOUT_MS) if the model is slow to answer',
    );
  }
}

/** The request never got an HTTP answer: connection refused or reset, DNS failure. */
export class LlmNetworkError extends LlmError {
  override readonly name = 'LlmNetworkError';
  readonly retryable = true;
}

/** Why an answer is not a usable summary; see `validateSummary` for the rules. */
export type BadOutputReason =
  | 'empty'
  | 'refusal'
  | 'too_short'
  | 'too_long'
  | 'noise'
  /** The answer does not follow the summary's sections (see `parseStructuredAnswer`). */
  | 'structure'
  /** The answer names a URL that is in neither the transcript nor the previous summary. */
  | 'invented_url'
  /** The answer carries an instruction to the model that the material does not contain. */
  | 'injected_instruction'
  /** The HTTP body was not a chat completion (not JSON, no `choices[0].message`). */
  | 'malformed';

/** A 200 answer that is not a usable summary (empty, a refusal, noise, far too long...). */
export class LlmBadOutputError extends LlmError {
  override readonly name = 'LlmBadOutputError';
  readonly retryable = true;

  constructor(
    readonly reason: BadOutputReason,
    /** What was wrong and the rule it broke. */
    detail: string,
  ) {
    super(`summary rejected (${reason.replaceAll('_', ' ')}): ${detail}`);
  }
}

/** The client or the environment is misconfigured; retrying cannot help. */
export class LlmConfigError extends LlmError {
  override readonly name = 'LlmConfigError';
  readonly retryable = false;

  constructor(
    /** Each bad setting and its rule. */
    readonly issues: ValidationIssue[],
  ) {
    super(issues.map((i) => `${i.path}: ${i.rule}`).join('; '));
  }
}

/** Whether `error` is an LLM error that may go away if the request is sent again. */
export function isRetryableLlmError(error: unknown): error is LlmError {
  return error instanceof LlmError && error.retryable;
}
