import {
  LlmBadOutputError,
  LlmConfigError,
  LlmHttpError,
  LlmNetworkError,
  LlmRateLimitError,
  LlmTimeoutError,
} from './llm-errors.ts';
import { SecretRedactor } from '@threadline/observability';
import { parseRetryAfter } from './retry-after.ts';

/** A message of a chat completion request (text only: summaries need nothing else). */
export interface LlmMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** What one chat completion returned. */
export interface LlmCompletion {
  /** The assistant message's text, as sent (not trimmed). */
  text: string;
  /** The model that answered, as the server names it; the configured model if it does not. */
  model: string;
  /** From the answer's `usage`; 0 when the server reports none. */
  promptTokens: number;
  completionTokens: number;
  /** `stop`, `length` (cut at `max_tokens`), ...; null when the server reports none. */
  finishReason: string | null;
}

/** Per-call options of {@link ChatCompleter.complete}. */
export interface CompleteOptions {
  /** Aborts the call; the abort reason is thrown as is (it is not an LLM failure). */
  signal?: AbortSignal;
  /** Overrides the client's `maxTokens` for this call. */
  maxTokens?: number;
}

/** Something that answers chat completions: {@link OpenAiCompatibleClient}, or your own. */
export interface ChatCompleter {
  /** The model requests are sent for. */
  readonly model: string;
  /**
   * @throws LlmHttpError, LlmRateLimitError, LlmTimeoutError, LlmNetworkError, LlmBadOutputError
   *   (`malformed`): see `llm-errors.ts` for which of them are worth retrying.
   */
  complete(messages: readonly LlmMessage[], options?: CompleteOptions): Promise<LlmCompletion>;
}

