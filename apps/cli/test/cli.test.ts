import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.ts';
import { capturedIo } from './captured-io.ts';

describe('threadline', () => {
  it('lists every command in --help and exits 0', async () => {
    const io = capturedIo();
    expect(await runCli(['--help'], {}, io)).toBe(0);
    for (const command of ['start', 'demo', 'loadgen', 'inspect'])
      expect(io.stdout()).toMatch(new RegExp(`^  ${command}\\s`, 'm'));
  });

  it('shows each command its own help, with its options', async () => {
    for (const [command, option] of [
      ['start', 'THREADLINE_API_KEYS'],
      ['demo', 'REDIS_URL'],
      ['loadgen', '--rate <R>'],
      ['inspect', '--json'],
    ] as const) {
      const io = capturedIo();
      expect(await runCli([command, '--help'], {}, io)).toBe(0);
      expect(io.stdout()).toContain(`usage: threadline ${command}`);
      expect(io.stdout()).toContain(option);
      const viaHelp = capturedIo();
      expect(await runCli(['help', command], {}, viaHelp)).toBe(0);
      expect(viaHelp.stdout()).toBe(io.stdout());
    }
  });

  it('exits 2 on an unknown command, naming it and the commands there are', async () => {
    const io = capturedIo();
    expect(await runCli(['serve'], {}, io)).toBe(2);
    expect(io.stderr()).toContain(
      'unknown command "serve": expected one of start, demo, loadgen, inspect',
    );
    expect(await runCli([], {}, capturedIo())).toBe(2);
  });

  it('exits 2 on a bad flag or environment variable, naming it and the rule', async () => {
    const cases: Array<[string[], Record<string, string>, string]> = [
      [['demo', '--fast'], {}, 'unknown option "--fast"'],
      [['demo', 'extra'], {}, 'unexpected argument "extra"'],
      [['demo'], { THREADLINE_PARTITIONS: 'many' }, 'THREADLINE_PARTITIONS'],
      [['start', '--port', '1'], {}, 'unknown option "--port"'],
      [['start'], { PORT: 'http' }, 'PORT: expected a whole number from 0 to 65535'],
      [
        ['start'],
        { THREADLINE_API_KEYS: 'short=acme' },
        'THREADLINE_API_KEYS entry 1: key: expected at least 16 visible ASCII characters',
      ],
      [
        ['start'],
        { THREADLINE_SUMMARIZER_CONCURRENCY: '0' },
        'THREADLINE_SUMMARIZER_CONCURRENCY: expected a whole number from 1 to 256, got "0"',
      ],
      [
        ['start'],
        { THREADLINE_SUMMARY_THREADS: '0' },
        'THREADLINE_SUMMARY_THREADS: expected a whole number of threads from 1 to 32, got "0"',
      ],
      [
        ['start'],
        { THREADLINE_LLM_TIMEOUT_MS: '30s' },
        'THREADLINE_LLM_TIMEOUT_MS: expected a whole number of milliseconds',
      ],
      [['inspect', 'x', '--json=yes'], {}, '--json: takes no value'],
    ];
    for (const [argv, env, message] of cases) {
      const io = capturedIo();
      expect(await runCli(argv, env, io), argv.join(' ')).toBe(2);
      expect(io.stderr()).toContain(message);
    }
  });

  it('keeps the demo embedded and fast when REDIS_URL is unset', async () => {
    const io = capturedIo();
    const started = Date.now();
    expect(await runCli(['demo'], {}, io)).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(io.stdout()).toContain('threadline demo: embedded runtime');
    expect(io.stdout()).toMatch(/summarized\s.*extractive/);
  });
});
