import { describe, expect, it } from 'vitest';
import { toId, defaultTokenCounter, PriceTable, type AcceptedEvent } from '@threadline/core';
import { MemorySessionStore, type SessionKey, type StoredSession } from '@threadline/store';
import { SessionEngine } from '../src/session-engine.ts';

const key: SessionKey = { tenant: 't', sessionId: 's' };
const meter = { tokens: defaultTokenCounter, prices: new PriceTable() };
const at = '2026-03-01T00:00:00.000Z';

const user = (eventId: string, content = eventId): AcceptedEvent => ({
  type: 'user_message',
  eventId: toId(eventId),
  sessionId: toId(key.sessionId),
  occurredAt: at,
  content,
});

function setup(store = new MemorySessionStore()) {
  return { store, engine: new SessionEngine({ store, meter }) };
}

describe('SessionEngine and deleted sessions (tombstone)', () => {
  it('drops the events of a deleted session instead of creating it again', async () => {
    const { store, engine } = setup();
    await engine.createSession(key, { systemPrompt: 'Be brief.' }, at);
    const first = await engine.applyBatch(key, [user('e1'), user('e2')]);
    expect(first).toMatchObject({ applied: ['e1', 'e2'], skipped: [], dropped: [], version: 2 });

    expect(await store.deleteSession(key)).toBe(true);

    // Events still queued when the session was deleted, and a replay of an applied one.
    const late = await engine.applyBatch(key, [user('e3'), user('e1')]);
    expect(late).toMatchObject({
      applied: [],
      skipped: [],
      dropped: ['e3', 'e1'],
      effects: [],
      version: 0,
      inFlight: null,
    });
    expect(await store.load(key)).toBeNull();
    expect(await store.readEvents(key, 0, 100)).toEqual([]);
    expect(await store.consumedEventIds(key, ['e1', 'e3'])).toEqual(new Set());
    expect(store.sessionIds(key.tenant)).toEqual([]);
  });

  it('drops a late summary_ready of a deleted session', async () => {
    const { store, engine } = setup();
    await engine.createSession(key, {}, at);
    await store.deleteSession(key);
    const summary: AcceptedEvent = {
      type: 'summary_ready',
      eventId: toId('summary-0'),
      sessionId: toId(key.sessionId),
      occurredAt: at,
      segmentIndex: 0,
      segmentId: 's.s0',
      summary: {
        text: 'A summary.',
        kind: 'llm',
        model: 'gpt-4o-mini',
        promptTokens: 10,
        completionTokens: 5,
        costNano: 0,
        attempts: 1,
        fallbackReason: null,
      },
    };
    expect(await engine.applyBatch(key, [summary])).toMatchObject({
      applied: [],
      dropped: ['summary-0'],
      inFlight: null,
    });
    expect(await store.load(key)).toBeNull();
  });

  it('drops the batch when the delete lands between its load and its commit (the commit decides)', async () => {
    const store = new MemorySessionStore();
    const { engine } = setup(store);
    await engine.createSession(key, {}, at);
    await engine.applyBatch(key, [user('e1')]);

    // The delete slips in right after the engine's first load: its commit (version 2) loses,
    // it reloads, finds no session, and its implicit create is refused by the tombstone.
    const load = store.load.bind(store);
    let loads = 0;
    store.load = async (k: SessionKey): Promise<StoredSession | null> => {
      const stored = await load(k);
      if (++loads === 1) await store.deleteSession(k);
      return stored;
    };
    const outcome = await engine.applyBatch(key, [user('e2')]);
    expect(loads).toBe(2);
    expect(outcome).toMatchObject({ applied: [], dropped: ['e2'], inFlight: null });
    expect(await load(key)).toBeNull();
  });

  it('lets an explicit create bring the session back; its events then apply', async () => {
    const { store, engine } = setup();
    expect(await engine.applyBatch(key, [user('e1')])).toMatchObject({
      applied: ['e1'],
      dropped: [],
    });
    await store.deleteSession(key);

    const created = await engine.createSession(key, { maxTurnsPerSegment: 7 }, at);
    expect(created.version).toBe(1);
    const outcome = await engine.applyBatch(key, [user('e1'), user('e2')]);
    expect(outcome).toMatchObject({ applied: ['e1', 'e2'], skipped: [], dropped: [], version: 2 });
    const stored = await store.load(key);
    expect(stored!.session.context.config.maxTurnsPerSegment).toBe(7);
    expect((await store.readEvents(key, 0, 100)).map((e) => e.eventId)).toEqual(['e1', 'e2']);
  });

  it('gives each create a life of its own, and drops a batch sent to a life that has ended (deleted, created again)', async () => {
    const { store, engine } = setup();
    const first = await engine.createSession(key, {}, at);
    const life1 = first.session.context.life;
    expect(life1).toMatch(/^[0-9a-f]{12}$/);
    expect(await engine.applyBatch(key, [user('e1')], { life: life1 })).toMatchObject({
      applied: ['e1'],
      dropped: [],
    });

    await store.deleteSession(key);
    const second = await engine.createSession(key, {}, at);
    const life2 = second.session.context.life;
    expect(life2).not.toBe(life1);

    // Sent to the first life (queued before the delete): dropped, not applied to the second.
    expect(
      await engine.applyBatch(key, [user('e2', 'from the first life')], { life: life1 }),
    ).toMatchObject({
      applied: [],
      dropped: ['e2'],
      inFlight: null,
    });
    // Sent to the second life, or to no life in particular: applied.
    expect(await engine.applyBatch(key, [user('e3')], { life: life2 })).toMatchObject({
      applied: ['e3'],
    });
    expect(await engine.applyBatch(key, [user('e4')])).toMatchObject({ applied: ['e4'] });
    expect((await store.readEvents(key, 0, 100)).map((e) => e.eventId)).toEqual(['e3', 'e4']);

    // Sent to a life of a session that is gone: dropped, and it does not create one.
    await store.deleteSession(key);
    expect(await engine.applyBatch(key, [user('e5')], { life: life2 })).toMatchObject({
      dropped: ['e5'],
    });
    expect(await store.load(key)).toBeNull();
  });
});
