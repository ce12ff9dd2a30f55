import type { EvalProgress } from './run-eval.ts';

/** Where progress goes: a terminal gets one line redrawn in place, a pipe a line now and then. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * Progress of a run on stderr: on a TTY a status line redrawn at most every 200 ms; on a pipe
 * (CI, a log file) a line at every 5% and at least every 30 s, so that a long run shows where
 * it is.
 */
export function progressReporter(out: ProgressStream | null): EvalProgress & { done(): void } {
  const started = Date.now();
  let lastDrawn = 0;
  let lastStep = -1;
  let line = '';
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)}s`;
  return {
    update(done, total, status) {
      if (!out) return;
      const share = total === 0 ? 1 : done / total;
      line = `eval ${(share * 100).toFixed(0).padStart(3)}% ${done}/${total} ${elapsed()} ${status}`;
      const now = Date.now();
      if (out.isTTY) {
        if (now - lastDrawn < 200) return;
        lastDrawn = now;
        out.write(`\r\x1b[2K${line.slice(0, 150)}`);
        return;
      }
      const step = Math.floor(share * 20);
      if (step === lastStep && now - lastDrawn < 30_000) return;
      lastStep = step;
      lastDrawn = now;
      out.write(`${line}\n`);
    },
    note(text) {
      if (!out) return;
      if (out.isTTY) out.write(`\r\x1b[2K${elapsed()} ${text}\n${line.slice(0, 150)}`);
      else out.write(`eval ${elapsed()} ${text}\n`);
    },
    done() {
      if (out?.isTTY && line) out.write('\n');
      line = '';
    },
  };
}
