import { randomUUID } from 'node:crypto';
import {
  acceptEvents,
  ContextFormatSchema,
  CreateSessionSchema,
  formatContext,
  parseOrThrow,
  parseSummaryText,
  renderEvent,
  type ChatMessage,
  type ContextBody,
  type ContextFormat,
  type FormattedContextWindow,
  type ConversationEntry,
  type ConversationPage,
  type ConversationPageRequest,
  ConversationPageRequestSchema,
  type SegmentRecord,
  sessionInfo,
  type SessionInfo,
  type SessionConfig,
  type SessionPatchInput,
  type SessionStats,
  type Summarizer,
  type SummaryPage,
  type SummaryPageRequest,
  SummaryPageRequestSchema,
  type UsageInput,
  ValidationError,
  promptOrNull,
} from '@threadline/core';
import type {
  ConversationOptions,
  Runtime,
  SessionChange,
  WatchOptions,
} from '@threadline/runtime';
import { defaultRuntime } from './default-runtime.ts';

const pick = ({ limit, after, before }: ConversationPageRequest) => ({ limit, after, before });

/** Options of the context reads ({@link SessionManager.getContextWindow}). */
export interface ContextReadOptions<F extends ContextFormat = 'openai'> {
  /** Put the system prompt first (or, in another format, in its system field). @defaultValue true */
  includeSystem?: boolean;
  /** Token budget of the whole context; without one, the summary and every turn it does not cover. */
  budget?: number;
  /**
   * The provider request format: `openai` (Chat Completions messages), `anthropic` (Messages
   * API), `gemini` (generateContent) or `responses` (OpenAI Responses API).
   *
   * @defaultValue 'openai'
   */
  format?: F;
}

/** What {@link SessionManager.getMessagesForLlm} returns: the chat messages, or a request body. */
export type MessagesForLlm<F extends ContextFormat = 'openai'> = F extends 'openai'
  ? ChatMessage[]
  : ContextBody<F>;

export interface SessionManagerOptions {
  /** Reopens this session if it exists, else creates it with this id; generated when absent. */
  sessionId?: string;
  /** Blank means none. On reopening, a prompt given here replaces the stored one. */
  systemPrompt?: string;
  parentId?: string;
  /** The end user the conversation is about (an id of yours): `eraseSubject` erases it all. */
  subjectId?: string;
  metadata?: Record<string, unknown>;
  /** @defaultValue false */
  infiniteContext?: boolean;
  /** @defaultValue 4000 */
  tokenThreshold?: number;
  /** @defaultValue 20 */
  maxTurnsPerSegment?: number;
  /** Model user messages are counted and priced for. @defaultValue 'gpt-4o-mini' */
  defaultModel?: string;
  /** Token cap of a summary. @defaultValue 400 */
  summaryMaxTokens?: number;
  /**
   * Seconds the session may stay idle before it expires whole; `null` keeps it until deleted.
   * Used when the session is created; a reopened session keeps its own (change it with
   * {@link SessionManager.update}). @defaultValue 2592000 (30 days)
   */
  retentionSeconds?: number | null;
  /** Where the session lives. @defaultValue the process-wide embedded runtime */
  runtime?: Runtime;
}

export interface AiRespondsOptions {
  /** The model that wrote the reply; the session's default model when absent. */
  model?: string;
  provider?: string;
  /**
   * Usage reported by the provider; it wins over our count. Any spelling core's `UsageSchema`
   * takes: camelCase, OpenAI's `prompt_tokens`/`completion_tokens`/`total_tokens`, Anthropic's
   * and the Responses API's `input_tokens`/`output_tokens` (a provider's usage object can be
   * passed as it came). Two spellings of one figure that disagree are a ValidationError.
   */
  usage?: UsageInput;
  /** The event's id (see {@link WriteOptions.eventId}); not metadata. */
  eventId?: string;
  /** Anything else is kept as the event's metadata. */
  [metadata: string]: unknown;
}

export interface WriteOptions {
  /**
   * The event's id, to make a write idempotent: a platform that retries after a timeout passes
   * the same id and the event is recorded once. An id (letters, digits, `.`, `_`, `-`, at most
   * 128). @defaultValue a new UUID
   */
  eventId?: string;
}

export interface ReadOptions {
  /**
   * Wait until this event is applied before reading. By default a read waits for the last
   * event this manager wrote (read-your-writes); with the embedded runtime that is immediate.
   */
  waitFor?: string;
  /** How long `waitFor` may wait, in ms. @defaultValue 5000 */
  waitTimeoutMs?: number;
}

