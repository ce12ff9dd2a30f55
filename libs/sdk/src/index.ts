// The runtimes and the gateway are @threadline/runtime's; the SDK re-exports what its users need.
export {
  EmbeddedRuntime,
  RedisRuntime,
  redisRuntime,
  type EmbeddedRuntimeOptions,
  type RedisRuntimeOptions,
  type Runtime,
  type SessionChange,
  type SessionGateway,
  type SummaryListener,
  type WatchOptions,
} from '@threadline/runtime';
export {
  CONTEXT_FORMATS,
  LEADING_USER_TEXT,
  type AnthropicContext,
  type BudgetReport,
  type ChatMessage,
  type ContextBody,
  type ContextFormat,
  type FormattedContextWindow,
  type GeminiContext,
  type ResponsesContext,
  type SessionInfo,
  type SummaryPage,
  type SummaryPageRequest,
  type SummaryView,
} from '@threadline/core';
export {
  SessionExistsError,
  SessionNotFoundError,
  ValidationError,
  WaitTimeoutError,
} from '@threadline/core';
export * from './default-runtime.ts';
export * from './session-manager.ts';
export * from './simple-api.ts';
export * from './llm-response.ts';
