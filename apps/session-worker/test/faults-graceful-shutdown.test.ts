import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { defaultTokenCounter, PriceTable } from '@threadline/core';
import { createLlmSummarizerWithFallback, OpenAiCompatibleClient } from '@threadline/llm';
import { silentLogger } from '@threadline/observability';
import { RedisRuntime } from '@threadline/sdk';
import { startServer } from '@threadline/server';
import { startSummarizerWorker } from '@threadline/summarizer';
import {
  deleteKeysWithPrefix,
  startFakeLlm,
  uniquePrefix,
  type FakeLlm,
  transcriptOf,
} from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';
import { startSessionWorker } from '../src/session-worker.ts';
import {
  startThreadlineProcess,
  type ProcessKind,
  type ThreadlineProcess,
} from './faults-support.ts';

/**
 * SIGTERM to every kind of process while events flow: a session worker, a summarizer and the
 * HTTP server, each its real entry point (`src/main.ts`). Each one lets its work in flight
 * finish and exits 0 (its log says "stopped", not "grace period over"); a session worker, a
 * summarizer and a server that were serving beside them (in this process) take over; and
 * afterwards every event the API accepted (answered 202) is applied exactly once, in order,
 * and every sealed segment has its summary.
 */

const url = testRedisUrl();
const prefix = uniquePrefix('faults-shutdown');
const TENANT = 'acme';
const SESSIONS = 8;
const apiKey = `shutdown-${randomBytes(12).toString('hex')}`;
let llm: FakeLlm;
let runtime: RedisRuntime;
const running = new Set<ThreadlineProcess>();

function env(): Record<string, string> {
  return {
    REDIS_URL: url,
    THREADLINE_PREFIX: prefix,
    THREADLINE_PARTITIONS: '4',
    THREADLINE_LLM_BASE_URL: llm.url,
    THREADLINE_API_KEYS: `${apiKey}=${TENANT}`,
    THREADLINE_ADMIN_KEY: `admin-${randomBytes(12).toString('hex')}`,
    PORT: '0',
  };
}

async function start(kind: ProcessKind): Promise<ThreadlineProcess> {
  const proc = await startThreadlineProcess(kind, env());
  running.add(proc);
  return proc;
}

interface Stopped {
  kind: ProcessKind;
  code: number | null;
  ms: number;
  output: string;
}

async function stop(proc: ThreadlineProcess): Promise<Stopped> {
  const { code, ms } = await proc.terminate();
  running.delete(proc);
  return { kind: proc.kind, code, ms, output: proc.output() };
}

beforeAll(async () => {
  await defaultTokenCounter.prepare(['gpt-4o-mini']);
  llm = await startFakeLlm({ seed: 9, latencyMs: [40, 120] });
  runtime = new RedisRuntime({ url, topology: { prefix, partitions: 4 }, tenant: TENANT });
});

afterAll(async () => {
  for (const proc of running) proc.child.kill('SIGKILL');
  await runtime?.close();
  await llm?.close();
  const redis = new Redis(url);
  await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
});

/**
 * One producer per session, as a platform would write: each event is sent until the API
 * accepts it (202), with the same eventId on every try, before the next one is sent. A request
 * that fails (the server is stopping or gone) is not accepted, and is tried again.
 */
class Producer {
  readonly accepted = new Map<string, string[]>();
  private stopped = false;
  private loops: Promise<void>[] = [];

  constructor(private baseUrl: string) {}

  use(baseUrl: string): void {
    this.baseUrl = baseUrl;
  }

  total(): number {
    let n = 0;
    for (const ids of this.accepted.values()) n += ids.length;
    return n;
  }

  start(sessionIds: string[]): void {
    this.loops = sessionIds.map((id) => this.run(id));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }

