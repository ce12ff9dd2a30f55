export * from './errors/validation-error.ts';
export * from './errors/domain-errors.ts';
export * from './schemas/ids.ts';
export * from './schemas/limits.ts';
export * from './schemas/usage.ts';
export * from './schemas/event.ts';
export * from './schemas/session-config.ts';
export * from './schemas/accept.ts';
export * from './tokens/encoding-for-model.ts';
export * from './tokens/token-counter.ts';
export * from './tokens/stable-json.ts';
export * from './tokens/model-name.ts';
export * from './tokens/tool-call-text.ts';
export * from './pricing/default-prices.ts';
export * from './pricing/price-table.ts';
export * from './session/segment.ts';
export * from './session/event-record.ts';
export * from './session/session-state.ts';
export * from './session/session-machine.ts';
export * from './session/decide.ts';
export * from './session/plan-batch.ts';
export * from './session/schema-upgrade.ts';
export * from './session/measure-event.ts';
export * from './session/usage-by-model.ts';
export * from './session/session-stats.ts';
export * from './session/conversation.ts';
export * from './session/conversation-page.ts';
export * from './session/summary-page.ts';
export * from './session/session-info.ts';
export * from './session/session-patch.ts';
export * from './session/session-changes.ts';
export * from './context/render-messages.ts';
export * from './context/messages-for-llm.ts';
export * from './context/context-format.ts';
export * from './context/provider-turns.ts';
export * from './context/anthropic-messages.ts';
export * from './context/gemini-contents.ts';
export * from './context/responses-input.ts';
export * from './summary/structured-summary.ts';
export * from './summary/parse-summary.ts';
export * from './summary/summary-eviction.ts';
export * from './summary/extractive-summarizer.ts';
export * from './summary/artifacts.ts';
export {
  findValues,
  valuesOf,
  mentionsValue,
  type FoundValue,
  type ValueKind,
} from './summary/values.ts';
export * from './session/summarizer-port.ts';
