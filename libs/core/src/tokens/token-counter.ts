import { Tiktoken, type TiktokenBPE } from 'js-tiktoken/lite';
import { encodingForModel, type EncodingName } from './encoding-for-model.ts';
import {
  toolCallArgumentsText,
  toolResultText,
  type ToolCallForCounting,
} from './tool-call-text.ts';

/**
 * Tokens the chat format adds to every message around its values
 * (`<|start|>{role}<|message|>{content}<|end|>`), as in OpenAI's cookbook
 * `num_tokens_from_messages` for gpt-3.5-turbo-0125, gpt-4 and gpt-4o.
 */
export const TOKENS_PER_MESSAGE = 3;

/** Extra token when a message carries a `name` (on top of the tokens of the name itself). */
export const TOKENS_PER_NAME = 1;

/**
 * Tokens that prime the model's reply (`<|start|>assistant<|message|>`), added once per request,
 * not per message.
 */
export const REPLY_PRIMING_TOKENS = 3;

/** A chat message as far as counting is concerned (OpenAI chat format). */
export interface MessageForCounting {
  role: string;
  /** `null` for an assistant message that only carries tool calls. */
  content: string | null;
  name?: string | null;
}

/** The tokens of a tool call, split by the message they belong to. */
export interface ToolCallTokens {
  /** The assistant `tool_calls` message: overhead + role + function name + JSON arguments. */
  call: number;
  /** The `tool` message: overhead + role + the result (or error) text. */
  result: number;
}

/** Supplies the ranks of an encoding (a js-tiktoken rank module's default export). */
export type RankLoader = (encoding: EncodingName) => Promise<TiktokenBPE>;

/** Loads the ranks bundled with js-tiktoken; only the module of the requested encoding is imported. */
export const loadBundledRanks: RankLoader = async (encoding) => {
  switch (encoding) {
    case 'o200k_base':
      return (await import('js-tiktoken/ranks/o200k_base')).default;
    case 'cl100k_base':
      return (await import('js-tiktoken/ranks/cl100k_base')).default;
  }
};

/**
 * Encoders built from the bundled ranks, one per encoding for the whole process: building one
 * parses the rank file (hundreds of milliseconds, tens of MB), so counters that use the
 * bundled ranks share them.
 */
const bundledEncoders = new Map<EncodingName, Promise<Tiktoken>>();

function bundledEncoder(encoding: EncodingName): Promise<Tiktoken> {
  let encoder = bundledEncoders.get(encoding);
  if (!encoder) {
    encoder = loadBundledRanks(encoding).then((ranks) => new Tiktoken(ranks));
    encoder.catch(() => bundledEncoders.delete(encoding));
    bundledEncoders.set(encoding, encoder);
  }
  return encoder;
}

/** Thrown when text is counted with an encoding that {@link TokenCounter.prepare} has not loaded. */
export class EncodingNotLoadedError extends Error {
  override readonly name = 'EncodingNotLoadedError';
  constructor(
    readonly encoding: EncodingName,
    model: string | null | undefined,
  ) {
    const forModel =
      model == null ? 'for models without a name' : `for model ${JSON.stringify(model)}`;
    super(
      `The ${encoding} tokenizer (${forModel}) is not loaded: await tokenCounter.prepare([model]) ` +
        'before counting with it.',
    );
  }
}

export interface TokenCounterOptions {
  /**
   * Where rank files come from.
   *
   * @defaultValue {@link loadBundledRanks}, with the parsed encoders shared by every counter in
   * the process. A custom loader gets encoders of its own (tests use it to see what is loaded).
   */
  loadRanks?: RankLoader;
}

/**
 * Counts tokens the way OpenAI's chat models do, with the encoding of each model
 * ({@link encodingForModel}).
 *
 * Rank files are big, so they are loaded lazily and only for the encodings in use: call
 * {@link prepare} (async) with the models you are about to count for, then count synchronously.
 * Each encoder is built once and reused for every call.
 */
export class TokenCounter {
  readonly #encoders = new Map<EncodingName, Tiktoken>();
  readonly #loading = new Map<EncodingName, Promise<void>>();
  readonly #createEncoder: (encoding: EncodingName) => Promise<Tiktoken>;