  private async run(sessionId: string): Promise<void> {
    const accepted: string[] = [];
    this.accepted.set(sessionId, accepted);
    for (let k = 0; !this.stopped; k++) {
      const eventId = `${sessionId}-e${k}`;
      const event =
        k % 6 === 5
          ? {
              type: 'tool_call',
              eventId,
              tool: 'ledger',
              arguments: { ref: `<${eventId}>` },
              result: {},
            }
          : k % 2
            ? { type: 'assistant_message', eventId, content: `<${eventId}> noted.` }
            : { type: 'user_message', eventId, content: `<${eventId}> add an item.` };
      for (;;) {
        const status = await fetch(`${this.baseUrl}/v1/sessions/${sessionId}/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify(event),
          signal: AbortSignal.timeout(10_000),
        }).then(
          (r) => r.status,
          () => 0,
        );
        if (status === 202) break;
        if (status !== 0 && status < 500) throw new Error(`event ${eventId}: HTTP ${status}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      accepted.push(eventId);
      await new Promise((r) => setTimeout(r, 30));
    }
  }
}

async function until(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`still waiting for ${what} after 30 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('graceful shutdown under load', () => {
  it('SIGTERMs the server, a session worker and a summarizer while events flow and a summary is in flight: each exits 0 after its work in flight, others take over; every accepted event is applied once, in order, and every sealed segment is summarized', async () => {
    const [server, worker, summarizer] = await Promise.all([
      start('server'),
      start('session-worker'),
      start('summarizer'),
    ]);
    // The ones that take over (in this process): a session worker, a summarizer, a server.
    const topology = { prefix, partitions: 4 };
    const others = {
      worker: await startSessionWorker({ redis: { url }, topology }),
      summarizer: await startSummarizerWorker({
        redis: { url },
        topology,
        summarizer: createLlmSummarizerWithFallback({
          client: new OpenAiCompatibleClient({ baseUrl: llm.url, model: 'gpt-4o-mini' }),
          prices: new PriceTable(),
          tokens: defaultTokenCounter,
        }),
      }),
      server: await startServer({
        runtime,
        apiKeys: { [apiKey]: TENANT },
        adminKey: `admin-${randomBytes(12).toString('hex')}`,
        logger: silentLogger,
        rateLimit: false,
        port: 0,
      }),
    };
    try {
      const sessionIds = Array.from({ length: SESSIONS }, (_, i) => `busy-${i}`);
      for (const sessionId of sessionIds) {
        const created = await fetch(`${server.url}/v1/sessions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ sessionId, infiniteContext: true, maxTurnsPerSegment: 8 }),
        });
        expect(created.status).toBe(201);
      }
      const producer = new Producer(server.url!);
      producer.start(sessionIds);

      await until('events accepted', () => producer.total() >= 120);
      await until('a summary in flight', () => llm.stats().inFlight > 0);
      const stopping = Promise.all([stop(server), stop(worker), stop(summarizer)]);
      // Requests that fail from now on go to the other server (as a load balancer would).
      producer.use(others.server.url);
      const stopped = await stopping;
      const mark = producer.total();
      await until('events accepted after the stop', () => producer.total() >= mark + 120);
      await producer.stop();

      for (const sessionId of sessionIds) {
        const ids = producer.accepted.get(sessionId)!;
        await runtime.waitFor(sessionId, ids.at(-1)!, { timeoutMs: 30_000 });
      }
      await runtime.idle();

      for (const s of stopped) {
        expect(s.code, `${s.kind}:\n${s.output.slice(-2000)}`).toBe(0);
        expect(s.output, s.kind).toMatch(/"msg":"stopped"/);
        expect(s.output, s.kind).not.toMatch(/grace period over/);
      }

      const transcripts = llm.requests().map(transcriptOf).join('\n');
      let sealedSegments = 0;
      for (const sessionId of sessionIds) {
        const key = { tenant: TENANT, sessionId };
        const accepted = producer.accepted.get(sessionId)!;
        const records = await runtime.store.readEvents(key, 0, 100_000);
        expect(
          records.map((r) => r.eventId),
          sessionId,
        ).toEqual(accepted);
        const chain = await runtime.reader.chain(key);
        const sealed = chain.slice(0, -1);
        sealedSegments += sealed.length;
        // Each sealed segment is summarized (a catch-up summary may cover several); the
        // summaries cover the sealed events end to end, and every one went to the LLM.
        for (const segment of sealed) {
          expect(segment.status, segment.id).toBe('summarized');
          for (const r of records.slice(segment.fromSeq, segment.toSeq!))
            expect(transcripts, `${r.eventId} summarized`).toContain(`<${r.eventId}>`);
        }
        const summaries = sealed.flatMap((s) => (s.summary ? [s.summary] : []));
        summaries.forEach((summary, i) => {
          expect(summary.kind, sessionId).toBe('llm');
          expect(summary.fromSeq, sessionId).toBe(i === 0 ? 0 : summaries[i - 1]!.coversToSeq);
        });
        if (sealed.length > 0) expect(summaries.at(-1)!.coversToSeq).toBe(sealed.at(-1)!.toSeq);
        expect((await runtime.reader.stats(key)).summaries).toMatchObject({
          made: summaries.length,
          rejected: 0,
          pending: 0,
        });
      }
      expect(sealedSegments).toBeGreaterThan(SESSIONS);
    } finally {
      await others.server.close();
      await Promise.all([others.worker.close(), others.summarizer.close()]);
    }
  });
});
