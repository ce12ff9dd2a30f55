import { z } from 'zod';
import {
  formatPath,
  issuesFromZod,
  ValidationError,
  type ValidationIssue,
} from '../errors/validation-error.ts';
import { modelBaseName } from '../tokens/model-name.ts';
import { DEFAULT_PRICES, type ModelPrice } from './default-prices.ts';
import type { NanoUsd } from './money.ts';

export { formatUsd, nanoToUsd, NANO_PER_USD, type NanoUsd } from './money.ts';

/** Pico-dollars per token for a price of 1 USD per million tokens (1e12 / 1e6). */
export const PICO_PER_TOKEN_PER_USD_PER_MTOK = 1_000_000;

/** Pico-dollars in one nano-dollar. */
const PICO_PER_NANO = 1000;

/** The price that applies to a model, as integer pico-dollars (1e-12 USD) per token. */
export interface ResolvedPrice {
  /** The model name as given; `null` when there was none. */
  model: string | null;
  /** The price-table key that matched, or `null` when none did. */
  matchedPrefix: string | null;
  /**
   * False when no entry matched and the table has no default price: the model is unpriced, its
   * tokens cost 0 here and are flagged (stats' `unpricedModels`), not priced as another model.
   */
  priced: boolean;
  inputPicoPerToken: number;
  outputPicoPerToken: number;
}

/** The price file's shape, as `PriceTable.fromJson` accepts it and `toJson` returns it. */
export interface PriceTableJson {
  /** Model-name prefix → price. Merged over the base table; an entry here wins. */
  models: Record<string, ModelPrice>;
  /**
   * Price of models no prefix matches, when the operator wants them priced.
   * @defaultValue the base table's default; none in the built-in table (such models are unpriced)
   */
  default?: ModelPrice;
}

const UsdPerMTokSchema = z.custom<number>(
  (value) => typeof value === 'number' && Number.isFinite(value) && value >= 0,
  { message: 'expected a non-negative number' },
);

const ModelPriceSchema = z.strictObject({
  inputUsdPerMTok: UsdPerMTokSchema,
  outputUsdPerMTok: UsdPerMTokSchema,
  source: z.string().min(1).max(500).optional(),
  readOn: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'expected a date YYYY-MM-DD' })
    .optional(),
});

const ModelPricesSchema = z
  .custom<Record<string, unknown>>(isPlainObject, {
    message: 'expected an object of model-name prefix → price',
  })
  .pipe(z.record(z.string(), ModelPriceSchema));

const PriceTableJsonSchema = z.strictObject({
  models: ModelPricesSchema,
  default: ModelPriceSchema.optional(),
});

interface PriceEntry {
  prefix: string;
  inputPicoPerToken: number;
  outputPicoPerToken: number;
}

/**
 * Model prices and the cost of tokens, in integer money.
 *
 * Prices are kept as integer pico-dollars per token (`usdPerMTok × 1e6`, rounded; prices finer
 * than 0.000001 USD per million tokens are rounded away). A cost is
 * `round(tokens × picoPerToken / 1000)` integer nano-dollars ({@link NanoUsd}), computed with
 * integer arithmetic only, so totals add up exactly. With list prices (at most three decimals
 * per million tokens) the cost per token is a whole number of nano-dollars and no rounding
 * happens at all: the cost of a sum of tokens equals the sum of their costs.
 */
export class PriceTable {
  /** Entries as given (USD per million tokens), by normalized prefix. */
  readonly #prices: Readonly<Record<string, ModelPrice>>;
  readonly #defaultPrice: ModelPrice | null;
  /** Longest prefix first, so the first match is the longest. */
  readonly #entries: readonly PriceEntry[];
  readonly #default: PriceEntry | null;

  /**
   * @param entries model-name prefix → price; prefixes are case-insensitive and must not carry
   *   a `provider/` part.
   * @param defaultPrice the price of models no prefix matches; null (the default): such models
   *   are unpriced (cost 0, `priced: false`), never priced as another model.
   * @throws ValidationError naming the entry and the rule when a price is not a non-negative
   *   number or a prefix is empty, provider-qualified or duplicated.
   */
  constructor(
    entries: Readonly<Record<string, ModelPrice>> = DEFAULT_PRICES,
    defaultPrice: Readonly<ModelPrice> | null = null,
  ) {
    const models = parseOrThrow(
      ModelPricesSchema,
      entries,
      'models',
      prefixIssues(entries, 'models'),
    );
    const fallback =
      defaultPrice === null ? null : parseOrThrow(ModelPriceSchema, defaultPrice, 'default');
    const prices: Record<string, ModelPrice> = {};
    for (const [key, price] of Object.entries(models)) prices[normalizePrefix(key)] = price;
    this.#prices = prices;
    this.#defaultPrice = fallback;
    this.#entries = Object.entries(prices)
      .map(([prefix, price]) => toEntry(prefix, price))
      .sort((a, b) => b.prefix.length - a.prefix.length || (a.prefix < b.prefix ? -1 : 1));
    this.#default = fallback && toEntry('', fallback);
  }

