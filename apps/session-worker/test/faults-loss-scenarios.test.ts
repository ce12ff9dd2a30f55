import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import {
  toId,
  defaultTokenCounter,
  parseSummaryText,
  SUMMARY_PREAMBLE,
  PriceTable,
  toolCallIdOf,
  type ChatMessage,
  type EventRecord,
  type SummaryOutcome,
} from '@threadline/core';
import { summaryReadyEvent } from '@threadline/engine';
import { createLlmSummarizerWithFallback, OpenAiCompatibleClient } from '@threadline/llm';
import { eventQueueName, partitionOf, summaryJobId, SUMMARIZE_QUEUE } from '@threadline/queue';
import { SessionManager } from '@threadline/sdk';
import {
  deleteKeysWithPrefix,
  startFakeLlm,
  uniquePrefix,
  type FakeLlm,
  transcriptOf,
} from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';
import { startInProcessFleet, type InProcessFleet } from './fleet.ts';
import { occurrences } from './faults-support.ts';

/**
 * The ways other memory servers lose or garble a conversation, as regression tests through the
 * queues, the session workers and an LLM summarizer over HTTP (the fake LLM).
 */

const url = testRedisUrl();
const prefix = uniquePrefix('faults-loss');
const TENANT = 'acme';
const PARTITIONS = 4;
let fleet: InProcessFleet;
let llm: FakeLlm;
let redis: Redis;

beforeAll(async () => {
  llm = await startFakeLlm({ seed: 11 });
  const summarizer = createLlmSummarizerWithFallback({
    client: new OpenAiCompatibleClient({ baseUrl: llm.url, model: 'gpt-4o-mini', timeoutMs: 5000 }),
    prices: new PriceTable(),
    tokens: defaultTokenCounter,
    maxAttempts: 2,
    baseDelayMs: 10,
    maxDelayMs: 20,
  });
  fleet = await startInProcessFleet({
    url,
    prefix,
    partitions: PARTITIONS,
    tenant: TENANT,
    summarizer,
  });
  redis = new Redis(url, { maxRetriesPerRequest: null });
});

beforeEach(() => {
  llm.reset();
  llm.configure({ latencyMs: 0 });
});

afterAll(async () => {
  await fleet?.close();
  await llm?.close();
  await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
});

const key = (sessionId: string) => ({ tenant: TENANT, sessionId });
const marker = (i: number) => `[m${String(i).padStart(3, '0')}]`;

/** Every event of the session, in seq order. */
async function recordsOf(sessionId: string): Promise<EventRecord[]> {
  return fleet.runtime.store.readEvents(key(sessionId), 0, 100_000);
}

/** The messages after the system prompt and the summary: the turns shown verbatim. */
/** The events shown verbatim: every message but the system prompt and the summary. */
const verbatim = (messages: ChatMessage[]) =>
  messages.filter(
    (m) =>
      m.role !== 'system' &&
      !(typeof m.content === 'string' && m.content.startsWith(SUMMARY_PREAMBLE)),
  );

/** The text a message shows the model, tool call arguments included. */
function shownText(m: ChatMessage): string {
  if (m.role === 'assistant' && m.tool_calls)
    return m.tool_calls.map((c) => c.function.arguments).join(' ');
  return m.content ?? '';
}

/** A tool call and its result are adjacent, and each call id appears exactly once on each side. */
function expectToolCallsWithTheirResults(messages: ChatMessage[], what: string): string[] {
  const calls: string[] = [];
  const results: string[] = [];
  messages.forEach((m, i) => {
    if (m.role === 'assistant' && m.tool_calls) {
      for (const call of m.tool_calls) calls.push(call.id);
      const next = messages[i + 1];
      expect(next, `${what}: the call at ${i} has no result after it`).toMatchObject({
        role: 'tool',
        tool_call_id: m.tool_calls[0]!.id,
      });
    }
    if (m.role === 'tool') {
      results.push(m.tool_call_id);
      const before = messages[i - 1];
      expect(
        before?.role === 'assistant' && before.tool_calls?.some((c) => c.id === m.tool_call_id),
        `${what}: the result at ${i} has no call before it`,
      ).toBe(true);
    }
  });
  expect(results, what).toEqual(calls);
  expect(new Set(calls).size, what).toBe(calls.length);
  return calls;
}