  constructor(options: TokenCounterOptions = {}) {
    const { loadRanks } = options;
    this.#createEncoder = loadRanks
      ? async (encoding) => new Tiktoken(await loadRanks(encoding))
      : bundledEncoder;
  }

  /**
   * Loads the encodings of these models (each at most once; concurrent calls share one load).
   *
   * @throws Error naming the encoding when its rank file cannot be loaded; a later call retries.
   */
  async prepare(models: Iterable<string | undefined | null>): Promise<void> {
    const encodings = new Set<EncodingName>();
    for (const model of models) encodings.add(encodingForModel(model));
    await Promise.all([...encodings].map((encoding) => this.#load(encoding)));
  }

  /** Whether the encoding of `model` is loaded, so that counting for it will not throw. */
  isReady(model: string | undefined | null): boolean {
    return this.#encoders.has(encodingForModel(model));
  }

  /**
   * Tokens of a plain text with the encoding of `model`. Text that looks like a special token
   * (`<|endoftext|>`) is counted as ordinary text, as the API does with message content.
   *
   * @throws EncodingNotLoadedError when {@link prepare} has not loaded that encoding.
   */
  countText(text: string, model?: string | null): number {
    return this.#encoder(model).encode(text, [], []).length;
  }

  /**
   * Tokens of one chat message in a request: {@link TOKENS_PER_MESSAGE} + the tokens of its role
   * and content + the tokens of its name and {@link TOKENS_PER_NAME} when it has one.
   */
  countMessage(message: MessageForCounting, model?: string | null): number {
    const encoder = this.#encoder(model);
    let tokens =
      TOKENS_PER_MESSAGE + count(encoder, message.role) + count(encoder, message.content ?? '');
    if (message.name) tokens += count(encoder, message.name) + TOKENS_PER_NAME;
    return tokens;
  }

  /**
   * Prompt tokens of a whole request: every message plus {@link REPLY_PRIMING_TOKENS}
   * (OpenAI's `num_tokens_from_messages`; tool definitions are not included).
   */
  countMessages(messages: Iterable<MessageForCounting>, model?: string | null): number {
    let tokens = REPLY_PRIMING_TOKENS;
    for (const message of messages) tokens += this.countMessage(message, model);
    return tokens;
  }

  /** Tokens of a tool call and of its answer, see {@link ToolCallTokens}. */
  countToolCallParts(call: ToolCallForCounting, model?: string | null): ToolCallTokens {
    const encoder = this.#encoder(model);
    return {
      call:
        TOKENS_PER_MESSAGE +
        count(encoder, 'assistant') +
        count(encoder, call.tool) +
        count(encoder, toolCallArgumentsText(call)),
      result: TOKENS_PER_MESSAGE + count(encoder, 'tool') + count(encoder, toolResultText(call)),
    };
  }

  /**
   * Tokens a tool call adds to the conversation: the assistant `tool_calls` message (function
   * name + JSON arguments + overhead) plus the `tool` message with the result, or the error
   * text, + overhead.
   */
  countToolCall(call: ToolCallForCounting, model?: string | null): number {
    const parts = this.countToolCallParts(call, model);
    return parts.call + parts.result;
  }

  #encoder(model: string | null | undefined): Tiktoken {
    const encoding = encodingForModel(model);
    const encoder = this.#encoders.get(encoding);
    if (!encoder) throw new EncodingNotLoadedError(encoding, model);
    return encoder;
  }

  #load(encoding: EncodingName): Promise<void> {
    if (this.#encoders.has(encoding)) return Promise.resolve();
    let loading = this.#loading.get(encoding);
    if (!loading) {
      loading = this.#createEncoder(encoding).then(
        (encoder) => {
          this.#encoders.set(encoding, encoder);
          this.#loading.delete(encoding);
        },
        (cause: unknown) => {
          this.#loading.delete(encoding);
          const reason = cause instanceof Error ? cause.message : String(cause);
          throw new Error(`Could not load the ${encoding} tokenizer ranks: ${reason}`, { cause });
        },
      );
      this.#loading.set(encoding, loading);
    }
    return loading;
  }
}

function count(encoder: Tiktoken, text: string): number {
  return text.length === 0 ? 0 : encoder.encode(text, [], []).length;
}

/** The process's shared counter; apps prepare it once with the models they serve. */
export const defaultTokenCounter = new TokenCounter();
