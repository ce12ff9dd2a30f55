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
  /** An assistant message's tool calls: each function's name and JSON arguments count. */
  tool_calls?: ReadonlyArray<{ function: { name: string; arguments: string } }>;
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
    // A module name mutated to '' makes the bundler load the repo's root as a module, which
    // crashes the test run instead of failing a test: not a mutant worth having.
    case 'o200k_base':
      // Stryker disable next-line StringLiteral
      return (await import('js-tiktoken/ranks/o200k_base')).default;
    case 'cl100k_base':
      // Stryker disable next-line StringLiteral
      return (await import('js-tiktoken/ranks/cl100k_base')).default;
  }
};

/** The tokenizer libraries a {@link TokenCounter} can count with (identical counts, see below). */
export type TokenizerName = 'gpt-tokenizer' | 'js-tiktoken';

/** The one thing counting needs from a tokenizer: how many tokens a text makes. */
interface Encoder {
  count(text: string): number;
}

/**
 * Special-token text (`<|endoftext|>`…) inside a message is counted as ordinary text, as the
 * API does with message content; both libraries are told so.
 */
const GPT_TOKENIZER_OPTIONS = {
  allowedSpecial: new Set<string>(),
  disallowedSpecial: new Set<string>(),
};

async function gptTokenizerEncoder(encoding: EncodingName): Promise<Encoder> {
  const module =
    encoding === 'o200k_base'
      ? // Stryker disable next-line StringLiteral: import('') loads the repo's root (see above)
        await import('gpt-tokenizer/encoding/o200k_base')
      : // Stryker disable next-line StringLiteral: import('') loads the repo's root (see above)
        await import('gpt-tokenizer/encoding/cl100k_base');
  return { count: (text) => module.countTokens(text, GPT_TOKENIZER_OPTIONS) };
}

const jsTiktokenEncoder = (tiktoken: Tiktoken): Encoder => ({
  count: (text) => tiktoken.encode(text, [], []).length,
});

/**
 * Encoders of each library, one per encoding for the whole process: building one parses a rank
 * file (hundreds of milliseconds, tens of MB), so counters that use the bundled ranks share
 * them.
 */
const sharedEncoders = new Map<string, Promise<Encoder>>();