describe('regressions for the known loss scenarios of other memory servers', () => {
  it('(a) messages that arrive while a summary is being made are neither dropped nor summarized twice', async () => {
    llm.configure({ latencyMs: 150 });
    const sm = new SessionManager({
      runtime: fleet.runtime,
      sessionId: 'arrive-while-summarizing',
      infiniteContext: true,
      maxTurnsPerSegment: 3,
    });
    const total = 45;
    let checksWhilePending = 0;
    for (let i = 0; i < total; i++) {
      const text = `${marker(i)} figure ${i * 7}.`;
      if (i % 5 === 4) await sm.toolUsed('ledger', { ref: marker(i) }, { ok: true });
      else if (i % 2) await sm.aiResponds(text);
      else await sm.userSays(text);
      if (i % 3 !== 2) continue;
      // After every third write (the reads wait for it to be applied): each event is either
      // behind the summary or shown verbatim, once.
      const { messages, report } = await sm.getContextWindow();
      if (report.pendingSummaryEvents > 0) checksWhilePending += 1;
      const shown = verbatim(messages).map(shownText).join('\n');
      for (let seq = 0; seq <= i; seq++)
        expect(occurrences(shown, marker(seq)), `${marker(seq)} after write ${i}`).toBe(
          seq >= report.summaryCoversToSeq ? 1 : 0,
        );
    }
    await sm.getStats();
    await fleet.runtime.idle();

    const records = await recordsOf(sm.sessionId);
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: total }, (_, i) => i));
    const chain = await sm.getChain();
    const sealed = chain.filter((s) => s.status !== 'open');
    const open = chain.at(-1)!;
    expect(sealed.every((s) => s.status === 'summarized')).toBe(true);
    // Every sealed event went to the LLM exactly once (several segments share a call when they
    // were sealed while another summary was being made: a catch-up), and the summaries cover
    // the sealed events end to end.
    const transcripts = llm.requests().map(transcriptOf);
    expect(transcripts.length).toBeGreaterThan(0);
    expect(transcripts.length).toBeLessThanOrEqual(sealed.length);
    for (const record of records) {
      const inSummaries = transcripts.reduce((n, t) => n + occurrences(t, marker(record.seq)), 0);
      expect(inSummaries, `${marker(record.seq)} in the summaries`).toBe(
        record.seq < open.fromSeq ? 1 : 0,
      );
    }
    const summaries = sealed.flatMap((s) => (s.summary ? [s.summary] : []));
    expect(summaries).toHaveLength(transcripts.length);
    summaries.forEach((summary, i) =>
      expect(summary.fromSeq).toBe(i === 0 ? 0 : summaries[i - 1]!.coversToSeq),
    );
    expect(summaries.at(-1)!.coversToSeq).toBe(open.fromSeq);
    const { messages, report } = await sm.getContextWindow();
    expect(report.summaryCoversToSeq).toBe(open.fromSeq);
    const shown = verbatim(messages).map(shownText).join('\n');
    for (const record of records)
      expect(occurrences(shown, marker(record.seq))).toBe(record.seq >= open.fromSeq ? 1 : 0);
    expect((await sm.getStats()).summaries).toMatchObject({
      made: transcripts.length,
      rejected: 0,
      pending: 0,
    });
    expect(checksWhilePending).toBeGreaterThan(0);
  });

  it('(b) never separates a tool result from its tool call, under any budget and across segment boundaries', async () => {
    const sm = new SessionManager({
      runtime: fleet.runtime,
      sessionId: 'tool-pairs',
      systemPrompt: 'You book trips.',
      infiniteContext: true,
      maxTurnsPerSegment: 2,
    });
    // Tool calls never seal: the ones after a segment's last turn stay in it, right at the boundary.
    const script: Array<'user' | 'assistant' | 'tool'> = [];
    for (let i = 0; i < 24; i++) script.push('user', 'tool', 'tool', 'assistant');
    script.push('tool');
    // Summaries wait, so that the sealed segments are still shown verbatim at the first look.
    await fleet.summarizers[0]!.worker.pause();
    for (const [i, kind] of script.entries()) {
      if (kind === 'tool')
        await sm.toolUsed(
          `lookup_${i % 3}`,
          { q: marker(i) },
          { rows: [i, i + 1], note: 'x'.repeat(i) },
        );
      else if (kind === 'user') await sm.userSays(`${marker(i)} and then?`);
      else await sm.aiResponds(`${marker(i)} done.`);
    }

    const everyBudget = async (what: string) => {
      const full = await sm.getContextWindow();
      const records = await recordsOf(sm.sessionId);
      const uncovered = records.filter((r) => r.seq >= full.report.summaryCoversToSeq).reverse();
      const fixed = full.report.system + full.report.summary + full.report.replyPriming;
      // Budgets at, just under and just over each point where one more (newest-first) event fits.
      const budgets = new Set<number>([0, 1, fixed - 1]);
      let sum = fixed;
      for (const r of uncovered) {
        sum += r.contextTokens;
        budgets
          .add(sum - 1)
          .add(sum)
          .add(sum + 1);
      }
      for (const budget of [...budgets].filter((b) => b >= 0)) {
        const { messages, report } = await sm.getContextWindow({ budget });
        const calls = expectToolCallsWithTheirResults(messages, `${what}, budget ${budget}`);
        // Whole events only: every tool call shown is one of the session's, with its result.
        const known = new Set(
          records.filter((r) => r.type === 'tool_call').map((r) => toolCallIdOf(r.eventId)),
        );
        for (const call of calls) expect(known.has(call), `${what}, budget ${budget}`).toBe(true);
        expect(calls.length).toBeLessThanOrEqual(report.includedEvents);
        if (!report.overBudget) expect(report.used).toBeLessThanOrEqual(budget);
      }
      return full;
    };

    const pending = await everyBudget('summaries pending');
    expect(pending.report.pendingSummaryEvents).toBeGreaterThan(64); // past one read page
    fleet.summarizers[0]!.worker.resume();
    await fleet.runtime.idle();
    const summarized = await everyBudget('summaries landed');
    expect(summarized.report.summaryCoversToSeq).toBeGreaterThan(0);
    expect(summarized.report.pendingSummaryEvents).toBe(0);
    // Every segment boundary of the chain falls on a turn: a call and its result share a segment.
    const records = await recordsOf(sm.sessionId);
    for (const segment of (await sm.getChain()).slice(1))
      expect(records[segment.fromSeq]!.type).not.toBe('tool_call');
  });

  it('(c) refuses a late summary for a segment that is already summarized, whatever its eventId, and keeps the one it has', async () => {
    const sm = new SessionManager({
      runtime: fleet.runtime,
      sessionId: 'late-summary',
      infiniteContext: true,
      maxTurnsPerSegment: 1,
    });
    await sm.userSays('The deposit is 300 EUR.');
    await sm.userSays('Pay it on Monday.');
    await sm.getStats();
    await fleet.runtime.idle();
    const [segment0] = await sm.getChain();
    const landed = segment0!.summary!;
    const { life } = (await fleet.runtime.reader.session(key(sm.sessionId))).session.context;
    const request = {
      sessionId: sm.sessionId,
      life,
      segmentIndex: 0,
      segmentId: segment0!.id,
      firstSegmentIndex: 0,
      fromSeq: 0,
      toSeq: 1,
      previousSummarySegmentIndex: null,
      model: 'gpt-4o-mini',
      maxTokens: 400,
      sealedAt: segment0!.sealedAt!,
    };
    const outcome: SummaryOutcome = {
      text: 'A STALE SUMMARY.',
      items: parseSummaryText('A STALE SUMMARY.', { defaultSection: 'facts' }).items,
      kind: 'llm',
      model: 'gpt-4o-mini',
      promptTokens: 1,
      completionTokens: 1,
      costNano: 1,
      attempts: 1,
      fallbackReason: null,
    };
    const stale = summaryReadyEvent(key(sm.sessionId), request, outcome, new Date().toISOString());
    const q = new Queue(eventQueueName(partitionOf(TENANT, sm.sessionId, PARTITIONS)), {
      connection: redis,
      prefix,
    });
    // The same answer redelivered (same eventId; a job id of its own, past the enqueue dedup),
    // and another answer for the same segment (another eventId).
    await q.add('events', { v: 1, tenant: TENANT, sessionId: sm.sessionId, events: [stale] });
    await q.add('events', {
      v: 1,
      tenant: TENANT,
      sessionId: sm.sessionId,
      events: [{ ...stale, eventId: 'summary-0-again' }],
    });
    await fleet.runtime.waitFor(sm.sessionId, 'summary-0-again', { timeoutMs: 10_000 });
    await q.close();
    const [after] = await sm.getChain();
    expect(after!.summary).toEqual(landed);
    const { messages } = await sm.getContextWindow();
    expect(messages.map((m) => m.content).join('\n')).not.toContain('STALE');
    expect((await sm.getStats()).summaries).toMatchObject({ made: 1, rejected: 1, pending: 0 });
  });

  it('(c) refuses a summary for a segment id that is not the one waiting, and the right one still lands', async () => {
    const sm = new SessionManager({
      runtime: fleet.runtime,
      sessionId: 'wrong-segment-id',
      infiniteContext: true,
      maxTurnsPerSegment: 1,
    });
    await fleet.summarizers[0]!.worker.pause();
    await sm.userSays('Seats: 12.');
    await sm.userSays('Plan: Business.');
    await sm.getStats();
    const { context } = (await fleet.runtime.store.load(key(sm.sessionId)))!.session;
    const head = context.inFlight!;
    const wrong = summaryReadyEvent(
      key(sm.sessionId),
      { ...head, segmentId: `${sm.sessionId}.s0-of-another-life` },
      {
        text: 'WRONG SEGMENT.',
        items: parseSummaryText('WRONG SEGMENT.', { defaultSection: 'facts' }).items,
        kind: 'llm',
        model: 'gpt-4o-mini',
        promptTokens: 1,
        completionTokens: 1,
        costNano: 1,
        attempts: 1,
        fallbackReason: null,
      },
      new Date().toISOString(),
    );
    await fleet.runtime.producer.enqueue(TENANT, [
      { ...wrong, eventId: toId('summary-0-wrong-id') },
    ]);
    await fleet.runtime.waitFor(sm.sessionId, 'summary-0-wrong-id', { timeoutMs: 10_000 });
    expect((await sm.getStats()).summaries).toMatchObject({ made: 0, rejected: 1, pending: 1 });

    fleet.summarizers[0]!.worker.resume();
    await fleet.runtime.idle();
    const [segment0] = await sm.getChain();
    expect(segment0!.summary).toMatchObject({ kind: 'llm', segmentId: head.segmentId });
    expect(segment0!.summary!.text).not.toContain('WRONG');
    expect((await sm.getStats()).summaries).toMatchObject({ made: 1, rejected: 1, pending: 0 });
  });

  it('(c) summarizes the segment as it is stored when the summarize request was made for an earlier version of it', async () => {
    const sm = new SessionManager({
      runtime: fleet.runtime,
      sessionId: 'stale-request',
      infiniteContext: true,
      maxTurnsPerSegment: 3,
    });
    // A request for segment 0 as an earlier life of this session had it (one event), still
    // waiting in the queue under the same job id when today's segment 0 is sealed.
    await fleet.summarizers[0]!.worker.pause();
    await fleet.runtime.producer.queue(SUMMARIZE_QUEUE).add(
      'summarize',
      {
        v: 1,
        tenant: TENANT,
        request: {
          sessionId: sm.sessionId,
          life: 'earlier',
          segmentIndex: 0,
          segmentId: `${sm.sessionId}.s0`,
          fromSeq: 0,
          toSeq: 1,
          previousSummarySegmentIndex: null,
          model: 'gpt-4o-mini',
          maxTokens: 400,
          sealedAt: '2026-01-01T00:00:00.000Z',
        },
      },
      { jobId: summaryJobId(TENANT, sm.sessionId, 'earlier', 0) },
    );
    for (let i = 0; i < 4; i++) await sm.userSays(`${marker(i)} item ${i}.`);
    await sm.getStats();
    fleet.summarizers[0]!.worker.resume();
    await fleet.runtime.idle();

    const [segment0] = await sm.getChain();
    expect(segment0).toMatchObject({ status: 'summarized', fromSeq: 0, toSeq: 3 });
    const [transcript] = llm.requests().map(transcriptOf);
    for (let i = 0; i < 3; i++) expect(transcript).toContain(marker(i));
    expect(transcript).not.toContain(marker(3));
    expect((await sm.getStats()).summaries).toMatchObject({ made: 1, rejected: 0, pending: 0 });
  });
});
