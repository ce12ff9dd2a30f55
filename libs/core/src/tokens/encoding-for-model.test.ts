import { describe, expect, it } from 'vitest';
import { DEFAULT_ENCODING, encodingForModel } from './encoding-for-model.ts';
import { modelBaseName } from './model-name.ts';

describe('encodingForModel', () => {
  it.each([
    'gpt-4o',
    'gpt-4o-2024-08-06',
    'gpt-4o-mini',
    'gpt-4o-mini-2024-07-18',
    'chatgpt-4o-latest',
    'gpt-4.1',
    'gpt-4.1-mini-2025-04-14',
    'gpt-4.1-nano',
    'gpt-4.5-preview',
    'gpt-5',
    'gpt-5-mini-2025-08-07',
    'o1',
    'o1-preview',
    'o1-mini',
    'o3',
    'o3-mini',
    'o3-mini-2025-01-31',
    'o4-mini',
  ])('uses o200k_base for the gpt-4o / gpt-4.1 / gpt-5 / o-series model %s', (model) => {
    expect(encodingForModel(model)).toBe('o200k_base');
  });

  it.each([
    'gpt-4',
    'gpt-4-0613',
    'gpt-4-32k',
    'gpt-4-turbo',
    'gpt-4-turbo-2024-04-09',
    'gpt-4-1106-preview',
    'gpt-3.5-turbo',
    'gpt-3.5-turbo-0125',
    'gpt-35-turbo',
    'text-embedding-3-small',
    'text-embedding-ada-002',
  ])('uses cl100k_base for the gpt-4 / gpt-3.5 / embedding model %s', (model) => {
    expect(encodingForModel(model)).toBe('cl100k_base');
  });

  it('drops a provider prefix and ignores case', () => {
    expect(encodingForModel('openai/gpt-4o')).toBe('o200k_base');
    expect(encodingForModel('openai/gpt-4')).toBe('cl100k_base');
    expect(encodingForModel('openrouter/openai/gpt-3.5-turbo')).toBe('cl100k_base');
    expect(encodingForModel(' GPT-4-Turbo ')).toBe('cl100k_base');
  });

  it('resolves a fine-tuned model to the encoding of its base model', () => {
    expect(encodingForModel('ft:gpt-3.5-turbo-0125:acme::8abc')).toBe('cl100k_base');
    expect(encodingForModel('ft:gpt-4o-mini-2024-07-18:acme::9xyz')).toBe('o200k_base');
  });

  it('uses the documented default, o200k_base, for models it does not know', () => {
    expect(DEFAULT_ENCODING).toBe('o200k_base');
    for (const model of [
      'claude-3-5-sonnet-20241022',
      'anthropic/claude-sonnet-4',
      'llama-3.1-70b',
      'mistral-large',
      'unknown',
      '',
      undefined,
      null,
    ]) {
      expect(encodingForModel(model)).toBe('o200k_base');
    }
  });

  it('does not take names that merely start like a family for that family', () => {
    expect(encodingForModel('gpt-40')).toBe(DEFAULT_ENCODING);
    expect(encodingForModel('o1x')).toBe(DEFAULT_ENCODING);
    expect(encodingForModel('gpt-4xl')).toBe(DEFAULT_ENCODING);
  });
});

describe('modelBaseName', () => {
  it('keeps the model part of a name, lower-cased, without provider prefixes', () => {
    expect(modelBaseName('OpenAI/GPT-4o')).toBe('gpt-4o');
    expect(modelBaseName('openrouter/anthropic/claude-3-opus')).toBe('claude-3-opus');
    expect(modelBaseName('gpt-4o-mini')).toBe('gpt-4o-mini');
    expect(modelBaseName('  ')).toBe('');
    expect(modelBaseName(null)).toBe('');
    expect(modelBaseName(undefined)).toBe('');
  });
});
