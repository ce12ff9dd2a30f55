import { describe, expect, it } from 'vitest';
import { LlmConfigError } from './llm-errors.ts';
import { summaryIsolationConfigFromEnv } from './summary-isolation-config.ts';

describe('summaryIsolationConfigFromEnv', () => {
  it('defaults to a 10 s timeout and one thread', () => {
    expect(summaryIsolationConfigFromEnv({})).toEqual({ timeoutMs: 10_000, threads: 1 });
    expect(
      summaryIsolationConfigFromEnv({
        THREADLINE_SUMMARY_TIMEOUT_MS: ' ',
        THREADLINE_SUMMARY_THREADS: '',
      }),
    ).toEqual({ timeoutMs: 10_000, threads: 1 });
  });

  it('reads the timeout and the threads', () => {
    expect(
      summaryIsolationConfigFromEnv({
        THREADLINE_SUMMARY_TIMEOUT_MS: '2500',
        THREADLINE_SUMMARY_THREADS: '2',
      }),
    ).toEqual({ timeoutMs: 2500, threads: 2 });
  });

  it('names every bad variable and its rule', () => {
    const read = () =>
      summaryIsolationConfigFromEnv({
        THREADLINE_SUMMARY_TIMEOUT_MS: '10s',
        THREADLINE_SUMMARY_THREADS: '0',
      });
    expect(read).toThrow(LlmConfigError);
    expect(read).toThrow(
      'THREADLINE_SUMMARY_TIMEOUT_MS: expected a whole number of milliseconds from 100 to 600000, got "10s"; ' +
        'THREADLINE_SUMMARY_THREADS: expected a whole number of threads from 1 to 32, got "0"',
    );
  });
});
