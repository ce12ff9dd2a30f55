import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventRecord, SegmentRecord } from '@threadline/core';
import type { CommitResult, SessionKey, SessionStore } from '@threadline/store';
import { SessionScript } from './session-fixtures.ts';

export interface StoreUnderTest {
  store: SessionStore;
  /** Erases what the test wrote and releases connections. */
  cleanup(): Promise<void>;
}

const ALL = Number.MAX_SAFE_INTEGER;

/** Everything a store holds for a session, read through the port. */
async function contentsOf(store: SessionStore, key: SessionKey, knownEventIds: readonly string[]) {
  return {
    stored: await store.load(key),
    events: await store.readEvents(key, 0, ALL),
    consumed: [...(await store.consumedEventIds(key, knownEventIds))].sort(),
    segments: await store.readSealedSegments(key),
    summaries: await Promise.all([0, 1, 2, 3].map((i) => store.readSummary(key, i))),
  };
}

/**
 * The behaviour every SessionStore must have. The memory store (embedded runtime) and the Redis
 * store (production) both run it, so that the two runtimes give the same results.
 */
export function describeSessionStoreContract(
  name: string,
  makeStore: () => Promise<StoreUnderTest>,
): void {
  describe(`${name} (SessionStore contract)`, () => {
    let under: StoreUnderTest;
    let store: SessionStore;
    const key: SessionKey = { tenant: 'acme', sessionId: 'chat-1' };

    beforeEach(async () => {
      under = await makeStore();
      store = under.store;
    });
    afterEach(async () => {
      await under.cleanup();
    });

    /** A created session with two batches applied: 5 events, version 3. */
    async function sessionWithHistory(sessionKey = key): Promise<SessionScript> {
      const script = new SessionScript(sessionKey.sessionId);
      expect(await store.commit(sessionKey, script.create())).toEqual({ ok: true, version: 1 });
      const first = script.batch(1, [script.user(), script.assistant(), script.tool()]);
      expect(await store.commit(sessionKey, first.request)).toEqual({ ok: true, version: 2 });
      first.accept();
      const second = script.batch(2, [script.user(), script.assistant()]);
      expect(await store.commit(sessionKey, second.request)).toEqual({ ok: true, version: 3 });
      second.accept();
      return script;
    }

    it('knows nothing of a session that was never created', async () => {
      expect(await store.load(key)).toBeNull();
      expect(await store.readEvents(key, 0, 10)).toEqual([]);
      expect(await store.readSealedSegments(key)).toEqual([]);
      expect(await store.readSummary(key, 0)).toBeNull();
      expect(await store.readSummaries(key, 0, 10)).toEqual([]);
      expect(await store.consumedEventIds(key, ['a', 'b'])).toEqual(new Set());
      expect(await store.deleteSession(key)).toBe(false);
    });

    it('creates a session with expectedVersion 0 and refuses a second create with version_conflict', async () => {
      const script = new SessionScript(key.sessionId);
      expect(await store.commit(key, script.create())).toEqual({ ok: true, version: 1 });
      expect(await store.load(key)).toEqual({ session: script.session, version: 1 });

      const again = new SessionScript(key.sessionId, { maxTurnsPerSegment: 99 });
      expect(await store.commit(key, again.create())).toEqual({
        ok: false,
        reason: 'version_conflict',
        currentVersion: 1,
      });
      expect(await store.load(key)).toEqual({ session: script.session, version: 1 });
    });

    it('appends a batch in seq order, records its eventIds and moves the version on by one', async () => {
      const script = await sessionWithHistory();
      const stored = await store.load(key);
      expect(stored).toEqual({ session: script.session, version: 3 });
      const events = await store.readEvents(key, 0, ALL);
      expect(events.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4]);
      expect(events.map((e) => e.type)).toEqual([
        'user_message',
        'assistant_message',
        'tool_call',
        'user_message',
        'assistant_message',
      ]);
      const ids = events.map((e) => e.eventId);
      expect(await store.consumedEventIds(key, [...ids, 'never-seen'])).toEqual(new Set(ids));
      expect(await store.consumedEventIds(key, [])).toEqual(new Set());
    });

    it('refuses a commit with a stale expectedVersion (version_conflict) and writes nothing', async () => {
      const script = await sessionWithHistory();
      // A batch that would append, seal a segment and record ids: none of it may land.
      const stale = script.batch(2, [script.user(), script.assistant(), script.user()]);
      expect(stale.request.sealedSegments).toHaveLength(1);
      const known = [
        ...stale.request.eventIds,
        ...(await store.readEvents(key, 0, ALL)).map((e) => e.eventId),
      ];
      const before = await contentsOf(store, key, known);

      expect(await store.commit(key, stale.request)).toEqual({
        ok: false,
        reason: 'version_conflict',
        currentVersion: 3,
      });
      expect(await store.commit(key, { ...stale.request, expectedVersion: 4 })).toEqual({
        ok: false,
        reason: 'version_conflict',
        currentVersion: 3,
      });
      expect(await store.commit(key, { ...stale.request, expectedVersion: 0 })).toEqual({
        ok: false,
        reason: 'version_conflict',
        currentVersion: 3,
      });
      expect(await contentsOf(store, key, known)).toEqual(before);
    });

    it('refuses a batch holding an already consumed eventId (duplicate_event, the first such id) and writes nothing', async () => {
      const script = await sessionWithHistory();
      const [firstId, , thirdId] = (await store.readEvents(key, 0, 3)).map((e) => e.eventId);
      const batch = script.batch(3, [script.user(), script.assistant()]);
      const request = {
        ...batch.request,
        eventIds: [batch.request.eventIds[0]!, thirdId!, firstId!],
      };
      const known = [...request.eventIds, batch.request.eventIds[1]!];
      const before = await contentsOf(store, key, known);

      expect(await store.commit(key, request)).toEqual({
        ok: false,
        reason: 'duplicate_event',
        currentVersion: 3,
        eventId: thirdId,
      });
      expect(await contentsOf(store, key, known)).toEqual(before);

      // The same batch without the replayed ids lands.
      expect(await store.commit(key, batch.request)).toEqual({ ok: true, version: 4 });
    });

    it('throws on a batch whose first event does not continue the log (a bug), and writes nothing', async () => {
      const script = await sessionWithHistory();
      const batch = script.batch(3, [script.user()]);
      const shifted: EventRecord = { ...batch.request.appendEvents[0]!, seq: 7 };
      const known = batch.request.eventIds;
      const before = await contentsOf(store, key, known);
      await expect(
        store.commit(key, { ...batch.request, appendEvents: [shifted] }),
      ).rejects.toThrow(/seq 7 does not follow the log \(length 5\)/);
      expect(await contentsOf(store, key, known)).toEqual(before);
    });

    it('lets exactly one of two writers that read the same version commit (a stale writer lands nothing)', async () => {
      const script = await sessionWithHistory();
      const loaded = await store.load(key);
      const a = script.batch(loaded!.version, [script.user({ content: 'writer A' })]);
      const b = script.batch(loaded!.version, [script.user({ content: 'writer B' })]);
      // The two writers carry the same seq (both read the same log).
      expect(a.request.appendEvents[0]!.seq).toBe(b.request.appendEvents[0]!.seq);

      const results: CommitResult[] = await Promise.all([
        store.commit(key, a.request),
        store.commit(key, b.request),
      ]);
      expect(results.filter((r) => r.ok)).toEqual([{ ok: true, version: 4 }]);
      expect(results.filter((r) => !r.ok)).toEqual([
        { ok: false, reason: 'version_conflict', currentVersion: 4 },
      ]);

      const events = await store.readEvents(key, 0, ALL);
      expect(events.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4, 5]);
      const winner = results[0]!.ok ? 'writer A' : 'writer B';
      expect(events[5]!.content).toBe(winner);
      const consumed = await store.consumedEventIds(key, [
        ...a.request.eventIds,
        ...b.request.eventIds,
      ]);
      expect(consumed.size).toBe(1);
    });

    it('lets exactly one of many concurrent writers at the same version commit', async () => {
      const script = await sessionWithHistory();
      const batches = Array.from({ length: 8 }, (_, i) =>
        script.batch(3, [script.user({ content: `racer ${i}` })]),
      );
      const results = await Promise.all(batches.map((b) => store.commit(key, b.request)));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect((await store.load(key))!.version).toBe(4);
      expect(await store.readEvents(key, 0, ALL)).toHaveLength(6);
    });

    it('reads any window of the event log, empty and out-of-range windows included', async () => {
      await sessionWithHistory();
      const all = await store.readEvents(key, 0, ALL);
      expect(all).toHaveLength(5);
      const seqs = async (from: number, to: number) =>
        (await store.readEvents(key, from, to)).map((e) => e.seq);
      expect(await seqs(0, 5)).toEqual([0, 1, 2, 3, 4]);
      expect(await seqs(1, 3)).toEqual([1, 2]);
      expect(await seqs(3, 5)).toEqual([3, 4]);
      expect(await seqs(4, 5)).toEqual([4]);
      expect(await seqs(2, 2)).toEqual([]);
      expect(await seqs(4, 2)).toEqual([]);
      expect(await seqs(3, 100)).toEqual([3, 4]);
      expect(await seqs(5, 10)).toEqual([]);
      expect(await seqs(50, 60)).toEqual([]);
      expect(await seqs(-3, 2)).toEqual([0, 1]);
      expect(await seqs(-5, -1)).toEqual([]);
      expect(await seqs(0, 0)).toEqual([]);
      expect(await store.readEvents(key, 2, 3)).toEqual([all[2]]);
    });

    it('returns sealed segments oldest first, each merged with its summary once it has one', async () => {
      const script = new SessionScript(key.sessionId, { maxTurnsPerSegment: 2 });
      expect(await store.commit(key, script.create())).toEqual({ ok: true, version: 1 });
      // Turns 1-2 fill segment 0; turn 3 seals it; turn 5 seals segment 1.
      const sealing = script.batch(1, [
        script.user(),
        script.assistant(),
        script.user(),
        script.tool(),
        script.assistant(),
        script.user(),
      ]);
      expect(sealing.request.sealedSegments.map((s) => s.index)).toEqual([0, 1]);
      expect(await store.commit(key, sealing.request)).toEqual({ ok: true, version: 2 });
      sealing.accept();

      const unsummarized = await store.readSealedSegments(key);
      expect(unsummarized.map((s) => [s.index, s.status, s.summary])).toEqual([
        [0, 'sealed', null],
        [1, 'sealed', null],
      ]);
      expect(unsummarized).toEqual(sealing.request.sealedSegments);

      const summarized = script.batch(2, [
        script.summaryOf(0, 'Les utilisateurs ont parlé de 🚀 et de café ☕.'),
      ]);
      expect(summarized.request.summaries).toHaveLength(1);
      expect(await store.commit(key, summarized.request)).toEqual({ ok: true, version: 3 });
      summarized.accept();

      const summary = summarized.request.summaries[0]!;
      const segments = await store.readSealedSegments(key);
      expect(segments).toEqual([
        {
          ...sealing.request.sealedSegments[0]!,
          status: 'summarized',
          summary,
        } satisfies SegmentRecord,
        sealing.request.sealedSegments[1]!,
      ]);
      expect(await store.readSummary(key, 0)).toEqual(summary);
      expect(await store.readSummary(key, 1)).toBeNull();
      // A range of segments gives the summaries attached in it, oldest first; none beyond.
      expect(await store.readSummaries(key, 0, 2)).toEqual([summary]);
      expect(await store.readSummaries(key, 1, 5)).toEqual([]);
      expect(await store.readSummaries(key, 0, 0)).toEqual([]);
      expect(await store.consumedEventIds(key, [summary.eventId])).toEqual(
        new Set([summary.eventId]),
      );
    });

    it('orders sealed segments by index as numbers (segment 10 after segment 9)', async () => {
      const script = new SessionScript(key.sessionId, { maxTurnsPerSegment: 1 });
      expect(await store.commit(key, script.create())).toEqual({ ok: true, version: 1 });
      const batch = script.batch(
        1,
        Array.from({ length: 13 }, () => script.user()),
      );
      expect(batch.request.sealedSegments).toHaveLength(12);
      expect(await store.commit(key, batch.request)).toEqual({ ok: true, version: 2 });
      const indexes = (await store.readSealedSegments(key)).map((s) => s.index);
      expect(indexes).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    });

    it('expires a session idle for longer than its retention, whole; every commit renews it; its tombstone then refuses an implicit create', async () => {
      const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
      const script = new SessionScript(key.sessionId, {
        maxTurnsPerSegment: 1,
        retentionSeconds: 2,
      });
      expect(await store.commit(key, script.create())).toEqual({ ok: true, version: 1 });
      await sleep(1200);
      const batch = script.batch(1, [script.user(), script.user(), script.summaryOf(0)]);
      expect(await store.commit(key, batch.request)).toEqual({ ok: true, version: 2 });
      await sleep(1200);
      // 2.4 s after the create, 1.2 s after the last commit: still there, reads do not renew it.
      expect((await store.load(key))?.version).toBe(2);
      expect(await store.readEvents(key, 0, ALL)).toHaveLength(2);
      await sleep(1500);
      expect(await contentsOf(store, key, batch.request.eventIds)).toEqual({
        stored: null,
        events: [],
        consumed: [],
        segments: [],
        summaries: [null, null, null, null],
      });
      const late = new SessionScript(key.sessionId);
      expect(await store.commit(key, late.batch(0, [late.user()]).request)).toEqual({
        ok: false,
        reason: 'deleted',
        currentVersion: 0,
      });
      expect(await store.commit(key, { ...late.create(), create: 'explicit' })).toEqual({
        ok: true,
        version: 1,
      });
      expect((await store.load(key))?.session).toEqual(late.session);
    });

    it('keeps a session without retention (null) however long it is idle', async () => {
      const script = new SessionScript(key.sessionId, { retentionSeconds: 1 });
      expect(await store.commit(key, script.create())).toEqual({ ok: true, version: 1 });
      // The retention changed to none (as PATCH does): from this commit on, it never expires.
      const kept = {
        ...script.session,
        context: {
          ...script.session.context,
          config: { ...script.session.context.config, retentionSeconds: null },
        },
      };
      expect(
        await store.commit(key, { ...script.create(), expectedVersion: 1, session: kept }),
      ).toEqual({ ok: true, version: 2 });
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect((await store.load(key))?.session).toEqual(kept);
    });

    it("indexes a subject's sessions from their create, takes a deleted one out, and forgets ids on request", async () => {
      const mine = (sessionId: string, subjectId: string) => {
        const script = new SessionScript(sessionId);
        script.session = {
          ...script.session,
          context: { ...script.session.context, subjectId },
        };
        return script;
      };
      const one = { tenant: 'acme', sessionId: 's-1' };
      const two = { tenant: 'acme', sessionId: 's-2' };
      const elsewhere = { tenant: 'globex', sessionId: 's-3' };
      expect(await store.commit(one, mine('s-1', 'user-7').create())).toEqual({
        ok: true,
        version: 1,
      });
      expect(await store.commit(two, mine('s-2', 'user-7').create())).toEqual({
        ok: true,
        version: 1,
      });
      expect(await store.commit(elsewhere, mine('s-3', 'user-7').create())).toEqual({
        ok: true,
        version: 1,
      });
      // A create that loses (the session exists) adds nothing new.
      expect((await store.commit(one, mine('s-1', 'user-9').create())).ok).toBe(false);
      expect(await store.sessionsOfSubject('acme', 'user-7')).toEqual(['s-1', 's-2']);
      expect(await store.sessionsOfSubject('globex', 'user-7')).toEqual(['s-3']);
      expect(await store.sessionsOfSubject('acme', 'user-8')).toEqual([]);

      expect(await store.deleteSession(one)).toBe(true);
      expect(await store.sessionsOfSubject('acme', 'user-7')).toEqual(['s-2']);
      await store.forgetSubjectSessions('acme', 'user-7', ['s-2', 'never-there']);
      expect(await store.sessionsOfSubject('acme', 'user-7')).toEqual([]);
      expect(await store.sessionsOfSubject('globex', 'user-7')).toEqual(['s-3']);
    });

    it('erases every trace of a session on delete; a later load is null and the session can start over', async () => {
      const script = new SessionScript(key.sessionId, { maxTurnsPerSegment: 1 });
      expect(await store.commit(key, script.create())).toEqual({ ok: true, version: 1 });
      const batch = script.batch(1, [script.user(), script.user(), script.summaryOf(0)]);
      expect(await store.commit(key, batch.request)).toEqual({ ok: true, version: 2 });
      expect(await store.readSummary(key, 0)).not.toBeNull();

      expect(await store.deleteSession(key)).toBe(true);
      expect(await contentsOf(store, key, batch.request.eventIds)).toEqual({
        stored: null,
        events: [],
        consumed: [],
        segments: [],
        summaries: [null, null, null, null],
      });
      expect(await store.deleteSession(key)).toBe(false);

      // Starting over (an explicit create): version 0 again, and the old eventIds are no longer
      // consumed.
      const fresh = new SessionScript(key.sessionId);
      expect(await store.commit(key, { ...fresh.create(), create: 'explicit' })).toEqual({
        ok: true,
        version: 1,
      });
      const replay = fresh.batch(1, [fresh.user()]);
      expect(await store.commit(key, replay.request)).toEqual({ ok: true, version: 2 });
    });

    it('refuses an implicit create of a deleted session (reason deleted) and writes nothing', async () => {
      const script = await sessionWithHistory();
      const oldIds = (await store.readEvents(key, 0, ALL)).map((e) => e.eventId);
      expect(await store.deleteSession(key)).toBe(true);

      // A late event of the deleted session, as the engine would commit it: the first event of
      // a session it does not know, creating it with defaults (create left to its default).
      const late = new SessionScript(key.sessionId);
      const batch = late.batch(0, [late.user(), late.assistant()]);
      expect(batch.request.appendEvents.map((e) => e.seq)).toEqual([0, 1]);
      const known = [...batch.request.eventIds, ...oldIds];
      const nothing = {
        stored: null,
        events: [],
        consumed: [],
        segments: [],
        summaries: [null, null, null, null],
      };
      expect(await store.commit(key, batch.request)).toEqual({
        ok: false,
        reason: 'deleted',
        currentVersion: 0,
      });
      expect(await store.commit(key, { ...batch.request, create: 'implicit' })).toEqual({
        ok: false,
        reason: 'deleted',
        currentVersion: 0,
      });
      // A late summary alone (no event appended) is refused the same way.
      expect(await store.commit(key, { ...late.create(), eventIds: ['summary-0'] })).toEqual({
        ok: false,
        reason: 'deleted',
        currentVersion: 0,
      });
      expect(await contentsOf(store, key, [...known, 'summary-0'])).toEqual(nothing);
      expect(await store.deleteSession(key)).toBe(false);

      // A stale writer that read the session before the delete loses on its version (and then
      // reloads, finds no session and tries an implicit create, refused above).
      expect(await store.commit(key, script.batch(3, [script.user()]).request)).toEqual({
        ok: false,
        reason: 'version_conflict',
        currentVersion: 0,
      });
      expect(await contentsOf(store, key, known)).toEqual(nothing);

      // The tombstone is the session's only: another session of the tenant is created implicitly.
      const other: SessionKey = { tenant: key.tenant, sessionId: 'chat-2' };
      const otherScript = new SessionScript(other.sessionId);
      expect(await store.commit(other, otherScript.batch(0, [otherScript.user()]).request)).toEqual(
        { ok: true, version: 1 },
      );
    });

    it('tombstones a session deleted before it existed (its first events may still be queued)', async () => {
      expect(await store.deleteSession(key)).toBe(false);
      const script = new SessionScript(key.sessionId);
      expect(await store.commit(key, script.batch(0, [script.user()]).request)).toEqual({
        ok: false,
        reason: 'deleted',
        currentVersion: 0,
      });
      expect(await store.load(key)).toBeNull();
    });

    it('lets an explicit create bring a deleted session back, after which implicit commits land again', async () => {
      await sessionWithHistory();
      expect(await store.deleteSession(key)).toBe(true);

      const again = new SessionScript(key.sessionId, { maxTurnsPerSegment: 2 });
      expect(await store.commit(key, { ...again.create(), create: 'explicit' })).toEqual({
        ok: true,
        version: 1,
      });
      expect(await store.load(key)).toEqual({ session: again.session, version: 1 });
      // An explicit create of a session that is there is still a version_conflict.
      expect(await store.commit(key, { ...again.create(), create: 'explicit' })).toEqual({
        ok: false,
        reason: 'version_conflict',
        currentVersion: 1,
      });

      // Later commits (implicit, as the engine sends them) land.
      const batch = again.batch(1, [again.user(), again.assistant()]);
      expect(await store.commit(key, { ...batch.request, create: 'implicit' })).toEqual({
        ok: true,
        version: 2,
      });
      batch.accept();
      const next = again.batch(2, [again.user()]);
      expect(await store.commit(key, next.request)).toEqual({ ok: true, version: 3 });
      expect((await store.readEvents(key, 0, ALL)).map((e) => e.seq)).toEqual([0, 1, 2]);

      // Deleted again: tombstoned again.
      expect(await store.deleteSession(key)).toBe(true);
      const late = new SessionScript(key.sessionId);
      expect(await store.commit(key, late.batch(0, [late.user()]).request)).toMatchObject({
        ok: false,
        reason: 'deleted',
      });
    });

    it('never lets a late implicit create that races a delete leave the session behind', async () => {
      for (let round = 0; round < 5; round++) {
        const raced: SessionKey = { tenant: key.tenant, sessionId: `raced-${round}` };
        const script = new SessionScript(raced.sessionId);
        const [deleted, result] = await Promise.all([
          store.deleteSession(raced),
          store.commit(raced, script.batch(0, [script.user()]).request),
        ]);
        // Either the commit landed first and the delete erased it, or the delete came first and
        // the commit was refused: never a session after both.
        if (result.ok) expect(deleted).toBe(true);
        else expect(result).toEqual({ ok: false, reason: 'deleted', currentVersion: 0 });
        expect(await store.load(raced)).toBeNull();
        expect(await store.readEvents(raced, 0, ALL)).toEqual([]);
      }
    });

    it('keeps sessions of two tenants with the same session id apart', async () => {
      const acme: SessionKey = { tenant: 'acme', sessionId: 'shared-id' };
      const globex: SessionKey = { tenant: 'globex', sessionId: 'shared-id' };
      const a = await sessionWithHistory(acme);
      const g = new SessionScript('shared-id', { maxTurnsPerSegment: 9 });
      expect(await store.commit(globex, g.create())).toEqual({ ok: true, version: 1 });

      expect(await store.load(acme)).toEqual({ session: a.session, version: 3 });
      expect(await store.load(globex)).toEqual({ session: g.session, version: 1 });
      expect(await store.readEvents(globex, 0, ALL)).toEqual([]);
      const acmeIds = (await store.readEvents(acme, 0, ALL)).map((e) => e.eventId);
      expect(await store.consumedEventIds(globex, acmeIds)).toEqual(new Set());

      // The same eventIds are fresh for the other tenant.
      const gBatch = g.batch(1, [g.user({ eventId: acmeIds[0]! })]);
      expect(await store.commit(globex, gBatch.request)).toEqual({ ok: true, version: 2 });

      expect(await store.deleteSession(acme)).toBe(true);
      expect(await store.load(acme)).toBeNull();
      expect(await store.load(globex)).toMatchObject({ version: 2 });
      expect(await store.readEvents(globex, 0, ALL)).toHaveLength(1);
    });

    it('round-trips unicode, emoji, nested tool arguments and every JSON shape unchanged', async () => {
      const script = new SessionScript(key.sessionId);
      expect(await store.commit(key, script.create())).toEqual({ ok: true, version: 1 });
      const nested = {
        query: 'prévisions météo 東京 🌧️',
        filters: {
          range: { from: '2026-01-01', to: null },
          tags: [],
          empty: {},
          flags: [true, false],
        },
        matrix: [[1, 2], [3.5, -0.25], []],
        big: 9_007_199_254_740_991,
        tiny: 1e-12,
        quote: 'she said "hi" \\ and left\n\ttabbed',
      };
      const long = '🦜 Ünïcödé line — ok.\n'.repeat(11_000); // ~256 KB of UTF-8
      const batch = script.batch(1, [
        script.user({
          content: 'Salut 👋🏽! Что нового? 你好 — «ok» \u2028 \u0000 end',
          metadata: { lang: 'fr', nested: { deep: ['☃'] } },
        }),
        script.tool({
          tool: 'weather.lookup',
          arguments: nested,
          result: { forecast: [{ day: 'lun.', icon: '⛈' }], raw: [] },
        }),
        script.tool({
          tool: 'fails',
          arguments: {},
          result: null,
          error: 'timeout ⏱',
          success: false,
        }),
        script.assistant({
          content: long,
          usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 },
        }),
      ]);
      expect(await store.commit(key, batch.request)).toEqual({ ok: true, version: 2 });
      batch.accept();

      expect(await store.readEvents(key, 0, ALL)).toEqual(batch.request.appendEvents);
      expect(await store.load(key)).toEqual({ session: script.session, version: 2 });
      const [user, tool] = await store.readEvents(key, 0, 2);
      expect(user!.content).toBe('Salut 👋🏽! Что нового? 你好 — «ok» \u2028 \u0000 end');
      expect(tool!.arguments).toEqual(nested);
      expect((await store.readEvents(key, 3, 4))[0]!.content).toBe(long);
    });

    it('hands out copies: changing what it returned or what it was given does not change what it holds', async () => {
      const script = new SessionScript(key.sessionId);
      const create = script.create();
      expect(await store.commit(key, create)).toEqual({ ok: true, version: 1 });
      create.session.context.metadata['mutated'] = true;
      const loaded = await store.load(key);
      expect(loaded!.session.context.metadata['mutated']).toBeUndefined();
      loaded!.session.context.updatedAt = 'changed by the caller';
      expect((await store.load(key))!.session.context.updatedAt).not.toBe('changed by the caller');
    });
  });
}