  /**
   * A table from a parsed price file (`{ models: { prefix: price }, default?: price }`),
   * merged over `base` (the default prices unless given): an entry in the file replaces the
   * base entry of the same prefix (ignoring case), and `default` replaces the base default.
   *
   * @throws ValidationError naming each bad field and its rule, e.g.
   *   `models["gpt-4o"].inputUsdPerMTok: expected a non-negative number`.
   */
  static fromJson(json: unknown, base: PriceTable = new PriceTable()): PriceTable {
    const file = parseOrThrow(
      PriceTableJsonSchema,
      json,
      '',
      isPlainObject(json) ? prefixIssues(json['models'], 'models') : [],
    );
    const merged: Record<string, ModelPrice> = { ...base.#prices };
    for (const [key, price] of Object.entries(file.models)) merged[normalizePrefix(key)] = price;
    return new PriceTable(merged, file.default ?? base.#defaultPrice);
  }

  /** The table as a price file (prefixes lower-cased), which `fromJson` reads back. */
  toJson(): PriceTableJson {
    return {
      models: { ...this.#prices },
      ...(this.#defaultPrice ? { default: { ...this.#defaultPrice } } : {}),
    };
  }

  /**
   * The price of a model: the longest matching prefix, case-insensitive, after dropping a
   * `provider/` part (`openai/gpt-4o-mini` → `gpt-4o-mini`). A prefix matches whole name
   * segments: it must be the whole name or be followed by a character other than a letter,
   * digit or `.`, so `gpt-4` prices `gpt-4-0613` but never `gpt-4o` or `gpt-4.5-preview`, and
   * `gpt-4o-mini-2024-07-18` gets `gpt-4o-mini`, not `gpt-4o`. No match → the default price
   * if the table has one, else no price (`priced: false`, 0 per token); `matchedPrefix: null`
   * either way. Fine-tuned names (`ft:gpt-4o-mini:...`) are priced by an entry for their own
   * prefix (`ft:gpt-4o-mini`), else as no match.
   */
  resolve(model: string | null | undefined): ResolvedPrice {
    const given = model == null || model.trim() === '' ? null : model;
    const name = modelBaseName(model);
    const entry =
      name === '' ? undefined : this.#entries.find((e) => matchesPrefix(name, e.prefix));
    const price = entry ?? this.#default;
    return {
      model: given,
      matchedPrefix: entry ? entry.prefix : null,
      priced: price !== null,
      inputPicoPerToken: price?.inputPicoPerToken ?? 0,
      outputPicoPerToken: price?.outputPicoPerToken ?? 0,
    };
  }

  /**
   * Cost of `tokens` prompt tokens of `model`, in nano-dollars.
   *
   * @throws RangeError when `tokens` is not a non-negative integer.
   */
  inputCost(model: string | null | undefined, tokens: number): NanoUsd {
    return tokenCost(tokens, this.resolve(model).inputPicoPerToken, 'input');
  }

  /**
   * Cost of `tokens` completion tokens of `model`, in nano-dollars.
   *
   * @throws RangeError when `tokens` is not a non-negative integer.
   */
  outputCost(model: string | null | undefined, tokens: number): NanoUsd {
    return tokenCost(tokens, this.resolve(model).outputPicoPerToken, 'output');
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses `input` or throws a ValidationError with the schema's issues and `extraIssues`. */
function parseOrThrow<S extends z.ZodType>(
  schema: S,
  input: unknown,
  root: string,
  extraIssues: ValidationIssue[] = [],
): z.output<S> {
  const result = schema.safeParse(input);
  const issues = [...(result.success ? [] : issuesFromZod(result.error, root)), ...extraIssues];
  if (!result.success || issues.length > 0) throw new ValidationError(issues);
  return result.data;
}

/** Problems with the keys of a price map: empty, provider-qualified, or duplicated ignoring case. */
function prefixIssues(models: unknown, root: string): ValidationIssue[] {
  if (!isPlainObject(models)) return [];
  const issues: ValidationIssue[] = [];
  const seen = new Map<string, string>();
  for (const key of Object.keys(models)) {
    const prefix = normalizePrefix(key);
    const path = formatPath([key], root);
    if (prefix === '' || prefix.includes('/')) {
      issues.push({
        path,
        rule: 'expected a model-name prefix: not empty, without a "provider/" part',
      });
    } else if (seen.has(prefix)) {
      issues.push({
        path,
        rule: `duplicates ${JSON.stringify(seen.get(prefix))} (prefixes ignore case)`,
      });
    } else {
      seen.set(prefix, key);
    }
  }
  return issues;
}

function normalizePrefix(key: string): string {
  return key.trim().toLowerCase();
}

function toEntry(prefix: string, price: ModelPrice): PriceEntry {
  return {
    prefix,
    inputPicoPerToken: Math.round(price.inputUsdPerMTok * PICO_PER_TOKEN_PER_USD_PER_MTOK),
    outputPicoPerToken: Math.round(price.outputUsdPerMTok * PICO_PER_TOKEN_PER_USD_PER_MTOK),
  };
}

function matchesPrefix(name: string, prefix: string): boolean {
  if (!name.startsWith(prefix)) return false;
  const next = name.charAt(prefix.length);
  return next === '' || /[^a-z0-9.]/.test(next) || /[^a-z0-9.]$/.test(prefix);
}

/** `round(tokens × pico / 1000)`, half up, in integers only (BigInt past 2^53). */
function tokenCost(tokens: number, picoPerToken: number, kind: 'input' | 'output'): NanoUsd {
  if (!Number.isSafeInteger(tokens) || tokens < 0) {
    throw new RangeError(`${kind} tokens: expected a non-negative integer, received ${tokens}`);
  }
  const pico = tokens * picoPerToken;
  if (Number.isSafeInteger(pico)) {
    const remainder = pico % PICO_PER_NANO;
    return (pico - remainder) / PICO_PER_NANO + (remainder * 2 >= PICO_PER_NANO ? 1 : 0);
  }
  const big = BigInt(tokens) * BigInt(picoPerToken);
  const nano = Number((big + BigInt(PICO_PER_NANO / 2)) / BigInt(PICO_PER_NANO));
  if (!Number.isSafeInteger(nano)) {
    throw new RangeError(
      `${kind} cost of ${tokens} tokens exceeds the largest exact amount of money`,
    );
  }
  return nano;
}