/** What a summary callback gets: the sealed segment as chat messages and the summary before it. */
export interface SummaryCallbackInput {
  sessionId: string;
  segmentIndex: number;
  segmentId: string;
  messages: ChatMessage[];
  previousSummary: string | null;
  maxTokens: number;
}
export type SummaryCallback = (input: SummaryCallbackInput) => string | Promise<string>;

/**
 * One conversation, tracked: the predecessor's SessionManager API in TypeScript naming. The
 * session id is stable for the whole conversation; in infinite-context mode full segments are
 * sealed and summarized in the background, and `getMessagesForLlm()` returns the system prompt,
 * the latest summary and every turn after it.
 */
export class SessionManager {
  readonly runtime: Runtime;
  private readonly id: string;
  private readonly options: SessionManagerOptions;
  /** The session opened (once): resolves with its config, which a session keeps for life. */
  private ready: Promise<SessionConfig> | null = null;
  /** The last event this manager wrote: reads wait for it (read-your-writes). */
  private lastWrite: string | null = null;

  constructor(options: SessionManagerOptions = {}) {
    const { runtime, ...create } = options;
    parseOrThrow(CreateSessionSchema, create, 'options');
    this.options = options;
    this.runtime = runtime ?? defaultRuntime();
    this.id = options.sessionId ?? randomUUID();
  }

  /** The conversation's id; it never changes (segments have their own ids). */
  get sessionId(): string {
    return this.id;
  }

  /** Records what the user said. Resolves with the eventId once accepted. */
  async userSays(
    message: string,
    metadata?: Record<string, unknown>,
    options: WriteOptions = {},
  ): Promise<string> {
    return this.record({ type: 'user_message', content: message, metadata, ...idOf(options) });
  }

  /** Records the model's reply. */
  async aiResponds(response: string, options: AiRespondsOptions = {}): Promise<string> {
    const { model, provider, usage, eventId, ...metadata } = options;
    return this.record({
      ...idOf({ eventId }),
      type: 'assistant_message',
      content: response,
      model,
      provider,
      usage,
      metadata: Object.keys(metadata).length ? metadata : undefined,
    });
  }

  /** Records a tool call and its result; an error marks it `success: false`. */
  async toolUsed(
    tool: string,
    args: unknown,
    result: unknown,
    error?: string | null,
    metadata?: Record<string, unknown>,
    options: WriteOptions = {},
  ): Promise<string> {
    return this.record({
      ...idOf(options),
      type: 'tool_call',
      tool,
      arguments: args ?? {},
      result: result ?? null,
      error: error ?? null,
      metadata,
    });
  }

  /** Replaces the system prompt (blank clears it); it survives segmentation and reopening. */
  async updateSystemPrompt(prompt: string, options: WriteOptions = {}): Promise<string> {
    return this.record({ type: 'system_prompt_updated', content: prompt, ...idOf(options) });
  }

  /**
   * Resolves once every write of this manager has been applied: what a read made right after,
   * by anyone, sees them. Reads of this manager do it by themselves.
   */
  async settle(options: Pick<ReadOptions, 'waitTimeoutMs'> = {}): Promise<void> {
    await this.beforeRead(options);
  }

  /**
   * What to send to the model next: in OpenAI chat format the messages themselves; in another
   * `format` the fields of that provider's request body (`{ system, messages }` for Anthropic,
   * `{ systemInstruction, contents }` for Gemini, `{ instructions, input }` for the Responses
   * API), to spread into it.
   */
  async getMessagesForLlm<F extends ContextFormat = 'openai'>(
    options: ContextReadOptions<F> & ReadOptions = {},
  ): Promise<MessagesForLlm<F>> {
    const format: ContextFormat = options.format ?? 'openai';
    const { report: _report, ...body } = await this.getContextWindow<ContextFormat>({
      ...options,
      format,
    });
    const messages: ChatMessage[] | ContextBody<ContextFormat> =
      format === 'openai' ? (body as ContextBody).messages : body;
    return messages as MessagesForLlm<F>;
  }

  /** The same, with the budget report (tokens per part, events dropped to fit, stable prefix). */
  async getContextWindow<F extends ContextFormat = 'openai'>(
    options: ContextReadOptions<F> & ReadOptions = {},
  ): Promise<FormattedContextWindow<F>> {
    const format = parseOrThrow(ContextFormatSchema.optional(), options.format, 'options.format');
    await this.beforeRead(options);
    const window = await this.runtime.messages(this.id, {
      includeSystem: options.includeSystem,
      budget: options.budget,
    });
    return formatContext(window, (format ?? 'openai') as F);
  }

