import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

/** Each live child, with the directory to remove once it is killed. */
const live = new Map<ChildProcess, string | undefined>();
let hooked = false;

function killAll(): void {
  for (const [child, dir] of live) {
    child.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
  live.clear();
}

/**
 * Kills `child` with SIGKILL (and removes `dir`) if this process ends while it is still
 * registered, so that a test that forgot `stop()`, or an interrupted run, leaves no
 * redis-server behind. Only children registered here are touched.
 *
 * Covers a normal exit and SIGTERM, which is how vitest ends its fork workers (the 'exit' event
 * does not fire then). After killing the children, SIGTERM is raised again so that the process
 * still terminates, unless someone else listens for it. SIGINT and SIGHUP from a terminal
 * reach the children directly, as they share the process group.
 */
export function reapOnExit(child: ChildProcess, dir?: string): void {
  live.set(child, dir);
  child.once('exit', () => live.delete(child));
  if (hooked) return;
  hooked = true;
  process.once('exit', killAll);
  // first in line, so that the listeners counted below are the ones that were there already
  process.prependOnceListener('SIGTERM', () => {
    killAll();
    if (process.listenerCount('SIGTERM') === 0) process.kill(process.pid, 'SIGTERM');
  });
}

/** Stops watching `child` (it has been stopped on purpose). */
export function forgetOnExit(child: ChildProcess): void {
  live.delete(child);
}
