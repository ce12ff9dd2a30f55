import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  toId,
  createExtractiveSummarizer,
  defaultTokenCounter,
  PriceTable,
  SESSION_SCHEMA_VERSION,
  type AcceptedEvent,
} from '@threadline/core';
import { RedisSessionStore, sessionKeys, type SessionKey } from '@threadline/store';
import { deleteKeysWithPrefix, uniquePrefix } from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';
import { produceSummaryEvent, SessionEngine, SessionReader } from '../src/index.ts';

/**
 * Sessions written by the code before structured summaries (commit 1ad38c6), dumped from its
 * embedded runtime: one resting (a summary landed), one with two sealed segments waiting and
 * a summary in flight. Real deployments keep their Redis data across an upgrade.
 */
interface Fixture {
  tenant: string;
  sessionId: string;
  state: { version: number; session: unknown };
  events: unknown[];
  eventIds: string[];
  segments: Record<string, unknown>;
  summaries: Record<string, unknown>;
}
const fixture = (name: string): Fixture =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as Fixture;

const meter = { tokens: defaultTokenCounter, prices: new PriceTable() };
const summarizer = createExtractiveSummarizer(defaultTokenCounter);

describe('sessions stored by the previous version', () => {
  let redis: Redis;
  let prefix: string;
  let store: RedisSessionStore;

  beforeEach(() => {
    redis = new Redis(testRedisUrl());
    prefix = uniquePrefix('upgrade');
    store = new RedisSessionStore({ redis, prefix });
  });
  afterEach(async () => {
    await deleteKeysWithPrefix(redis, prefix);
    await redis.quit();
  });

  /** Writes the fixture's keys exactly as the old commit script left them. */
  async function restore(f: Fixture): Promise<SessionKey> {
    const key = { tenant: f.tenant, sessionId: f.sessionId };
    const keys = sessionKeys(prefix, key);
    const multi = redis.multi();
    multi.hset(
      keys.state,
      'version',
      String(f.state.version),
      'session',
      JSON.stringify(f.state.session),
    );
    multi.rpush(keys.events, ...f.events.map((e) => JSON.stringify(e)));
    multi.sadd(keys.ids, ...f.eventIds);
    for (const [index, segment] of Object.entries(f.segments))
      multi.hset(keys.segments, index, JSON.stringify(segment));
    for (const [index, summary] of Object.entries(f.summaries))
      multi.hset(keys.summaries, index, JSON.stringify(summary));
    await multi.exec();
    return key;
  }

  const user = (sessionId: string, eventId: string, content: string): AcceptedEvent => ({
    type: 'user_message',
    eventId: toId(eventId),
    sessionId: toId(sessionId),
    occurredAt: '2026-12-01T00:00:00.000Z',
    content,
  });

  it('reads a resting session, its summary as items, and goes on with it', async () => {
    const key = await restore(fixture('session-v1-active'));
    const stored = (await store.load(key))!;
    expect(stored.session.context.schemaVersion).toBe(SESSION_SCHEMA_VERSION);
    expect(stored.session.context.inFlight).toBeNull();
    const summary = stored.session.context.latestSummary!;
    expect(summary.items.length).toBeGreaterThan(0);
    expect(summary.items.map((i) => i.text).join('\n')).toContain('TP1027');

    const reader = new SessionReader(store);
    const { messages, report } = await reader.messagesForLlm(key, { budget: 2000 });
    // Its events keep the counts they were measured at (the old code counted an assistant
    // message by the provider's reported usage), so the budget holds on those counts.
    expect(report.used).toBeLessThanOrEqual(2000);
    expect(messages.map((m) => m.content).join('\n')).toContain('Great, take Memmo.');
    const chain = await reader.chain(key);
    expect(chain.map((s) => s.status)).toEqual(['summarized', 'open']);
    expect(chain[0]!.summary!.items.length).toBeGreaterThan(0);

    const engine = new SessionEngine({ store, meter });
    const outcome = await engine.applyBatch(key, [
      user(key.sessionId, 'new-1', 'And a day trip to Sintra?'),
    ]);
    expect(outcome.applied).toEqual(['new-1']);
    expect((await store.load(key))!.session.context.schemaVersion).toBe(SESSION_SCHEMA_VERSION);

    // Its counters kept no per-model breakdown: stats fold it from the events, and it adds up
    // to the totals (the session's old events and the new one alike).
    const stats = await reader.stats(key, { allSegments: true });
    const models = Object.values(stats.usageByModel);
    expect(models.length).toBeGreaterThan(0);
    expect(models.reduce((sum, m) => sum + m.promptTokens, 0)).toBe(stats.promptTokens);
    expect(models.reduce((sum, m) => sum + m.completionTokens, 0)).toBe(stats.completionTokens);
  });

  it('lets the summary that was in flight land, then catches up on the segment sealed meanwhile', async () => {
    const key = await restore(fixture('session-v1-summarizing'));
    const stored = (await store.load(key))!;
    const context = stored.session.context;
    expect(stored.session.value).toBe('summarizing');
    expect(context.pending.map((p) => p.index)).toEqual([1, 2]);
    // The old code was making segment 1's summary alone: that request is the one in flight.
    expect(context.inFlight).toMatchObject({
      segmentIndex: 1,
      firstSegmentIndex: 1,
      fromSeq: 2,
      toSeq: 4,
    });

    const engine = new SessionEngine({ store, meter });
    const first = await produceSummaryEvent(
      store,
      key,
      context.inFlight!,
      summarizer,
      () => '2026-12-01T00:00:01.000Z',
    );
    const landed = await engine.applyBatch(key, [first]);
    // Stored before lives: the session's life is LEGACY_LIFE ('0'), which its answer's id names.
    expect(landed.applied).toEqual(['summary-0-1']);
    expect(landed.inFlight).toMatchObject({
      segmentIndex: 2,
      firstSegmentIndex: 2,
      previousSummarySegmentIndex: 1,
    });

    const second = await produceSummaryEvent(
      store,
      key,
      landed.inFlight!,
      summarizer,
      () => '2026-12-01T00:00:02.000Z',
    );
    const caught = await engine.applyBatch(key, [second]);
    expect(caught.session.value).toBe('active');
    expect(caught.session.context.latestSummary).toMatchObject({ segmentIndex: 2, coversToSeq: 6 });
    // The custom summary stored as text by the old code was rolled forward item by item.
    expect(caught.session.context.latestSummary!.items.map((i) => i.text).join('\n')).toContain(
      'Budget 2400 EUR',
    );
  });
});
