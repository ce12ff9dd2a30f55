import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/validation-error.ts';
import { DEFAULT_PRICES, DEFAULT_PRICES_READ_ON } from './default-prices.ts';
import { formatUsd, NANO_PER_USD, PriceTable } from './price-table.ts';

const table = new PriceTable();

describe('PriceTable.resolve', () => {
  it.each([
    ['gpt-4o', 'gpt-4o'],
    ['gpt-4o-2024-08-06', 'gpt-4o'],
    ['gpt-4o-2024-05-13', 'gpt-4o-2024-05-13'],
    ['gpt-4o-mini', 'gpt-4o-mini'],
    ['gpt-4o-mini-2024-07-18', 'gpt-4o-mini'],
    ['gpt-4.1-mini-2025-04-14', 'gpt-4.1-mini'],
    ['gpt-4.1-2025-04-14', 'gpt-4.1'],
    ['gpt-4-0613', 'gpt-4'],
    ['gpt-4-turbo-2024-04-09', 'gpt-4-turbo'],
    ['gpt-3.5-turbo-0125', 'gpt-3.5-turbo'],
    ['o1-preview', 'o1'],
    ['o3-mini-2025-01-31', 'o3-mini'],
    ['o3-2025-04-16', 'o3'],
    ['gpt-5-mini-2025-08-07', 'gpt-5-mini'],
    ['claude-3-5-sonnet-20241022', 'claude-3-5-sonnet'],
    ['claude-3-5-haiku-latest', 'claude-3-5-haiku'],
    ['claude-sonnet-4-20250514', 'claude-sonnet-4'],
    ['claude-opus-4-20250514', 'claude-opus-4'],
    ['claude-3-sonnet-20240229', 'claude-3-sonnet'],
    ['claude-3-7-sonnet-latest', 'claude-3-7-sonnet'],
    ['claude-opus-4-1-20250805', 'claude-opus-4-1'],
    ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'],
    ['claude-haiku-4-5-20251001', 'claude-haiku-4-5'],
    ['claude-opus-4-5-20251101', 'claude-opus-4-5'],
    ['gpt-4.1-nano-2025-04-14', 'gpt-4.1-nano'],
    ['o4-mini-2025-04-16', 'o4-mini'],
    ['o1-2024-12-17', 'o1'],
    ['gemini-1.5-flash-002', 'gemini-1.5-flash'],
    ['gemini-1.5-flash-8b-001', 'gemini-1.5-flash-8b'],
    ['gemini-1.5-pro-002', 'gemini-1.5-pro'],
    ['gemini-2.0-flash-001', 'gemini-2.0-flash'],
    ['gemini-2.0-flash-lite-001', 'gemini-2.0-flash-lite'],
    ['gemini-2.5-flash-preview-05-20', 'gemini-2.5-flash'],
    ['gemini-2.5-pro', 'gemini-2.5-pro'],
    ['models/gemini-2.5-pro', 'gemini-2.5-pro'],
  ])('prices %s by its longest matching prefix %s', (model, prefix) => {
    expect(table.resolve(model).matchedPrefix).toBe(prefix);
  });

  it('drops a provider prefix and ignores case, and reports the model as given', () => {
    expect(table.resolve('openai/GPT-4o-Mini')).toEqual({
      model: 'openai/GPT-4o-Mini',
      matchedPrefix: 'gpt-4o-mini',
      priced: true,
      inputPicoPerToken: 150_000,
      outputPicoPerToken: 600_000,
    });
    expect(table.resolve('anthropic/claude-3-opus-20240229').matchedPrefix).toBe('claude-3-opus');
  });

  it('matches whole name segments only', () => {
    expect(table.resolve('gpt-4.5-preview').matchedPrefix).toBe('gpt-4.5-preview');
    const onlyGpt4 = new PriceTable({ 'gpt-4': { inputUsdPerMTok: 30, outputUsdPerMTok: 60 } });
    expect(onlyGpt4.resolve('gpt-4-0613').matchedPrefix).toBe('gpt-4');
    expect(onlyGpt4.resolve('gpt-4o').matchedPrefix).toBeNull();
    expect(onlyGpt4.resolve('gpt-4.1').matchedPrefix).toBeNull();
    expect(new PriceTable({ o1: DEFAULT_PRICES['o1']! }).resolve('o10').matchedPrefix).toBeNull();
  });

  it('prices unknown and absent models at nothing and says so, instead of as another model', () => {
    for (const model of ['llama-3.1-70b', 'mistral-large', 'unknown', '', null, undefined]) {
      expect(table.resolve(model)).toMatchObject({
        matchedPrefix: null,
        priced: false,
        inputPicoPerToken: 0,
        outputPicoPerToken: 0,
      });
      expect(table.inputCost(model, 1000) + table.outputCost(model, 1000)).toBe(0);
    }
    expect(table.resolve(null).model).toBeNull();
    expect(table.resolve('').model).toBeNull();
  });

  it('prices a newer sibling by its own entry, not by the older family it shares a prefix with', () => {
    // Without their own entries, `claude-opus-4` would price Opus 4.5 at $15/$75 and
    // `gemini-1.5-flash` would price Flash-8B at twice its price.
    expect(table.resolve('claude-opus-4-5').inputPicoPerToken).toBe(5_000_000);
    expect(table.resolve('claude-opus-4-5').outputPicoPerToken).toBe(25_000_000);
    expect(table.resolve('gemini-1.5-flash-8b').inputPicoPerToken).toBe(37_500);
  });

  it('says for every built-in price where it was published and when it was read', () => {
    for (const [prefix, price] of Object.entries(DEFAULT_PRICES)) {
      expect(price.source, prefix).toMatch(
        /^https:\/\/(openai\.com|docs\.anthropic\.com|ai\.google\.dev)\//,
      );
      expect(price.readOn, prefix).toBe(DEFAULT_PRICES_READ_ON);
    }
    expect(DEFAULT_PRICES_READ_ON).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('holds every default price as integer pico-dollars per token', () => {
    for (const [prefix, price] of Object.entries(DEFAULT_PRICES)) {
      const resolved = table.resolve(prefix);
      expect(resolved.matchedPrefix).toBe(prefix);
      expect(Number.isSafeInteger(resolved.inputPicoPerToken)).toBe(true);
      expect(Number.isSafeInteger(resolved.outputPicoPerToken)).toBe(true);
      expect(resolved.inputPicoPerToken).toBe(Math.round(price.inputUsdPerMTok * 1e6));
    }
  });

  it('has the published list prices of the main models', () => {
    const usdPerMTok = (model: string) => {
      const r = table.resolve(model);
      return [r.inputPicoPerToken / 1e6, r.outputPicoPerToken / 1e6];
    };
    expect(usdPerMTok('gpt-4o')).toEqual([2.5, 10]);
    expect(usdPerMTok('gpt-4o-mini')).toEqual([0.15, 0.6]);
    expect(usdPerMTok('gpt-4.1-nano')).toEqual([0.1, 0.4]);
    expect(usdPerMTok('gpt-4')).toEqual([30, 60]);
    expect(usdPerMTok('o1-mini')).toEqual([1.1, 4.4]);
    expect(usdPerMTok('gpt-5')).toEqual([1.25, 10]);
    expect(usdPerMTok('claude-3-5-haiku')).toEqual([0.8, 4]);
    expect(usdPerMTok('claude-opus-4')).toEqual([15, 75]);
    expect(usdPerMTok('gpt-4.1')).toEqual([2, 8]);
    expect(usdPerMTok('gpt-4.1-mini')).toEqual([0.4, 1.6]);
    expect(usdPerMTok('o1')).toEqual([15, 60]);
    expect(usdPerMTok('o3')).toEqual([2, 8]);
    expect(usdPerMTok('o4-mini')).toEqual([1.1, 4.4]);
    expect(usdPerMTok('gpt-3.5-turbo')).toEqual([0.5, 1.5]);
    expect(usdPerMTok('gpt-4-turbo')).toEqual([10, 30]);
    expect(usdPerMTok('claude-3-haiku')).toEqual([0.25, 1.25]);
    expect(usdPerMTok('claude-3-sonnet')).toEqual([3, 15]);
    expect(usdPerMTok('claude-3-opus')).toEqual([15, 75]);
    expect(usdPerMTok('claude-3-5-sonnet')).toEqual([3, 15]);
    expect(usdPerMTok('claude-3-7-sonnet')).toEqual([3, 15]);
    expect(usdPerMTok('claude-sonnet-4')).toEqual([3, 15]);
    expect(usdPerMTok('claude-opus-4-1')).toEqual([15, 75]);
    expect(usdPerMTok('claude-sonnet-4-5')).toEqual([3, 15]);
    expect(usdPerMTok('claude-haiku-4-5')).toEqual([1, 5]);
    expect(usdPerMTok('claude-opus-4-5')).toEqual([5, 25]);
    expect(usdPerMTok('gemini-1.5-flash')).toEqual([0.075, 0.3]);
    expect(usdPerMTok('gemini-1.5-pro')).toEqual([1.25, 5]);
    expect(usdPerMTok('gemini-2.0-flash')).toEqual([0.1, 0.4]);
    expect(usdPerMTok('gemini-2.5-flash')).toEqual([0.3, 2.5]);
    expect(usdPerMTok('gemini-2.5-pro')).toEqual([1.25, 10]);
  });
});

describe('PriceTable costs', () => {
  it('computes costs in integer nano-dollars', () => {
    expect(table.inputCost('gpt-4o', 1_000_000)).toBe(2.5 * NANO_PER_USD);
    expect(table.outputCost('gpt-4o', 1_000_000)).toBe(10 * NANO_PER_USD);
    expect(table.inputCost('gpt-4o-mini', 1)).toBe(150);
    expect(table.outputCost('gpt-4o-mini-2024-07-18', 1234)).toBe(740_400);
    expect(table.inputCost('gpt-4o', 0)).toBe(0);
    expect(formatUsd(table.inputCost('gpt-4o-mini', 820))).toBe('$0.000123');
  });

  it('rounds a sub-nano-dollar cost half up to a whole nano-dollar', () => {
    const odd = new PriceTable({ odd: { inputUsdPerMTok: 0.0005, outputUsdPerMTok: 0.0015 } });
    expect(odd.resolve('odd').inputPicoPerToken).toBe(500);
    expect(odd.inputCost('odd', 1)).toBe(1);
    expect(odd.inputCost('odd', 3)).toBe(2);
    expect(odd.outputCost('odd', 1)).toBe(2);
    expect(odd.inputCost('odd', 2)).toBe(1);
  });

  it('stays exact for token counts whose raw product passes 2^53', () => {
    const tokens = 200_000_000;
    expect(tokens * table.resolve('o1-pro').outputPicoPerToken).toBeGreaterThan(
      Number.MAX_SAFE_INTEGER,
    );
    expect(table.outputCost('o1-pro', tokens)).toBe(120_000 * NANO_PER_USD);
  });

  it('refuses token counts that are negative or not integers', () => {
    expect(() => table.inputCost('gpt-4o', -1)).toThrow(RangeError);
    expect(() => table.inputCost('gpt-4o', 1.5)).toThrow(
      'input tokens: expected a non-negative integer, received 1.5',
    );
    expect(() => table.outputCost('gpt-4o', Number.NaN)).toThrow(/output tokens/);
    expect(() => table.outputCost('gpt-4o', Infinity)).toThrow(RangeError);
  });

  it('adds 1,000,000 one-token costs at 0.15 USD per million tokens to exactly $0.15', () => {
    let total = 0;
    let floatTotal = 0;
    // A thousand priced tokens, each added a thousand times (pricing a million times over is
    // minutes under mutation testing's instrumentation, and no more of a test).
    const costs = Array.from({ length: 1000 }, () => table.inputCost('gpt-4o-mini', 1));
    for (const cost of costs)
      for (let i = 0; i < 1000; i++) {
        total += cost;
        floatTotal += 0.15 / 1_000_000;
      }
    expect(total).toBe(150_000_000);
    expect(formatUsd(total)).toBe('$0.15');
    // What integer money avoids: the same sum in float dollars has drifted.
    expect(floatTotal).not.toBe(0.15);
  });

  it('sums the costs of many events to the cost of their tokens in one integer sum', () => {
    // Every list price with at most three decimals per million tokens: a whole number of
    // nano-dollars per token, so nothing is rounded (Flash-8B's 0.0375 is the exception).
    const models = Object.keys(DEFAULT_PRICES).filter((m) => m !== 'gemini-1.5-flash-8b');
    fc.assert(
      fc.property(
        fc.constantFrom(...models),
        fc.array(fc.integer({ min: 0, max: 2_000_000 }), { maxLength: 200 }),
        (model, tokens) => {
          const perEvent = tokens.reduce((sum, t) => sum + table.inputCost(model, t), 0);
          const once = table.inputCost(
            model,
            tokens.reduce((sum, t) => sum + t, 0),
          );
          expect(perEvent).toBe(once);
          const outPerEvent = tokens.reduce((sum, t) => sum + table.outputCost(model, t), 0);
          expect(outPerEvent).toBe(
            table.outputCost(
              model,
              tokens.reduce((s, t) => s + t, 0),
            ),
          );
        },
      ),
    );
  });

  it('adds costs of mixed models and arbitrary prices without drift, as exact BigInt arithmetic would', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000_000 }),
        fc.array(fc.integer({ min: 0, max: 5_000_000 }), { minLength: 1, maxLength: 300 }),
        (picoPerToken, tokens) => {
          const usdPerMTok = picoPerToken / 1e6;
          const custom = new PriceTable({
            m: { inputUsdPerMTok: usdPerMTok, outputUsdPerMTok: 0 },
          });
          const pico = BigInt(custom.resolve('m').inputPicoPerToken);
          let total = 0;
          let exact = 0n;
          for (const t of tokens) {
            const cost = custom.inputCost('m', t);
            expect(Number.isSafeInteger(cost)).toBe(true);
            total += cost;
            exact += (BigInt(t) * pico + 500n) / 1000n;
          }
          expect(BigInt(total)).toBe(exact);
        },
      ),
    );
  });
});

