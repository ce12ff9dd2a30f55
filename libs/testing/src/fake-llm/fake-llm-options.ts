import type { ChatCompletionRequest } from './chat-completion.ts';
import type { GarbageKind } from './garbage-reply.ts';

/**
 * How the fake LLM behaves. Every option can be changed while it runs with `configure()`.
 *
 * Each request draws one number r in [0, 1) and falls into the first band that holds it:
 * timeout, then rate limit, then failure, then garbage, else a normal answer. So with rates
 * summing to at most 1 each one is exact; past 1 the later bands are cut short.
 */
export interface FakeLlmOptions {
  /**
   * Delay before every answer (errors included), in ms: a fixed number, or `[min, max]` for a
   * uniform draw.
   *
   * @defaultValue 0
   */
  latencyMs?: number | [number, number];
  /**
   * Share of requests answered `500` with an OpenAI-style JSON error.
   *
   * @defaultValue 0
   */
  failureRate?: number;
  /**
   * Share of requests never answered: the connection stays open until the client aborts
   * (or `close()`).
   *
   * @defaultValue 0
   */
  timeoutRate?: number;
  /**
   * Share of requests answered `429` with a `Retry-After` header.
   *
   * @defaultValue 0
   */
  rateLimitRate?: number;
  /**
   * Seconds sent in `Retry-After` (rounded up; `retry-after-ms` carries the exact value).
   *
   * @defaultValue 1
   */
  retryAfterSeconds?: number;
  /**
   * Share of requests answered `200` with useless content (see `garbageKind`).
   *
   * @defaultValue 0
   */
  garbageRate?: number;
  /**
   * Which useless content: an empty string, a refusal, `noiseChars` of noise, or one of the
   * three drawn at random.
   *
   * @defaultValue 'mixed'
   */
  garbageKind?: GarbageKind | 'mixed';
  /**
   * Length of a noise answer, in characters.
   *
   * @defaultValue 100000
   */
  noiseChars?: number;
  /**
   * The content of a normal answer. The default is `Summary: ` followed by the first sentence
   * of each system and user message, so that the answer is visibly derived from its input.
   */
  reply?: (request: ChatCompletionRequest) => string | Promise<string>;
  /**
   * Seed of the PRNG behind every draw (outcome, latency, garbage kind, noise); Math.random
   * when absent. Under a seed, the same sequence of requests gets the same answers.
   */
  seed?: number;
  /**
   * When set, requests must carry `Authorization: Bearer <apiKey>` or get `401`.
   */
  apiKey?: string;
  /**
   * A `401` repeats, in its message, the whole key the request presented (as some gateways and
   * providers do): for tests that check the key never reaches a log.
   *
   * @defaultValue false
   */
  echoKeyOnRefusal?: boolean;
  /**
   * Model name answered when the request names none, and listed by `GET /v1/models`.
   *
   * @defaultValue 'fake-llm'
   */
  model?: string;
  /**
   * How many request bodies `requests()` keeps (the most recent ones).
   *
   * @defaultValue 1000
   */
  maxRecordedRequests?: number;
}

/** The options with every default filled in. */
export type ResolvedFakeLlmOptions = Required<Omit<FakeLlmOptions, 'seed' | 'apiKey'>> &
  Pick<FakeLlmOptions, 'seed' | 'apiKey'>;

export const FAKE_LLM_DEFAULTS: Omit<ResolvedFakeLlmOptions, 'reply'> = {
  latencyMs: 0,
  failureRate: 0,
  timeoutRate: 0,
  rateLimitRate: 0,
  retryAfterSeconds: 1,
  garbageRate: 0,
  garbageKind: 'mixed',
  noiseChars: 100_000,
  model: 'fake-llm',
  maxRecordedRequests: 1000,
  echoKeyOnRefusal: false,
};

const RATES = ['failureRate', 'timeoutRate', 'rateLimitRate', 'garbageRate'] as const;
const GARBAGE_KINDS = ['empty', 'refusal', 'noise', 'mixed'];

/** Throws an Error naming the field and its rule when `options` holds an invalid value. */
export function validateFakeLlmOptions(options: FakeLlmOptions): void {
  const fail = (field: string, rule: string, value: unknown) => {
    throw new Error(`fake LLM option ${field}: ${rule}, got ${JSON.stringify(value)}`);
  };
  for (const rate of RATES) {
    const value = options[rate];
    if (value !== undefined && !(Number.isFinite(value) && value >= 0 && value <= 1)) {
      fail(rate, 'expected a number from 0 to 1', value);
    }
  }
  const { latencyMs } = options;
  if (latencyMs !== undefined) {
    const [min, max] = Array.isArray(latencyMs) ? latencyMs : [latencyMs, latencyMs];
    if (!(Number.isFinite(min) && Number.isFinite(max) && min >= 0 && min <= max)) {
      fail('latencyMs', 'expected a number >= 0 or [min, max] with 0 <= min <= max', latencyMs);
    }
  }
  const nonNegative = ['retryAfterSeconds', 'noiseChars', 'maxRecordedRequests'] as const;
  for (const field of nonNegative) {
    const value = options[field];
    if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
      fail(field, 'expected a number >= 0', value);
    }
  }
  if (options.garbageKind !== undefined && !GARBAGE_KINDS.includes(options.garbageKind)) {
    fail('garbageKind', `expected one of ${GARBAGE_KINDS.join(', ')}`, options.garbageKind);
  }
  if (options.seed !== undefined && !Number.isInteger(options.seed)) {
    fail('seed', 'expected an integer', options.seed);
  }
}
