import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import type { ChatCompletionRequest } from '@threadline/testing';

/**
 * Helpers of the faults-*.test.ts files: what a session looks like in Redis (to prove a poison
 * job touched nothing), the real entry points as child processes, and what the fake LLM was
 * asked to summarize.
 */

/**
 * Every session key under `prefix` with its content: the keys whose hash tag is
 * `{tenant:sessionId}` (BullMQ's own keys have tags without a colon: `{events-0}`, `{summarize}`).
 * Sets are sorted, so two dumps of an untouched session are equal.
 */
export async function dumpSessionKeys(
  redis: Redis,
  prefix: string,
): Promise<Record<string, unknown>> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:{*:*}:*`, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  const dump: Record<string, unknown> = {};
  for (const key of keys.sort()) {
    const type = await redis.type(key);
    if (type === 'hash') dump[key] = await redis.hgetall(key);
    else if (type === 'list') dump[key] = await redis.lrange(key, 0, -1);
    else if (type === 'set') dump[key] = (await redis.smembers(key)).sort();
    else if (type === 'string') dump[key] = await redis.get(key);
    else dump[key] = `<${type}>`;
  }
  return dump;
}

const ENTRY_POINTS = {
  'session-worker': {
    main: '../src/main.ts',
    ready: /session worker serving partitions/,
  },
  summarizer: {
    main: '../../summarizer/src/main.ts',
    ready: /summarizer consuming/,
  },
  server: {
    main: '../../server/src/main.ts',
    ready: /listening on (http:\/\/\S+?) /,
  },
} as const;

export type ProcessKind = keyof typeof ENTRY_POINTS;

export interface ThreadlineProcess {
  kind: ProcessKind;
  child: ChildProcess;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** For the server: the URL it listens on. */
  url: string | null;
  output(): string;
  /** Sends SIGTERM; resolves with the exit code and how long the process took to exit. */
  terminate(): Promise<{ code: number | null; ms: number }>;
}

/**
 * Starts one of the real entry points (`node --import tsx <main>`) with `env` on top of this
 * process's environment, and waits until its log says it serves.
 */
export async function startThreadlineProcess(
  kind: ProcessKind,
  env: Record<string, string>,
): Promise<ThreadlineProcess> {
  const entry = ENTRY_POINTS[kind];
  const main = fileURLToPath(new URL(entry.main, import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', main], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  let match: RegExpExecArray | null;
  while (!(match = entry.ready.exec(out))) {
    if (child.exitCode !== null)
      throw new Error(`${kind} exited early (${child.exitCode}):\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${kind} did not start within 30 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    kind,
    child,
    exited,
    url: match[1] ?? null,
    output: () => out,
    async terminate() {
      const started = Date.now();
      child.kill('SIGTERM');
      const code = await exited;
      return { code, ms: Date.now() - started };
    },
  };
}

/** The transcript a summary request carried (between `<transcript>` markers), or ''. */
export function transcriptOf(request: ChatCompletionRequest): string {
  const text = request.messages
    .map((m) => (typeof m.content === 'string' ? m.content : ''))
    .join('\n');
  return /<transcript>\n([\s\S]*?)\n<\/transcript>/.exec(text)?.[1] ?? '';
}

/** How many times `needle` occurs in `haystack` (non-overlapping). */
export function occurrences(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}