function sharedEncoder(tokenizer: TokenizerName, encoding: EncodingName): Promise<Encoder> {
  const id = `${tokenizer}/${encoding}`;
  let encoder = sharedEncoders.get(id);
  if (!encoder) {
    encoder =
      tokenizer === 'gpt-tokenizer'
        ? gptTokenizerEncoder(encoding)
        : loadBundledRanks(encoding).then((ranks) => jsTiktokenEncoder(new Tiktoken(ranks)));
    encoder.catch(() => sharedEncoders.delete(id));
    sharedEncoders.set(id, encoder);
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
   * The library that counts. Both give identical counts (a property test checks them against
   * each other on prose, code, unicode and special-token text); gpt-tokenizer is about 3×
   * faster and needs about half the memory (BENCHMARKS.md, scenario 7), so it is the default.
   * js-tiktoken stays as the reference the counts are checked against, and for callers who
   * bring their own rank files.
   *
   * @defaultValue 'gpt-tokenizer' ('js-tiktoken' when `loadRanks` is given)
   */
  tokenizer?: TokenizerName;
  /**
   * Where js-tiktoken's rank files come from (js-tiktoken only).
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
  /** The library this counter counts with. */
  readonly tokenizer: TokenizerName;
  readonly #encoders = new Map<EncodingName, Encoder>();
  readonly #loading = new Map<EncodingName, Promise<void>>();
  readonly #createEncoder: (encoding: EncodingName) => Promise<Encoder>;

  constructor(options: TokenCounterOptions = {}) {
    const { loadRanks } = options;
    const tokenizer = options.tokenizer ?? (loadRanks ? 'js-tiktoken' : 'gpt-tokenizer');
    if (tokenizer !== 'gpt-tokenizer' && tokenizer !== 'js-tiktoken')
      throw new Error(
        `TokenCounter: tokenizer must be 'gpt-tokenizer' or 'js-tiktoken', got ${JSON.stringify(tokenizer)}`,
      );
    if (loadRanks && tokenizer !== 'js-tiktoken')
      throw new Error("TokenCounter: loadRanks is for tokenizer 'js-tiktoken' only");
    this.tokenizer = tokenizer;
    this.#createEncoder = loadRanks
      ? async (encoding) => jsTiktokenEncoder(new Tiktoken(await loadRanks(encoding)))
      : (encoding) => sharedEncoder(tokenizer, encoding);
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
    return count(this.#encoder(model), text);
  }

  /**
   * Tokens of one chat message in a request: {@link TOKENS_PER_MESSAGE} + the tokens of its role
   * and content + the tokens of its name and {@link TOKENS_PER_NAME} when it has one + the
   * function name and arguments of each tool call (as {@link countToolCallParts} counts them).
   */
  countMessage(message: MessageForCounting, model?: string | null): number {
    const encoder = this.#encoder(model);
    let tokens =
      TOKENS_PER_MESSAGE + count(encoder, message.role) + count(encoder, message.content ?? '');
    if (message.name) tokens += count(encoder, message.name) + TOKENS_PER_NAME;
    for (const call of message.tool_calls ?? [])
      tokens += count(encoder, call.function.name) + count(encoder, call.function.arguments);
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

  #encoder(model: string | null | undefined): Encoder {
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

/**
 * The longest run of non-space (or of space) characters handed to a tokenizer in one piece.
 * Byte-pair encoding is quadratic in the length of one pre-tokenized piece, in every library
 * measured here: 262 144 × `x` (the content limit) took 100 s in gpt-tokenizer and 170 s in
 * js-tiktoken, a stall of the event loop that any tenant could cause. Longer runs are counted
 * in slices of this length.
 */
export const MAX_COUNTED_RUN = 256;

const LONG_RUN_SOURCE = `\\S{${MAX_COUNTED_RUN + 1},}|\\s{${MAX_COUNTED_RUN + 1},}`;
/** Stateless (no `g`): for the test. */
const HAS_LONG_RUN = new RegExp(LONG_RUN_SOURCE);
/** For `matchAll` (which copies it, `lastIndex` included, so it is never used for a test). */
const LONG_RUNS = new RegExp(LONG_RUN_SOURCE, 'g');

/**
 * The parts a text is counted in: the text itself when it has no run of more than
 * {@link MAX_COUNTED_RUN} non-space (or space) characters (the usual case; the count is exact),
 * else the text between such runs, and each run in slices of at most MAX_COUNTED_RUN
 * characters (never splitting a surrogate pair). Counting the parts apart may differ from the
 * exact count by a token or two per cut, only for texts with such runs (base64, minified code,
 * `xxxx…`), and the work is linear in the length of the text.
 */
export function countingParts(text: string): string[] {
  if (!HAS_LONG_RUN.test(text)) return text.length === 0 ? [] : [text];
  const parts: string[] = [];
  let last = 0;
  for (const match of text.matchAll(LONG_RUNS)) {
    if (match.index > last) parts.push(text.slice(last, match.index));
    const end = match.index + match[0].length;
    for (let from = match.index; from < end;) {
      let to = Math.min(from + MAX_COUNTED_RUN, end);
      // Keep a surrogate pair together: cut before its high half.
      if (to < end && isLowSurrogate(text.charCodeAt(to))) to -= 1;
      parts.push(text.slice(from, to));
      from = to;
    }
    last = end;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

function count(encoder: Encoder, text: string): number {
  if (text.length === 0) return 0;
  if (text.length <= MAX_COUNTED_RUN) return encoder.count(text);
  let tokens = 0;
  for (const part of countingParts(text)) tokens += encoder.count(part);
  return tokens;
}

/** The process's shared counter; apps prepare it once with the models they serve. */
export const defaultTokenCounter = new TokenCounter();
