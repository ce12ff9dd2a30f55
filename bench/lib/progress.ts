/**
 * Progress of one scenario on stderr: a redrawn bar on a TTY, otherwise a line at every 10%
 * (and at every `note`), so that a piped run (CI, a log file) still shows where it is.
 */
export class Progress {
  private done = 0;
  private lastDecile = -1;
  private readonly started = Date.now();
  private status = '';

  constructor(
    private readonly label: string,
    private total: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {
    this.render();
  }

  /** Adds `n` units of work done, with an optional short status. */
  tick(n = 1, status?: string): void {
    this.done = Math.min(this.total, this.done + n);
    if (status !== undefined) this.status = status;
    this.render();
  }

  /** Sets the units of work done so far. */
  update(done: number, status?: string): void {
    this.done = Math.min(this.total, Math.max(0, done));
    if (status !== undefined) this.status = status;
    this.render();
  }

  /** Changes the status text without moving the bar. */
  note(status: string): void {
    this.status = status;
    if (this.out.isTTY) this.render();
    else this.out.write(`${this.label}: ${status} (${this.elapsed()}s)\n`);
  }

  finish(status = 'done'): void {
    this.done = this.total;
    this.status = status;
    this.lastDecile = -1;
    this.render();
    if (this.out.isTTY) this.out.write('\n');
  }

  private elapsed(): string {
    return ((Date.now() - this.started) / 1000).toFixed(1);
  }

  private render(): void {
    const ratio = this.total === 0 ? 1 : this.done / this.total;
    if (this.out.isTTY) {
      const width = 28;
      const filled = Math.round(ratio * width);
      const line = `${this.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.round(ratio * 100)}% ${this.elapsed()}s ${this.status}`;
      const columns = this.out.columns ?? 120;
      this.out.write(`\r\x1b[2K${line.slice(0, columns - 1)}`);
      return;
    }
    const decile = Math.floor(ratio * 10);
    if (decile !== this.lastDecile) {
      this.lastDecile = decile;
      this.out.write(
        `${this.label}: [${'#'.repeat(decile)}${'-'.repeat(10 - decile)}] ${decile * 10}% ${this.elapsed()}s ${this.status}\n`,
      );
    }
  }
}
