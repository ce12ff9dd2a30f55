import type { AcceptedEvent, SummaryReadyEvent } from '../schemas/event.ts';
import type { SessionConfig } from '../schemas/session-config.ts';
import type { TokenCounter } from '../tokens/token-counter.ts';
import type { PriceTable } from '../pricing/price-table.ts';
import { renderSummaryMessage } from '../context/render-messages.ts';
import { parseSummaryText } from '../summary/parse-summary.ts';
import { inPrintOrder, renderSummaryText } from '../summary/structured-summary.ts';
import type { MeasuredEvent } from './event-record.ts';
import { promptOrNull } from './session-state.ts';
import type { SessionMachineEvent } from './session-machine.ts';

type RecordableEvent = Exclude<AcceptedEvent, SummaryReadyEvent>;

/** What measuring needs: a tokenizer whose encodings are loaded, and a price table. */
export interface Meter {
  tokens: TokenCounter;
  prices: PriceTable;
}

/** Every model whose encoding measuring these events needs (call `tokens.prepare` with them). */
export function modelsToMeasure(events: readonly AcceptedEvent[], config: SessionConfig): string[] {
  const models = new Set<string>([config.defaultModel]);
  for (const e of events) if (e.type === 'assistant_message' && e.model) models.add(e.model);
  return [...models];
}

/**
 * Measures one event, once, when it is applied: tokens it occupies in a context window, and
 * accounting tokens and cost. Pricing rule: what is sent to a model (user messages, tool
 * results) is input to the session's model; what a model wrote is output of that model. A usage
 * reported by the provider wins over our own count, its prompt tokens included.
 */
export function measureEvent(
  event: RecordableEvent,
  config: SessionConfig,
  meter: Meter,
): MeasuredEvent {
  const { tokens, prices } = meter;
  const base = {
    eventId: event.eventId,
    type: event.type,
    occurredAt: event.occurredAt,
    metadata: event.metadata ?? {},
    content: null as string | null,
    model: null as string | null,
    provider: null as string | null,
    usage: null,
    tool: null as string | null,
    arguments: null as unknown,
    result: null as unknown,
    error: null as string | null,
    success: null as boolean | null,
  };
  /** `{ unpriced: true }` when the table has no price for `model`, else nothing. */
  const unpricedFlag = (model: string): { unpriced?: true } =>
    prices.resolve(model).priced ? {} : { unpriced: true };
  switch (event.type) {
    case 'user_message': {
      const model = config.defaultModel;
      const promptTokens = tokens.countText(event.content, model);
      return {
        ...base,
        content: event.content,
        model,
        // The message's overhead added to the count above: the text is encoded once, not twice
        // (countMessage would encode it again; the sum is the same, role and content are
        // encoded apart).
        contextTokens: promptTokens + tokens.countMessage({ role: 'user', content: '' }, model),
        promptTokens,
        completionTokens: 0,
        costNano: prices.inputCost(model, promptTokens),
        ...unpricedFlag(model),
      };
    }
    case 'assistant_message': {
      const model = event.model ?? config.defaultModel;
      const counted = tokens.countText(event.content, model);
      const completionTokens = event.usage?.completionTokens ?? counted;
      const promptTokens = event.usage?.promptTokens ?? 0;
      // The room the message takes in this session's context is its text as the session's model
      // counts it; the provider's usage is accounting (it may include reasoning tokens).
      const inContext =
        model === config.defaultModel
          ? counted
          : tokens.countText(event.content, config.defaultModel);
      const overhead = tokens.countMessage({ role: 'assistant', content: '' }, config.defaultModel);
      return {
        ...base,
        content: event.content,
        model,
        provider: event.provider ?? null,
        usage: event.usage ?? null,
        contextTokens: inContext + overhead,
        promptTokens,
        completionTokens,
        costNano:
          prices.inputCost(model, promptTokens) + prices.outputCost(model, completionTokens),
        ...unpricedFlag(model),
      };
    }
    case 'tool_call': {
      const model = config.defaultModel;
      const error = event.error ?? null;
      const contextTokens = tokens.countToolCall(
        { tool: event.tool, arguments: event.arguments ?? {}, result: event.result ?? null, error },
        model,
      );
      return {
        ...base,
        tool: event.tool,
        arguments: event.arguments ?? {},
        result: event.result ?? null,
        error,
        success: !error,
        contextTokens,
        promptTokens: contextTokens,
        completionTokens: 0,
        costNano: prices.inputCost(model, contextTokens),
        ...unpricedFlag(model),
      };
    }
    case 'system_prompt_updated':
      return {
        ...base,
        content: event.content,
        contextTokens: 0,
        promptTokens: 0,
        completionTokens: 0,
        costNano: 0,
      };
  }
}

/** Turns an accepted event into the machine's event, measuring it. */
export function toMachineEvent(
  event: AcceptedEvent,
  config: SessionConfig,
  meter: Meter,
): SessionMachineEvent {
  if (event.type === 'summary_ready') {
    // The context renders the summary from its items: measure that rendering.
    const items = inPrintOrder(
      event.summary.items ??
        parseSummaryText(event.summary.text, { defaultSection: 'facts' }).items,
    );
    // The text is kept as the summarizer wrote it (what a custom callback returned, say), for
    // display; the context shows the items.
    return {
      type: 'summary',
      answer: {
        segmentIndex: event.segmentIndex,
        segmentId: event.segmentId,
        text: event.summary.text,
        items,
        ...(event.summary.reserve ? { reserve: event.summary.reserve } : {}),
        kind: event.summary.kind,
        model: event.summary.model,
        contextTokens:
          items.length > 0
            ? meter.tokens.countMessage(
                renderSummaryMessage(renderSummaryText(items)),
                config.defaultModel,
              )
            : 0,
        promptTokens: event.summary.promptTokens,
        completionTokens: event.summary.completionTokens,
        costNano: event.summary.costNano,
        attempts: event.summary.attempts,
        fallbackReason: event.summary.fallbackReason,
        createdAt: event.occurredAt,
        eventId: event.eventId,
      },
    };
  }
  const measured = measureEvent(event, config, meter);
  if (event.type === 'system_prompt_updated') {
    const blank = promptOrNull(event.content) === null;
    return {
      type: 'prompt',
      event: measured,
      promptTokens: blank
        ? 0
        : meter.tokens.countMessage(
            { role: 'system', content: event.content },
            config.defaultModel,
          ),
    };
  }
  return { type: event.type === 'tool_call' ? 'tool' : 'turn', event: measured };
}
