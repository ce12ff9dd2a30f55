/**
 * @threadline/llm: summarizer providers. An OpenAI-compatible chat-completions client over
 * fetch, the LLM summarizer with retries and output validation, and its extractive fallback.
 */
export {
  OpenAiCompatibleClient,
  DEFAULT_LLM_TIMEOUT_MS,
  DEFAULT_LLM_TEMPERATURE,
  type ChatCompleter,
  type CompleteOptions,
  type LlmCompletion,
  type LlmMessage,
  type OpenAiCompatibleClientOptions,
} from './openai-compatible-client.ts';
export {
  LlmError,
  LlmHttpError,
  LlmRateLimitError,
  LlmTimeoutError,
  LlmNetworkError,
  LlmBadOutputError,
  LlmConfigError,
  isRetryableLlmError,
  isRetryableStatus,
  type BadOutputReason,
} from './llm-errors.ts';
export { parseRetryAfter, type HeaderSource } from './retry-after.ts';
export {
  validateSummary,
  TOO_LONG_FACTOR,
  MAX_CHARS_PER_TOKEN,
  REFUSAL_OPENINGS,
  MIN_LETTER_SHARE,
  MAX_JUMBLED_WORD_SHARE,
  MIN_DISTINCT_WINDOW_SHARE,
  MIN_SECTIONS,
  INSTRUCTION_PATTERNS,
  parseStructuredAnswer,
  type StructuredAnswerOptions,
  type SummaryValidationOptions,
} from './validate-summary.ts';
export {
  buildSummaryPrompt,
  materialMarker,
  renderPreviousSummary,
  renderTranscript,
  TRANSCRIPT_MAX_CHARS,
  TURN_MAX_CHARS,
  type SummaryPromptInput,
} from './summary-prompt.ts';
export {
  fullJitterDelay,
  resolveRetryOptions,
  sleepFor,
  RETRY_DEFAULTS,
  type RetryOptions,
  type ResolvedRetryOptions,
} from './retry-policy.ts';
export {
  LlmSummarizer,
  createLlmSummarizerWithFallback,
  tenantSafeReason,
  type LlmSummarizerOptions,
  type LlmSummarizerWithFallbackOptions,
  type RateLimitHook,
  type SummaryTokenCounter,
} from './llm-summarizer.ts';
export { llmConfigFromEnv, DEFAULT_LLM_MODEL, LLM_ENV, type LlmConfig } from './llm-config.ts';
export {
  IsolatedSummarizer,
  IsolatedSummarizerClosedError,
  createIsolatedSummarizer,
  describeThreadFailure,
  DEFAULT_SUMMARY_TIMEOUT_MS,
  DEFAULT_SUMMARY_THREADS,
  SUMMARY_TIMEOUT_MS_RANGE,
  SUMMARY_THREADS_RANGE,
  EXTRACTIVE_SUMMARY_MODULE,
  type IsolatedSummarizerOptions,
  type SummaryThreadFailure,
} from './isolated-summarizer.ts';
export { timeoutFallback, type TimeoutFallback } from './timeout-fallback.ts';
export {
  summaryIsolationConfigFromEnv,
  SUMMARY_ISOLATION_ENV,
  type SummaryIsolationConfig,
} from './summary-isolation-config.ts';