export interface OpenAiCompatibleClientOptions {
  /**
   * The API root, ending before `/chat/completions`: `https://api.openai.com/v1`,
   * `http://localhost:8000/v1` (vLLM), `http://localhost:11434/v1` (Ollama),
   * `http://localhost:1234/v1` (LM Studio).
   */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>`; no Authorization header when absent or empty. */
  apiKey?: string;
  /** The model name the server knows, e.g. `gpt-4o-mini` or `llama3.1:8b`. */
  model: string;
  /**
   * Time allowed for one request, answer body included, in ms.
   *
   * @defaultValue 30000
   */
  timeoutMs?: number;
  /** Sent as `max_tokens` when set (a per-call `maxTokens` wins). */
  maxTokens?: number;
  /**
   * Sampling temperature; `null` leaves it out of the request (models such as OpenAI's o-series
   * accept only their default).
   *
   * @defaultValue 0.2
   */
  temperature?: number | null;
  /** Extra request headers (e.g. `OpenAI-Organization`, a gateway's routing header). */
  headers?: Record<string, string>;
  /** The fetch to use. @defaultValue the global fetch */
  fetch?: typeof fetch;
}

/** @defaultValue of {@link OpenAiCompatibleClientOptions.timeoutMs} */
export const DEFAULT_LLM_TIMEOUT_MS = 30_000;

/** @defaultValue of {@link OpenAiCompatibleClientOptions.temperature} */
export const DEFAULT_LLM_TEMPERATURE = 0.2;

/**
 * A provider's error `code` or `type` worth keeping: a short token such as `invalid_api_key` or
 * `insufficient_quota`. Free text (the error's `message`) is never kept: providers echo the key
 * in it (OpenAI's 401: "Incorrect API key provided: sk-proj-…"), and errors end up in logs.
 */
const PROVIDER_CODE = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/**
 * Chat completions over plain fetch: `POST {baseUrl}/chat/completions` with
 * `{ model, messages, temperature?, max_tokens?, stream: false }`, which OpenAI, vLLM, Ollama,
 * LM Studio and most gateways accept. No SDK, no streaming, no retries: it makes one request
 * and turns every failure into an error class that says whether to retry (the summarizer
 * retries).
 */
export class OpenAiCompatibleClient implements ChatCompleter {
  readonly model: string;
  readonly url: string;
  readonly #apiKey: string | undefined;
  readonly #timeoutMs: number;
  readonly #maxTokens: number | undefined;
  readonly #temperature: number | null;
  readonly #headers: Record<string, string>;
  readonly #fetch: typeof fetch;
  /** Takes the key out of what an error quotes of an answer (a body that is not a completion). */
  readonly #redactor: SecretRedactor;

  /** @throws LlmConfigError naming each bad option and its rule. */
  constructor(options: OpenAiCompatibleClientOptions) {
    const issues = checkOptions(options);
    if (issues.length > 0) throw new LlmConfigError(issues);
    this.model = options.model.trim();
    this.url = `${options.baseUrl.trim().replace(/\/+$/, '')}/chat/completions`;
    this.#apiKey = options.apiKey?.trim() || undefined;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_LLM_TIMEOUT_MS;
    this.#maxTokens = options.maxTokens;
    this.#temperature =
      options.temperature === undefined ? DEFAULT_LLM_TEMPERATURE : options.temperature;
    this.#headers = { ...options.headers };
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#redactor = new SecretRedactor(this.#apiKey ? [this.#apiKey] : []);
  }

  async complete(
    messages: readonly LlmMessage[],
    options: CompleteOptions = {},
  ): Promise<LlmCompletion> {
    const { signal: callerSignal } = options;
    callerSignal?.throwIfAborted();
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout;

    const maxTokens = options.maxTokens ?? this.#maxTokens;
    const body: Record<string, unknown> = { model: this.model, messages, stream: false };
    if (this.#temperature !== null) body['temperature'] = this.#temperature;
    if (maxTokens !== undefined) body['max_tokens'] = maxTokens;
    const headers: Record<string, string> = {
      ...this.#headers,
      'content-type': 'application/json',
      accept: 'application/json',
    };
    if (this.#apiKey) headers['authorization'] = `Bearer ${this.#apiKey}`;

    let status: number;
    let responseHeaders: Headers;
    let text: string;
    try {
      const response = await this.#fetch(this.url, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal,
      });
      status = response.status;
      responseHeaders = response.headers;
      text = await response.text();
    } catch (error) {
      if (callerSignal?.aborted) throw callerSignal.reason;
      if (timeout.aborted) throw new LlmTimeoutError(this.#timeoutMs, this.url);
      throw new LlmNetworkError(
        `POST ${this.url} failed before an answer: ${describeFetchError(error)}`,
        {
          cause: error,
        },
      );
    }

    if (status < 200 || status > 299) throw this.#httpError(status, responseHeaders, text);
    return this.#completion(text);
  }

  #httpError(status: number, headers: Headers, text: string): LlmHttpError {
    const code = providerErrorCode(text);
    const said = code ? ` (provider error code ${code})` : '';
    const base = `POST ${this.url} answered ${status}${said}`;
    if (status === 429) {
      const retryAfterMs = parseRetryAfter(headers);
      const wait =
        retryAfterMs === null ? 'no Retry-After given' : `retry after ${retryAfterMs} ms`;
      return new LlmRateLimitError(`${base} (${wait})`, retryAfterMs, code);
    }
    return new LlmHttpError(status, `${base}${hintFor(status, this.model)}`, code);
  }

  /** A short, flattened extract of an answer, without the key in any form. */
  #preview(text: string): string {
    return this.#redactor.redact(preview(text));
  }

  #completion(text: string): LlmCompletion {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new LlmBadOutputError(
        'malformed',
        `the answer of POST ${this.url} is not JSON: ${this.#preview(text)}`,
      );
    }
    const choice = field(field(json, 'choices'), 0);
    const message = field(choice, 'message');
    const content = contentText(field(message, 'content'));
    if (content === null) {
      throw new LlmBadOutputError(
        'malformed',
        `the answer of POST ${this.url} has no choices[0].message.content text: ${this.#preview(text)}`,
      );
    }
    const usage = field(json, 'usage');
    const model = field(json, 'model');
    const finishReason = field(choice, 'finish_reason');
    return {
      text: content,
      model: typeof model === 'string' && model.trim() ? model : this.model,
      promptTokens: tokenCount(field(usage, 'prompt_tokens')),
      completionTokens: tokenCount(field(usage, 'completion_tokens')),
      finishReason: typeof finishReason === 'string' ? finishReason : null,
    };
  }
}

