import type { CliIo } from '../src/cli.ts';

/** An io that keeps what a command writes, for assertions. */
export function capturedIo(): CliIo & { stdout: () => string; stderr: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out: (text) => void out.push(text),
    err: (text) => void err.push(text),
    stdout: () => out.join('\n'),
    stderr: () => err.join('\n'),
  };
}