  /**
   * The turns of every segment (`allSegments`), or of the open one. The default, as in the
   * predecessor: every segment when the session is in infinite-context mode, else the open one.
   */
  async getConversation(
    options: ConversationOptions & ReadOptions = {},
  ): Promise<ConversationEntry[]> {
    await this.beforeRead(options);
    const allSegments = options.allSegments ?? (await this.infiniteContext());
    return this.runtime.conversation(this.id, { ...options, allSegments });
  }

  /**
   * A page of the conversation, by seq cursor: `{ entries, page: { limit, olderBefore,
   * newerAfter } }`. Without a cursor the newest `limit` entries (default and at most 1000);
   * `before: page.olderBefore` gives the page before, `after: page.newerAfter` the page after.
   * The segments covered are those of {@link getConversation} (`allSegments`).
   */
  async getConversationPage(
    options: ConversationOptions & ConversationPageRequest & ReadOptions = {},
  ): Promise<ConversationPage> {
    const request = parseOrThrow(ConversationPageRequestSchema, pick(options), 'options');
    await this.beforeRead(options);
    const allSegments = options.allSegments ?? (await this.infiniteContext());
    return this.runtime.conversationPage(this.id, { ...options, ...request, allSegments });
  }

  /** Segment ids, oldest first. */
  async getSessionChain(options: ReadOptions = {}): Promise<string[]> {
    return (await this.getChain(options)).map((s) => s.id);
  }

  /** The segments themselves, with status, counts and summaries. */
  async getChain(options: ReadOptions = {}): Promise<SegmentRecord[]> {
    await this.beforeRead(options);
    return this.runtime.chain(this.id);
  }

  /**
   * The summaries that have landed, oldest first, a page at a time: `{ summaries, page: { limit,
   * nextAfter } }`. Each gives its kind (`extractive`, `llm`, `custom`), model, the events and
   * segments it covers, its tokens and cost (nano-USD). At most `limit` (default and at most
   * 100); pass `after: page.nextAfter` for the next page until it is null.
   */
  async getSummaries(options: SummaryPageRequest & ReadOptions = {}): Promise<SummaryPage> {
    const { limit, after } = options;
    const request = parseOrThrow(SummaryPageRequestSchema, { limit, after }, 'options');
    await this.beforeRead(options);
    return this.runtime.summaries(this.id, request);
  }

  /**
   * What happens to this session from now on, until `signal` aborts or the session is deleted:
   * `events.applied`, `segment.sealed`, `summary.landed`, `summary.fell_back`, `session.deleted`
   * (the runtime polls the session's state: see apps/server/README.md, "Streams").
   */
  async watch(options: WatchOptions): Promise<AsyncIterable<SessionChange>> {
    await this.beforeRead({});
    return this.runtime.watch(this.id, options);
  }

  /** Counts of every segment or of the open one; the default as for {@link getConversation}. */
  async getStats(options: { allSegments?: boolean } & ReadOptions = {}): Promise<SessionStats> {
    await this.beforeRead(options);
    const allSegments = options.allSegments ?? (await this.infiniteContext());
    return this.runtime.stats(this.id, { allSegments });
  }

  /** Whether the session is in infinite-context mode (its config as opened: no extra read). */
  private async infiniteContext(): Promise<boolean> {
    return (await this.ensureSession()).infiniteContext;
  }

  /**
   * What the session is: its config, metadata, parent and times, its state (`active` or
   * `summarizing`) and counts (events, segments, pending summaries, totals). Read from the
   * session's state alone: O(1).
   */
  async getSessionInfo(options: ReadOptions = {}): Promise<SessionInfo> {
    await this.beforeRead(options);
    return sessionInfo((await this.runtime.session(this.id)).session);
  }

  /**
   * Changes the session's metadata (merged: each key given replaces the stored one, a key given
   * as `null` is removed) or its retention (`null`: kept until deleted), in one write; resolves
   * with the session as {@link getSessionInfo} gives it. A bad patch is a ValidationError naming
   * the field (`metadata`, `retentionSeconds`), and nothing changes.
   */
  async update(patch: SessionPatchInput, options: ReadOptions = {}): Promise<SessionInfo> {
    await this.beforeRead(options);
    return sessionInfo((await this.runtime.update(this.id, patch)).session);
  }

  /** The system prompt in force. */
  async getSystemPrompt(options: ReadOptions = {}): Promise<string | null> {
    await this.beforeRead(options);
    return (await this.runtime.session(this.id)).session.context.systemPrompt;
  }

