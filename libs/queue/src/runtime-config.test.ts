import { describe, expect, it } from 'vitest';
import { ValidationError } from '@threadline/core';
import { runtimeEnvFrom } from './runtime-config.ts';

const files: Record<string, string> = {
  '/etc/tl/prices.json': JSON.stringify({
    models: {
      'llama-3.1-70b': {
        inputUsdPerMTok: 0.6,
        outputUsdPerMTok: 0.6,
        source: 'our GPU host contract',
        readOn: '2026-11-30',
      },
      'gpt-4o': { inputUsdPerMTok: 2, outputUsdPerMTok: 8 },
    },
  }),
  '/etc/tl/bad.json': JSON.stringify({
    models: { 'gpt-4o': { inputUsdPerMTok: -1, outputUsdPerMTok: 8 }, x: { inputUsdPerMTok: 1 } },
  }),
  '/etc/tl/broken.json': '{ "models": ',
};
const readFile = (path: string): string => {
  const text = files[path];
  if (text === undefined)
    throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' });
  return text;
};

function refusal(env: Record<string, string>): string[] {
  try {
    runtimeEnvFrom(env, readFile);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues.map((i) => `${i.path}: ${i.rule}`);
  }
  throw new Error('expected a ValidationError');
}

describe('runtimeEnvFrom: THREADLINE_PRICES_FILE', () => {
  it('uses the built-in prices when it is unset, which leave an unknown model unpriced', () => {
    const env = runtimeEnvFrom({}, readFile);
    expect(env.pricesFile).toBeNull();
    expect(env.prices.resolve('gpt-4o').inputPicoPerToken).toBe(2_500_000);
    expect(env.prices.resolve('llama-3.1-70b').priced).toBe(false);
  });

  it('merges the file over the built-in prices, its entries winning', () => {
    const env = runtimeEnvFrom({ THREADLINE_PRICES_FILE: '/etc/tl/prices.json' }, readFile);
    expect(env.pricesFile).toBe('/etc/tl/prices.json');
    expect(env.prices.resolve('llama-3.1-70b-instruct')).toMatchObject({
      priced: true,
      inputPicoPerToken: 600_000,
    });
    expect(env.prices.resolve('gpt-4o').inputPicoPerToken).toBe(2_000_000);
    expect(env.prices.resolve('claude-3-5-haiku').inputPicoPerToken).toBe(800_000);
  });

  it('names the variable, each bad field and its rule, and the file', () => {
    expect(refusal({ THREADLINE_PRICES_FILE: '/etc/tl/bad.json' })).toEqual([
      'THREADLINE_PRICES_FILE: models["gpt-4o"].inputUsdPerMTok: expected a non-negative number (in /etc/tl/bad.json)',
      'THREADLINE_PRICES_FILE: models.x.outputUsdPerMTok: expected a non-negative number (in /etc/tl/bad.json)',
    ]);
  });

  it('says when the file cannot be read or is not JSON', () => {
    expect(refusal({ THREADLINE_PRICES_FILE: '/etc/tl/missing.json' })).toEqual([
      'THREADLINE_PRICES_FILE: cannot read /etc/tl/missing.json (ENOENT)',
    ]);
    expect(refusal({ THREADLINE_PRICES_FILE: '/etc/tl/broken.json' })[0]).toMatch(
      /^THREADLINE_PRICES_FILE: expected JSON in \/etc\/tl\/broken\.json: /,
    );
  });
});
