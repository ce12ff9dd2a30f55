/** The list price of a model, in US dollars per million tokens. */
export interface ModelPrice {
  /** Price of prompt (input) tokens, USD per 1,000,000 tokens. */
  inputUsdPerMTok: number;
  /** Price of completion (output) tokens, USD per 1,000,000 tokens. */
  outputUsdPerMTok: number;
  /** Where the price was published (a URL or a note). Every built-in entry has one. */
  source?: string;
  /** The date the price was read from `source`, `YYYY-MM-DD`. Every built-in entry has one. */
  readOn?: string;
}

/**
 * When the built-in prices were written down. They are the vendors' published list prices as
 * known on this date (from their pricing pages as the author knew them; Anthropic's 4.5 prices
 * were also checked against stored copies of platform.claude.com's model pages). There was no
 * network access to re-verify them live: check them against `source` before billing anyone,
 * and correct or extend them with a price file (`THREADLINE_PRICES_FILE`).
 */
export const DEFAULT_PRICES_READ_ON = '2026-12-04';

const OPENAI = 'https://openai.com/api/pricing/';
const ANTHROPIC = 'https://docs.anthropic.com/en/docs/about-claude/pricing';
const GOOGLE = 'https://ai.google.dev/gemini-api/docs/pricing';

const price = (source: string, inputUsdPerMTok: number, outputUsdPerMTok: number): ModelPrice => ({
  inputUsdPerMTok,
  outputUsdPerMTok,
  source,
  readOn: DEFAULT_PRICES_READ_ON,
});

/**
 * Published list prices (standard tier, text tokens, no caching or batch discounts; for models
 * priced by prompt length, the price of prompts up to 128k (Gemini 1.5) or 200k tokens (Gemini
 * 2.5 Pro, Claude Sonnet 4.5)) by model name prefix. This is data, not code: deployments
 * override or extend it with a price file (`PriceTable.fromJson`, `THREADLINE_PRICES_FILE`).
 *
 * Keys are matched as the longest prefix of the model name, on whole name segments (see
 * `PriceTable.resolve`): `gpt-4o` prices `gpt-4o-2024-08-06`, and `gpt-4o-mini` has its own
 * entry. Besides the base families, snapshots and siblings have entries where a shorter
 * prefix would give the wrong price (`gpt-4o-2024-05-13`, `gpt-4-32k`, `o1-pro`,
 * `claude-opus-4-5`, which `claude-opus-4` would price at three times its price, ...).
 * A model no entry matches is not priced as another model: its tokens are counted, its cost is
 * 0, and stats list it under `unpricedModels`.
 */
export const DEFAULT_PRICES: Readonly<Record<string, ModelPrice>> = {
  // OpenAI
  'gpt-4o': price(OPENAI, 2.5, 10),
  'gpt-4o-2024-05-13': price(OPENAI, 5, 15),
  'gpt-4o-mini': price(OPENAI, 0.15, 0.6),
  'chatgpt-4o-latest': price(OPENAI, 5, 15),
  'gpt-4.1': price(OPENAI, 2, 8),
  'gpt-4.1-mini': price(OPENAI, 0.4, 1.6),
  'gpt-4.1-nano': price(OPENAI, 0.1, 0.4),
  'gpt-4.5-preview': price(OPENAI, 75, 150),
  'gpt-4-turbo': price(OPENAI, 10, 30),
  'gpt-4-1106-preview': price(OPENAI, 10, 30),
  'gpt-4-0125-preview': price(OPENAI, 10, 30),
  'gpt-4': price(OPENAI, 30, 60),
  'gpt-4-32k': price(OPENAI, 60, 120),
  'gpt-3.5-turbo': price(OPENAI, 0.5, 1.5),
  o1: price(OPENAI, 15, 60),
  'o1-mini': price(OPENAI, 1.1, 4.4),
  'o1-pro': price(OPENAI, 150, 600),
  o3: price(OPENAI, 2, 8),
  'o3-mini': price(OPENAI, 1.1, 4.4),
  'o3-pro': price(OPENAI, 20, 80),
  'o4-mini': price(OPENAI, 1.1, 4.4),
  'gpt-5': price(OPENAI, 1.25, 10),
  'gpt-5-mini': price(OPENAI, 0.25, 2),
  'gpt-5-nano': price(OPENAI, 0.05, 0.4),
  // Anthropic
  'claude-3-haiku': price(ANTHROPIC, 0.25, 1.25),
  'claude-3-sonnet': price(ANTHROPIC, 3, 15),
  'claude-3-opus': price(ANTHROPIC, 15, 75),
  'claude-3-5-haiku': price(ANTHROPIC, 0.8, 4),
  'claude-3-5-sonnet': price(ANTHROPIC, 3, 15),
  'claude-3-7-sonnet': price(ANTHROPIC, 3, 15),
  'claude-sonnet-4': price(ANTHROPIC, 3, 15),
  'claude-opus-4': price(ANTHROPIC, 15, 75),
  'claude-opus-4-1': price(ANTHROPIC, 15, 75),
  'claude-sonnet-4-5': price(ANTHROPIC, 3, 15),
  'claude-haiku-4-5': price(ANTHROPIC, 1, 5),
  'claude-opus-4-5': price(ANTHROPIC, 5, 25),
  // Google
  'gemini-1.5-flash': price(GOOGLE, 0.075, 0.3),
  // Its own entry, or `gemini-1.5-flash` would price it at twice its price. The one built-in
  // price with four decimals: a token costs 37.5 nano-dollars, so its costs are rounded.
  'gemini-1.5-flash-8b': price(GOOGLE, 0.0375, 0.15),
  'gemini-1.5-pro': price(GOOGLE, 1.25, 5),
  'gemini-2.0-flash': price(GOOGLE, 0.1, 0.4),
  'gemini-2.0-flash-lite': price(GOOGLE, 0.075, 0.3),
  'gemini-2.5-flash': price(GOOGLE, 0.3, 2.5),
  'gemini-2.5-flash-lite': price(GOOGLE, 0.1, 0.4),
  'gemini-2.5-pro': price(GOOGLE, 1.25, 10),
};
