/**
 * Which provider's request format a context is given in. The context is assembled once, in
 * OpenAI chat format ({@link assembleContext}); each other format is a pure conversion of it.
 */
import { z } from 'zod';
import { toAnthropicMessages, type AnthropicContext } from './anthropic-messages.ts';
import { toGeminiContents, type GeminiContext } from './gemini-contents.ts';
import type { BudgetReport, ContextWindow } from './messages-for-llm.ts';
import type { ChatMessage } from './render-messages.ts';
import { toResponsesInput, type ResponsesContext } from './responses-input.ts';

/**
 * - `openai`: Chat Completions `messages` (the default, unchanged);
 * - `anthropic`: Messages API `system` + `messages` (content blocks, alternating roles, a
 *   `cache_control` breakpoint after the stable prefix);
 * - `gemini`: generateContent `systemInstruction` + `contents` (`user`/`model`, `parts`);
 * - `responses`: OpenAI Responses API `instructions` + `input` items.
 */
export const CONTEXT_FORMATS = ['openai', 'anthropic', 'gemini', 'responses'] as const;
export type ContextFormat = (typeof CONTEXT_FORMATS)[number];

/** A format name, as the HTTP query and the SDK options take it. */
export const ContextFormatSchema = z.enum(CONTEXT_FORMATS);

/** The request-body fields of each format: spread them into the provider's request. */
export interface ContextBodies {
  openai: { messages: ChatMessage[] };
  anthropic: AnthropicContext;
  gemini: GeminiContext;
  responses: ResponsesContext;
}

export type ContextBody<F extends ContextFormat = 'openai'> = ContextBodies[F];

/** A context in format `F`, with its budget report. */
export type FormattedContextWindow<F extends ContextFormat = 'openai'> = ContextBody<F> & {
  report: BudgetReport;
};

const CONVERT: { [F in ContextFormat]: (window: ContextWindow) => ContextBodies[F] } = {
  openai: ({ messages }) => ({ messages }),
  anthropic: ({ messages, report }) => toAnthropicMessages(messages, report.stablePrefixMessages),
  gemini: ({ messages, report }) => toGeminiContents(messages, report.stablePrefixMessages),
  responses: ({ messages }) => toResponsesInput(messages),
};

/**
 * `window` in `format`. The report is the one of the assembled context; in any format but
 * `openai` its counts are the OpenAI chat rendering's, so `tokenCount` is `estimated`.
 */
export function formatContext<F extends ContextFormat>(
  window: ContextWindow,
  format: F,
): FormattedContextWindow<F> {
  const body: ContextBodies[F] = CONVERT[format](window);
  const report: BudgetReport =
    format === 'openai' ? window.report : { ...window.report, tokenCount: 'estimated' };
  return { ...body, report };
}
