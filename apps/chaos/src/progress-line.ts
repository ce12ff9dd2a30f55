/** Where progress goes: a terminal gets one line rewritten in place, a pipe a line now and then. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * The status line of a long run on stderr. On a TTY it is redrawn in place at most every
 * 200 ms; on a pipe (CI, a log file) a full line is written at most every `pipeEveryMs`.
 * `note()` prints a line of its own (a fault, a phase) without losing the status line.
 */
export class ProgressLine {
  private last = '';
  private lastDrawn = 0;
  private readonly started = Date.now();

  constructor(
    private readonly out: ProgressStream | null,
    private readonly pipeEveryMs = 5000,
  ) {}

  /** Seconds since the run started, for the lines. */
  elapsed(): string {
    return `${((Date.now() - this.started) / 1000).toFixed(1)}s`;
  }

  update(status: string, force = false): void {
    if (!this.out) return;
    const line = `${this.elapsed()} ${status}`;
    const now = Date.now();
    const every = this.out.isTTY ? 200 : this.pipeEveryMs;
    if (!force && now - this.lastDrawn < every) {
      this.last = line;
      return;
    }
    this.lastDrawn = now;
    this.last = line;
    this.out.write(this.out.isTTY ? `\r\x1b[2K${line}` : `${line}\n`);
  }

  note(text: string): void {
    if (!this.out) return;
    if (this.out.isTTY) this.out.write(`\r\x1b[2K${this.elapsed()} ${text}\n${this.last}`);
    else this.out.write(`${this.elapsed()} ${text}\n`);
  }

  /** Ends the in-place line so that what follows starts on a line of its own. */
  done(): void {
    if (this.out?.isTTY && this.last) this.out.write('\n');
    this.last = '';
  }
}