describe('PriceTable.fromJson', () => {
  it('merges a price file over the defaults, its entries winning', () => {
    const custom = PriceTable.fromJson({
      models: {
        'GPT-4o': { inputUsdPerMTok: 2, outputUsdPerMTok: 8 },
        'llama-3.1-70b': { inputUsdPerMTok: 0.6, outputUsdPerMTok: 0.6 },
      },
    });
    expect(custom.resolve('gpt-4o-2024-08-06')).toMatchObject({
      matchedPrefix: 'gpt-4o',
      inputPicoPerToken: 2_000_000,
    });
    expect(custom.resolve('llama-3.1-70b-instruct').matchedPrefix).toBe('llama-3.1-70b');
    expect(custom.resolve('gpt-4o-mini').inputPicoPerToken).toBe(150_000);
    expect(custom.resolve('mistral')).toMatchObject({ priced: false, inputPicoPerToken: 0 });
  });

  it('takes a source and the date it was read with each price, and names a bad date', () => {
    const custom = PriceTable.fromJson({
      models: {
        'llama-3.1-70b': {
          inputUsdPerMTok: 0.6,
          outputUsdPerMTok: 0.6,
          source: 'our contract with the GPU host',
          readOn: '2026-11-30',
        },
      },
    });
    expect(custom.toJson().models['llama-3.1-70b']?.readOn).toBe('2026-11-30');
    expect(() =>
      PriceTable.fromJson({
        models: { x: { inputUsdPerMTok: 1, outputUsdPerMTok: 1, readOn: '30/11/2026' } },
      }),
    ).toThrow('models.x.readOn: expected a date YYYY-MM-DD');
  });

  it('replaces the default price when the file has one', () => {
    const custom = PriceTable.fromJson({
      models: {},
      default: { inputUsdPerMTok: 1, outputUsdPerMTok: 2 },
    });
    expect(custom.resolve('mistral')).toMatchObject({
      matchedPrefix: null,
      priced: true,
      inputPicoPerToken: 1_000_000,
      outputPicoPerToken: 2_000_000,
    });
  });

  it('merges over a given base table instead of the defaults', () => {
    const base = new PriceTable({ a: { inputUsdPerMTok: 1, outputUsdPerMTok: 1 } });
    const custom = PriceTable.fromJson(
      { models: { b: { inputUsdPerMTok: 2, outputUsdPerMTok: 2 } } },
      base,
    );
    expect(custom.resolve('a').matchedPrefix).toBe('a');
    expect(custom.resolve('b').matchedPrefix).toBe('b');
    expect(custom.resolve('gpt-4o').matchedPrefix).toBeNull();
  });

  it('reads back what toJson writes', () => {
    const again = PriceTable.fromJson(table.toJson(), new PriceTable({}));
    expect(again.toJson()).toEqual(table.toJson());
  });

  it('names the field and the rule of a bad price', () => {
    expect(() =>
      PriceTable.fromJson({ models: { 'gpt-4o': { inputUsdPerMTok: -1, outputUsdPerMTok: 10 } } }),
    ).toThrow('models["gpt-4o"].inputUsdPerMTok: expected a non-negative number');
    expect(() =>
      PriceTable.fromJson({
        models: { 'gpt-4o': { inputUsdPerMTok: '2.5', outputUsdPerMTok: 10 } },
      }),
    ).toThrow('models["gpt-4o"].inputUsdPerMTok: expected a non-negative number');
    expect(() => PriceTable.fromJson({ models: { x: { inputUsdPerMTok: 1 } } })).toThrow(
      'models.x.outputUsdPerMTok: expected a non-negative number',
    );
    expect(() =>
      PriceTable.fromJson({
        models: {},
        default: { inputUsdPerMTok: Infinity, outputUsdPerMTok: 1 },
      }),
    ).toThrow('default.inputUsdPerMTok: expected a non-negative number');
  });

  it('reports every problem of the file at once, as a ValidationError', () => {
    let error: unknown;
    try {
      PriceTable.fromJson({
        models: {
          'gpt-4o': { inputUsdPerMTok: 1, outputUsdPerMTok: 1, cachedUsdPerMTok: 0.5 },
          'GPT-4O': { inputUsdPerMTok: 1, outputUsdPerMTok: 1 },
          'openai/gpt-4.1': { inputUsdPerMTok: 1, outputUsdPerMTok: 1 },
          ' ': { inputUsdPerMTok: 1, outputUsdPerMTok: 1 },
        },
        currency: 'EUR',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual(
      expect.arrayContaining([
        { path: 'models["gpt-4o"]', rule: 'unknown field "cachedUsdPerMTok"' },
        { path: '', rule: 'unknown field "currency"' },
        { path: 'models["GPT-4O"]', rule: 'duplicates "gpt-4o" (prefixes ignore case)' },
        {
          path: 'models["openai/gpt-4.1"]',
          rule: 'expected a model-name prefix: not empty, without a "provider/" part',
        },
        {
          path: 'models[" "]',
          rule: 'expected a model-name prefix: not empty, without a "provider/" part',
        },
      ]),
    );
  });

  it('refuses a file without a models object', () => {
    expect(() => PriceTable.fromJson({})).toThrow(
      'models: expected an object of model-name prefix → price',
    );
    expect(() => PriceTable.fromJson({ models: [] })).toThrow(/^models: expected an object/);
    expect(() => PriceTable.fromJson('gpt-4o=2.5')).toThrow(ValidationError);
  });

  it('validates prices given to the constructor too', () => {
    expect(() => new PriceTable({ x: { inputUsdPerMTok: -2, outputUsdPerMTok: 1 } })).toThrow(
      'models.x.inputUsdPerMTok: expected a non-negative number',
    );
    expect(
      () => new PriceTable(DEFAULT_PRICES, { inputUsdPerMTok: 1, outputUsdPerMTok: Number.NaN }),
    ).toThrow('default.outputUsdPerMTok: expected a non-negative number');
  });
});
