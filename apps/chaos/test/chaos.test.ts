import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderChaosReport } from '../src/chaos-report.ts';
import { DEFAULT_CHAOS_OPTIONS, runChaos } from '../src/run-chaos.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Every process below `pid` (Linux /proc). */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const walk = (p: number) => {
    for (const [child, ppid] of parent)
      if (ppid === p) {
        found.push(child);
        walk(child);
      }
  };
  walk(pid);
  return found;
}

/** Whether `pid` still runs (a zombie waiting to be reaped by init does not). */
const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

describe('the chaos run, short', () => {
  it('loses nothing and doubles nothing through SIGKILLs of both kinds of worker, a CLIENT KILL and a Redis crash-restart', async () => {
    const report = await runChaos(
      {
        ...DEFAULT_CHAOS_OPTIONS,
        sessions: 40,
        eventsPerSession: 20,
        seed: 20261124,
        rate: 100,
        killIntervalMs: 2000,
        quiesceTimeoutMs: 60_000,
        timeoutMs: 150_000,
      },
      { progress: null },
    );
    console.log(renderChaosReport(report));
    expect(report.violations).toEqual([]);
    const f = report.figures;
    expect(f.eventsAccepted).toBe(800);
    expect(f.duplicateEventsSent).toBe(800);
    expect(f.chaos.kills['session-worker']).toBeGreaterThanOrEqual(1);
    expect(f.chaos.kills.summarizer).toBeGreaterThanOrEqual(1);
    expect(f.chaos.clientKills).toBe(1);
    expect(f.chaos.connectionsKilled).toBeGreaterThan(0);
    expect(f.chaos.redisRestarts).toBe(1);
    // Requests failed while Redis was down, and were retried with the same eventIds.
    expect(f.httpRetries).toBeGreaterThan(0);
    expect(f.summaries.sealedSegments).toBeGreaterThan(40);
    expect(f.llm.failures + f.llm.timeouts + f.llm.rateLimited).toBeGreaterThan(0);
    expect(f.quiesceMs).not.toBeNull();
  }, 150_000);

  it('stops every process it started (workers, redis-server) on SIGTERM, and exits 130', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', MAIN, '--sessions', '5', '--events', '200', '--rate', '20'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const deadline = Date.now() + 60_000;
    while (!/load: \d+\/1000 events accepted/.test(stderr)) {
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`the chaos run did not start its load:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const started = descendants(child.pid!);
    // The tsx loader, 3 session workers, 2 summarizers, redis-server (at least).
    expect(started.length).toBeGreaterThanOrEqual(6);
    child.kill('SIGTERM');
    expect(await exited).toBe(130);
    expect(stderr).toContain('every process it started has been stopped');
    expect(started.filter(alive)).toEqual([]);
    // Nor its logs: a run stopped on purpose leaves nothing behind.
    const logDir = /logs in (\S+)/.exec(stderr)![1]!;
    expect(existsSync(logDir)).toBe(false);
  }, 90_000);
});
