import { describe, expect, it } from 'vitest';
import { llmConfigFromEnv } from './llm-config.ts';
import { LlmConfigError } from './llm-errors.ts';

describe('llmConfigFromEnv', () => {
  it('returns null without a base URL: extractive-only mode', () => {
    expect(llmConfigFromEnv({})).toBeNull();
    expect(
      llmConfigFromEnv({ THREADLINE_LLM_BASE_URL: '  ', THREADLINE_LLM_MODEL: 'gpt-4o' }),
    ).toBeNull();
  });

  it('fills in the defaults', () => {
    expect(llmConfigFromEnv({ THREADLINE_LLM_BASE_URL: 'http://localhost:11434/v1/' })).toEqual({
      baseUrl: 'http://localhost:11434/v1',
      model: 'gpt-4o-mini',
      timeoutMs: 30_000,
      maxAttempts: 4,
    });
  });

  it('reads every variable', () => {
    expect(
      llmConfigFromEnv({
        THREADLINE_LLM_BASE_URL: 'https://api.openai.com/v1',
        THREADLINE_LLM_API_KEY: 'sk-test',
        THREADLINE_LLM_MODEL: 'gpt-4.1-mini',
        THREADLINE_LLM_TIMEOUT_MS: '15000',
        THREADLINE_LLM_MAX_ATTEMPTS: '2',
      }),
    ).toEqual({
      baseUrl: 'https://api.openai.com/v1',
      apiKey: 'sk-test',
      model: 'gpt-4.1-mini',
      timeoutMs: 15_000,
      maxAttempts: 2,
    });
  });

  it('names each bad variable and its rule', () => {
    const error = (() => {
      try {
        llmConfigFromEnv({
          THREADLINE_LLM_BASE_URL: 'localhost:8000',
          THREADLINE_LLM_TIMEOUT_MS: '30s',
          THREADLINE_LLM_MAX_ATTEMPTS: '11',
        });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(LlmConfigError);
    expect((error as LlmConfigError).issues.map((i) => i.path)).toEqual([
      'THREADLINE_LLM_BASE_URL',
      'THREADLINE_LLM_TIMEOUT_MS',
      'THREADLINE_LLM_MAX_ATTEMPTS',
    ]);
    expect((error as Error).message).toContain(
      'THREADLINE_LLM_TIMEOUT_MS: expected a whole number of milliseconds from 1 to 600000, got "30s"',
    );
    expect((error as Error).message).toContain(
      'THREADLINE_LLM_MAX_ATTEMPTS: expected a whole number of attempts from 1 to 10, got "11"',
    );
  });

  it('checks the other variables even without a base URL', () => {
    expect(() => llmConfigFromEnv({ THREADLINE_LLM_TIMEOUT_MS: '0' })).toThrow(
      /THREADLINE_LLM_TIMEOUT_MS/,
    );
  });

  it('refuses the chat completions endpoint in place of the API root', () => {
    expect(() =>
      llmConfigFromEnv({ THREADLINE_LLM_BASE_URL: 'https://api.openai.com/v1/chat/completions' }),
    ).toThrow(/THREADLINE_LLM_BASE_URL: expected the http\(s\) URL of the API root/);
  });
});