  /**
   * Summaries of this session's sealed segments are made by `callback` (kind `custom`); if it
   * throws or returns a blank text, the extractive summary is used and marked as a fallback.
   * Pass null to go back to the runtime's summarizer.
   */
  setSummaryCallback(callback: SummaryCallback | null): void {
    const hooks = this.runtime.summaryHooks;
    if (!hooks)
      throw new Error(
        `setSummaryCallback: with the ${this.runtime.kind} runtime, summaries are made by the summarizer workers; configure their LLM (THREADLINE_LLM_*) instead`,
      );
    const summarizer: Summarizer | null = callback && {
      summarize: async ({ request, events, previousSummary }) => {
        const text = await callback({
          sessionId: this.id,
          segmentIndex: request.segmentIndex,
          segmentId: request.segmentId,
          messages: events.flatMap(renderEvent),
          previousSummary: previousSummary?.text ?? null,
          maxTokens: request.maxTokens,
        });
        if (typeof text !== 'string')
          throw new TypeError('the summary callback must return a string');
        // A custom summary is free text: its lines (under headings, if it has any) are its items,
        // of unknown source, so the context never leaves them out for being in its window.
        return {
          text,
          items: parseSummaryText(text, { defaultSection: 'facts' }).items,
          kind: 'custom',
          model: null,
          promptTokens: 0,
          completionTokens: 0,
          costNano: 0,
          attempts: 1,
          fallbackReason: null,
        };
      },
    };
    hooks.setSessionSummarizer(this.runtime.tenant, this.id, summarizer);
  }

  /** Resolves once everything in flight (background summaries included) has landed. */
  async flush(): Promise<void> {
    await this.ensureSession();
    await this.runtime.idle();
  }

  private async beforeRead(options: ReadOptions): Promise<void> {
    await this.ensureSession();
    const eventId = options.waitFor ?? this.lastWrite;
    if (eventId) await this.runtime.waitFor(this.id, eventId, { timeoutMs: options.waitTimeoutMs });
  }

  private async record(event: Record<string, unknown>): Promise<string> {
    // Validated before the session is opened: a refused event writes nothing, not even the session.
    const [accepted] = acceptOne({ ...event, sessionId: this.id }, this.runtime);
    await this.ensureSession();
    this.lastWrite = accepted!.eventId;
    await this.runtime.submit(this.id, [accepted!]);
    return accepted!.eventId;
  }

  /** Creates the session on first use, or reopens it (then an explicit prompt replaces the stored one). */
  private ensureSession(): Promise<SessionConfig> {
    this.ready ??= (async () => {
      const { runtime: _runtime, ...create } = this.options;
      const { created, session } = await this.runtime.open({
        ...create,
        sessionId: this.id,
      });
      if (!created) refuseConfigChange(this.options, session.context.config);
      const explicit = this.options.systemPrompt;
      if (
        !created &&
        explicit !== undefined &&
        promptOrNull(explicit) !== session.context.systemPrompt
      ) {
        const [accepted] = acceptEvents(
          [{ type: 'system_prompt_updated', sessionId: this.id, content: explicit }],
          {
            now: this.runtime.now(),
            newEventId: () => this.runtime.newEventId(),
          },
        );
        this.lastWrite = accepted!.eventId;
        await this.runtime.submit(this.id, [accepted!]);
      }
      return session.context.config;
    })().catch((error: unknown) => {
      this.ready = null;
      throw error;
    });
    return this.ready;
  }
}

/** The config options a session keeps from its creation. */
const CONFIG_OPTIONS = [
  'infiniteContext',
  'tokenThreshold',
  'maxTurnsPerSegment',
  'defaultModel',
  'summaryMaxTokens',
] as const satisfies readonly (keyof SessionConfig & keyof SessionManagerOptions)[];

/**
 * Reopening an existing session keeps the config it was created with. An option given with a
 * different value would be silently ignored, so it is refused instead (nothing is written),
 * naming each such option with the stored value.
 */
function refuseConfigChange(options: SessionManagerOptions, stored: SessionConfig): void {
  const issues = CONFIG_OPTIONS.filter(
    (name) => options[name] !== undefined && options[name] !== stored[name],
  ).map((name) => ({
    path: `options.${name}`,
    rule: `the session exists with ${name} ${JSON.stringify(stored[name])}; a reopened session keeps the config it was created with (leave the option out, or pass that value)`,
  }));
  if (issues.length) throw new ValidationError(issues);
}

/** Validates one event; its issues are named `event.<field>` (not `event[0].<field>`). */
function acceptOne(event: Record<string, unknown>, runtime: Runtime) {
  try {
    return acceptEvents(
      [event],
      { now: runtime.now(), newEventId: () => runtime.newEventId() },
      'event',
    );
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(
      error.issues.map((i) => ({ path: i.path.replace(/^event\[0\]/, 'event'), rule: i.rule })),
    );
  }
}

/** `{ eventId }` when one was given (then the write is idempotent), else nothing. */
function idOf(options: WriteOptions): { eventId?: string } {
  return options.eventId === undefined ? {} : { eventId: options.eventId };
}