function checkOptions(
  options: OpenAiCompatibleClientOptions,
): Array<{ path: string; rule: string }> {
  const issues: Array<{ path: string; rule: string }> = [];
  const baseUrl = typeof options.baseUrl === 'string' ? options.baseUrl.trim() : '';
  let url: URL | null = null;
  try {
    url = new URL(baseUrl);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    issues.push({
      path: 'baseUrl',
      rule: 'expected an http(s) URL such as http://localhost:11434/v1',
    });
  } else if (/\/chat\/completions\/*$/.test(url.pathname)) {
    issues.push({
      path: 'baseUrl',
      rule: 'expected the API root (e.g. https://api.openai.com/v1), without /chat/completions',
    });
  }
  if (typeof options.model !== 'string' || options.model.trim() === '') {
    issues.push({ path: 'model', rule: 'expected a non-empty model name' });
  }
  const { timeoutMs, maxTokens, temperature } = options;
  if (timeoutMs !== undefined && !(Number.isSafeInteger(timeoutMs) && timeoutMs > 0)) {
    issues.push({ path: 'timeoutMs', rule: 'expected a positive whole number of milliseconds' });
  }
  if (maxTokens !== undefined && !(Number.isSafeInteger(maxTokens) && maxTokens > 0)) {
    issues.push({ path: 'maxTokens', rule: 'expected a positive whole number of tokens' });
  }
  if (
    temperature !== undefined &&
    temperature !== null &&
    !(Number.isFinite(temperature) && temperature >= 0 && temperature <= 2)
  ) {
    issues.push({
      path: 'temperature',
      rule: 'expected a number from 0 to 2, or null to leave it out',
    });
  }
  return issues;
}

/** What to do about a status that retrying will not fix. */
function hintFor(status: number, model: string): string {
  if (status === 401 || status === 403)
    return ' (check the API key and that it may use this model)';
  if (status === 404)
    return ` (check the base URL, which should end in /v1, and that model ${JSON.stringify(model)} exists)`;
  if (status === 400 || status === 422)
    return ' (the server refused the request; check the model and its parameters)';
  return '';
}

/**
 * The provider's error `code` (else `type`) of an OpenAI-style body (`{error:{code,type}}`), if
 * it is a short token ({@link PROVIDER_CODE}); never its message or any other text.
 */
function providerErrorCode(text: string): string | null {
  let error: unknown;
  try {
    error = field(JSON.parse(text), 'error');
  } catch {
    return null;
  }
  for (const candidate of [field(error, 'code'), field(error, 'type')])
    if (typeof candidate === 'string' && PROVIDER_CODE.test(candidate)) return candidate;
  return null;
}

/** A message content as text: a string, or text parts joined; null when it is neither. */
function contentText(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    const parts = content
      .map((part) => field(part, 'text'))
      .filter((t): t is string => typeof t === 'string');
    return parts.length > 0 ? parts.join('') : null;
  }
  return null;
}

function tokenCount(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : 0;
}

function field(value: unknown, key: string | number): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  return (value as Record<string | number, unknown>)[key];
}

function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause.message : '';
  return cause && !error.message.includes(cause) ? `${error.message} (${cause})` : error.message;
}

function preview(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(flat.length > 200 ? `${flat.slice(0, 200)}…` : flat);
}
