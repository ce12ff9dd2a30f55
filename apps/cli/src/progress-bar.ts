/** A one-line progress bar on a TTY; on a pipe (CI), a line every 10%. */
export class ProgressBar {
  private done = 0;
  private lastDecile = -1;
  private readonly started = Date.now();

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {
    this.render();
  }

  tick(n = 1): void {
    this.done = Math.min(this.total, this.done + n);
    this.render();
  }

  finish(): void {
    this.done = this.total;
    this.render();
    if (this.out.isTTY) this.out.write('\n');
  }

  private render(): void {
    const ratio = this.total === 0 ? 1 : this.done / this.total;
    const seconds = ((Date.now() - this.started) / 1000).toFixed(1);
    if (this.out.isTTY) {
      const width = 30;
      const filled = Math.round(ratio * width);
      this.out.write(
        `\r${this.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${this.done}/${this.total} ${seconds}s`,
      );
      return;
    }
    const decile = Math.floor(ratio * 10);
    if (decile !== this.lastDecile) {
      this.lastDecile = decile;
      this.out.write(`${this.label}: ${this.done}/${this.total} (${decile * 10}%) ${seconds}s\n`);
    }
  }
}
