/**
 * Preloaded by the bench into a process it measures (`node --expose-gc --import
 * bench/gc-probe.ts …`), never part of the app: on SIGUSR2 it runs a full garbage collection
 * and prints `gc-probe {json}` with the memory that is still retained afterwards, so that an
 * RSS reading tells what the process keeps rather than when V8 last collected.
 */
process.on('SIGUSR2', () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  const t0 = performance.now();
  gc?.();
  const gcMs = performance.now() - t0;
  const m = process.memoryUsage();
  process.stdout.write(
    `gc-probe ${JSON.stringify({ gcMs, rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers })}\n`,
  );
});
