/** The list price of a model, in US dollars per million tokens. */
export interface ModelPrice {
  /** Price of prompt (input) tokens, USD per 1,000,000 tokens. */
  inputUsdPerMTok: number;
  /** Price of completion (output) tokens, USD per 1,000,000 tokens. */
  outputUsdPerMTok: number;
}

/**
 * Published list prices (standard tier, text tokens, no caching or batch discounts) by model
 * name prefix. This is data, not code: deployments override or extend it with a price file
 * (`PriceTable.fromJson`), and prices change, so check them against the providers' pages.
 *
 * Keys are matched as the longest prefix of the model name, on whole name segments (see
 * `PriceTable.resolve`): `gpt-4o` prices `gpt-4o-2024-08-06`, and `gpt-4o-mini` has its own
 * entry. Besides the base families, a few snapshots and siblings have entries where a shorter
 * prefix would give the wrong price (`gpt-4o-2024-05-13`, `gpt-4-32k`, `o1-pro`, ...).
 */
export const DEFAULT_PRICES: Readonly<Record<string, ModelPrice>> = {
  // OpenAI
  'gpt-4o': { inputUsdPerMTok: 2.5, outputUsdPerMTok: 10 },
  'gpt-4o-2024-05-13': { inputUsdPerMTok: 5, outputUsdPerMTok: 15 },
  'gpt-4o-mini': { inputUsdPerMTok: 0.15, outputUsdPerMTok: 0.6 },
  'chatgpt-4o-latest': { inputUsdPerMTok: 5, outputUsdPerMTok: 15 },
  'gpt-4.1': { inputUsdPerMTok: 2, outputUsdPerMTok: 8 },
  'gpt-4.1-mini': { inputUsdPerMTok: 0.4, outputUsdPerMTok: 1.6 },
  'gpt-4.1-nano': { inputUsdPerMTok: 0.1, outputUsdPerMTok: 0.4 },
  'gpt-4.5-preview': { inputUsdPerMTok: 75, outputUsdPerMTok: 150 },
  'gpt-4-turbo': { inputUsdPerMTok: 10, outputUsdPerMTok: 30 },
  'gpt-4-1106-preview': { inputUsdPerMTok: 10, outputUsdPerMTok: 30 },
  'gpt-4-0125-preview': { inputUsdPerMTok: 10, outputUsdPerMTok: 30 },
  'gpt-4': { inputUsdPerMTok: 30, outputUsdPerMTok: 60 },
  'gpt-4-32k': { inputUsdPerMTok: 60, outputUsdPerMTok: 120 },
  'gpt-3.5-turbo': { inputUsdPerMTok: 0.5, outputUsdPerMTok: 1.5 },
  o1: { inputUsdPerMTok: 15, outputUsdPerMTok: 60 },
  'o1-mini': { inputUsdPerMTok: 1.1, outputUsdPerMTok: 4.4 },
  'o1-pro': { inputUsdPerMTok: 150, outputUsdPerMTok: 600 },
  o3: { inputUsdPerMTok: 2, outputUsdPerMTok: 8 },
  'o3-mini': { inputUsdPerMTok: 1.1, outputUsdPerMTok: 4.4 },
  'o4-mini': { inputUsdPerMTok: 1.1, outputUsdPerMTok: 4.4 },
  'gpt-5': { inputUsdPerMTok: 1.25, outputUsdPerMTok: 10 },
  'gpt-5-mini': { inputUsdPerMTok: 0.25, outputUsdPerMTok: 2 },
  'gpt-5-nano': { inputUsdPerMTok: 0.05, outputUsdPerMTok: 0.4 },
  // Anthropic
  'claude-3-5-sonnet': { inputUsdPerMTok: 3, outputUsdPerMTok: 15 },
  'claude-3-5-haiku': { inputUsdPerMTok: 0.8, outputUsdPerMTok: 4 },
  'claude-3-7-sonnet': { inputUsdPerMTok: 3, outputUsdPerMTok: 15 },
  'claude-3-opus': { inputUsdPerMTok: 15, outputUsdPerMTok: 75 },
  'claude-3-haiku': { inputUsdPerMTok: 0.25, outputUsdPerMTok: 1.25 },
  'claude-sonnet-4': { inputUsdPerMTok: 3, outputUsdPerMTok: 15 },
  'claude-opus-4': { inputUsdPerMTok: 15, outputUsdPerMTok: 75 },
};

/**
 * Price of a model no entry matches (Llama, Mistral, a typo, no model at all): gpt-4o-mini's.
 * A small-model price keeps an unknown model's cost plausible rather than zero (which would
 * hide spend) or a frontier price (which would inflate it); configure real prices for the
 * models you serve.
 */
export const DEFAULT_UNKNOWN_MODEL_PRICE: Readonly<ModelPrice> = {
  inputUsdPerMTok: 0.15,
  outputUsdPerMTok: 0.6,
};
