import { describe, expect, it } from 'vitest';
import {
  acceptEvents,
  SessionExistsError,
  SessionNotFoundError,
  WaitTimeoutError,
  type AcceptedEvent,
  nextSeqOf,
} from '@threadline/core';
import type { Runtime, SessionChange } from '../src/index.ts';

/** Collects what a watch yields, in the background, until it ends. */
export function collect(changes: AsyncIterable<SessionChange>) {
  const seen: SessionChange[] = [];
  const done = (async () => {
    for await (const change of changes) seen.push(change);
  })();
  return {
    seen,
    done,
    async until(match: (seen: SessionChange[]) => boolean, timeoutMs = 10_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!match(seen)) {
        if (Date.now() > deadline) throw new Error(`not seen in: ${JSON.stringify(seen)}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
}

/**
 * What every runtime's gateway does, the same way: run by libs/runtime/test (the embedded
 * runtime) and by apps/session-worker/test (the Redis runtime with a session worker applying,
 * which this lib may not depend on). `make` gives a runtime of a fresh tenant space; each test
 * uses its own session ids.
 */
export function gatewayContract(name: string, make: () => Runtime): void {
  let n = 0;
  const id = (what: string) => `${what}-${Date.now().toString(36)}-${++n}`;
  const user = (rt: Runtime, sessionId: string, content: string, eventId?: string) =>
    acceptEvents([{ type: 'user_message', sessionId, content, ...(eventId ? { eventId } : {}) }], {
      now: rt.now(),
      newEventId: () => rt.newEventId(),
    }) as AcceptedEvent[];

  describe(`session gateway contract: ${name}`, () => {
    it('creates a session once: a second create is SessionExistsError, open is idempotent', async () => {
      const rt = make();
      const sessionId = id('create');
      const made = await rt.create({ sessionId, systemPrompt: 'Be brief.' });
      expect(made.session.context.systemPrompt).toBe('Be brief.');
      await expect(rt.create({ sessionId })).rejects.toBeInstanceOf(SessionExistsError);
      const again = await rt.open({ sessionId, systemPrompt: 'ignored: it exists' });
      expect(again.created).toBe(false);
      expect(again.session.context.systemPrompt).toBe('Be brief.');
      const fresh = await rt.open({ sessionId: id('open') });
      expect(fresh.created).toBe(true);
      // Concurrent opens of one new id: exactly one creates it, none fails.
      const racing = id('race');
      const results = await Promise.all([1, 2, 3, 4].map(() => rt.open({ sessionId: racing })));
      expect(results.filter((r) => r.created)).toHaveLength(1);
    });

    it('answers SessionNotFoundError for reads of a session that does not exist', async () => {
      const rt = make();
      const missing = id('missing');
      await expect(rt.session(missing)).rejects.toBeInstanceOf(SessionNotFoundError);
      await expect(rt.export(missing)).rejects.toBeInstanceOf(SessionNotFoundError);
      await expect(rt.delete(missing)).resolves.toBe(false);
    });

    it('refuses a mustExist submit to an unknown session and enqueues nothing', async () => {
      const rt = make();
      const sessionId = id('must-exist');
      const events = user(rt, sessionId, 'hello');
      await expect(rt.submit(sessionId, events, { mustExist: true })).rejects.toBeInstanceOf(
        SessionNotFoundError,
      );
      // Nothing was delivered: the session is still not there after the runtime settles.
      await rt.idle();
      await expect(rt.session(sessionId)).rejects.toBeInstanceOf(SessionNotFoundError);
    });

    it('refuses events of another session than the one named', async () => {
      const rt = make();
      const events = user(rt, id('other'), 'hello');
      await expect(rt.submit(id('this'), events)).rejects.toThrow(/is for session/);
    });

    it('creates a session implicitly on submit, and waitFor sees the event applied', async () => {
      const rt = make();
      const sessionId = id('implicit');
      const [eventId] = await rt.submit(sessionId, user(rt, sessionId, 'I live in Oslo.'));
      await rt.waitFor(sessionId, eventId!, { timeoutMs: 10_000 });
      const conversation = await rt.conversation(sessionId, {});
      expect(conversation.map((e) => e.content)).toEqual(['I live in Oslo.']);
      const window = await rt.messages(sessionId, { budget: 1000 });
      expect(window.messages.at(-1)?.content).toBe('I live in Oslo.');
      expect((await rt.stats(sessionId, {})).totalMessages).toBe(1);
    });

    it('applies a resent eventId once', async () => {
      const rt = make();
      const sessionId = id('resend');
      await rt.open({ sessionId });
      const eventId = `evt-${id('x')}`;
      await rt.submit(sessionId, user(rt, sessionId, 'once', eventId));
      await rt.waitFor(sessionId, eventId, { timeoutMs: 10_000 });
      const second = `evt-${id('y')}`;
      await rt.submit(sessionId, user(rt, sessionId, 'once', eventId));
      await rt.submit(sessionId, user(rt, sessionId, 'twice', second));
      await rt.waitFor(sessionId, second, { timeoutMs: 10_000 });
      const conversation = await rt.conversation(sessionId, {});
      expect(conversation.map((e) => e.content)).toEqual(['once', 'twice']);
    });

    it('waitFor: SessionNotFoundError for an unknown session, WaitTimeoutError for an event never sent', async () => {
      const rt = make();
      await expect(rt.waitFor(id('nobody'), 'evt-1', { timeoutMs: 200 })).rejects.toBeInstanceOf(
        SessionNotFoundError,
      );
      const sessionId = id('wait');
      await rt.open({ sessionId });
      const error = await rt
        .waitFor(sessionId, 'never-sent', { timeoutMs: 150 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WaitTimeoutError);
      expect((error as WaitTimeoutError).timeoutMs).toBe(150);
    });

    // Answered at the first check; a wait that ran to its 30 s timeout would hit the 20 s limit.
    it('waitFor with mustExist: SessionNotFoundError at once for an unknown session', async () => {
      const rt = make();
      await expect(
        rt.waitFor(id('nobody'), 'evt-1', { timeoutMs: 30_000, mustExist: true }),
      ).rejects.toBeInstanceOf(SessionNotFoundError);
    }, 20_000);

    it('waitFor returns quietly, before its timeout, when its signal aborts', async () => {
      const rt = make();
      const sessionId = id('abort');
      await rt.open({ sessionId });
      const controller = new AbortController();
      const started = Date.now();
      setTimeout(() => controller.abort(), 50);
      await rt.waitFor(sessionId, 'never-sent', { timeoutMs: 30_000, signal: controller.signal });
      expect(Date.now() - started).toBeLessThan(30_000);
    });

    it('keeps tenants apart: another tenant sees none of this one’s session of the same id', async () => {
      const rt = make();
      const other = rt.forTenant(`${rt.tenant}-other`);
      expect(other.tenant).toBe(`${rt.tenant}-other`);
      const sessionId = id('shared-name');
      const [eventId] = await rt.submit(sessionId, user(rt, sessionId, 'mine'));
      await rt.waitFor(sessionId, eventId!, { timeoutMs: 10_000 });
      await expect(other.session(sessionId)).rejects.toBeInstanceOf(SessionNotFoundError);
      await expect(other.delete(sessionId)).resolves.toBe(false);
      expect(nextSeqOf((await rt.session(sessionId)).session.context)).toBe(1);
    });

    it('tells a watcher of the events applied and the segments sealed, in order, and of a delete', async () => {
      const rt = make();
      const sessionId = id('watch');
      await rt.create({ sessionId, infiniteContext: true, maxTurnsPerSegment: 2 });
      const stop = new AbortController();
      await expect(rt.watch(id('watch-missing'), { signal: stop.signal })).rejects.toBeInstanceOf(
        SessionNotFoundError,
      );
      const watch = collect(
        await rt.watch(sessionId, { signal: stop.signal, pollMinMs: 5, pollMaxMs: 20 }),
      );
      for (const content of ['one', 'two', 'three'])
        await rt.submit(sessionId, user(rt, sessionId, content));
      await watch.until((seen) => seen.some((c) => c.type === 'events.applied' && c.toSeq === 3));
      const applied = watch.seen.flatMap((c) => (c.type === 'events.applied' ? [c] : []));
      // Every seq once, in order, however the commits were grouped.
      expect(applied[0]!.fromSeq).toBe(0);
      applied.forEach((c, i) => i > 0 && expect(c.fromSeq).toBe(applied[i - 1]!.toSeq));
      expect(watch.seen.filter((c) => c.type === 'segment.sealed')).toEqual([
        expect.objectContaining({ segmentIndex: 0, segmentId: `${sessionId}.s0` }),
      ]);
      const versions = watch.seen.map((c) => c.version);
      expect(versions).toEqual([...versions].sort((a, b) => a - b));
      await rt.delete(sessionId);
      await watch.done;
      expect(watch.seen.at(-1)).toEqual({ type: 'session.deleted', version: 0 });
    });

    it('ends a watch when its signal aborts', async () => {
      const rt = make();
      const sessionId = id('watch-stop');
      await rt.create({ sessionId });
      const stop = new AbortController();
      const watch = collect(await rt.watch(sessionId, { signal: stop.signal, pollMaxMs: 10_000 }));
      stop.abort();
      await watch.done;
      expect(watch.seen).toEqual([]);
    });

    it('exports a session as JSON lines and deletes it whole', async () => {
      const rt = make();
      const sessionId = id('export');
      const [eventId] = await rt.submit(sessionId, user(rt, sessionId, 'export me'));
      await rt.waitFor(sessionId, eventId!, { timeoutMs: 10_000 });
      const lines: string[] = [];
      for await (const line of await rt.export(sessionId)) lines.push(line);
      expect(lines.join('')).toContain('export me');
      for (const line of lines.join('').trim().split('\n'))
        expect(() => JSON.parse(line)).not.toThrow();
      await expect(rt.delete(sessionId)).resolves.toBe(true);
      await expect(rt.session(sessionId)).rejects.toBeInstanceOf(SessionNotFoundError);
    });

    it('treats a session deleted and created again as a new life: the same eventIds are applied again and its segments summarized again', async () => {
      const rt = make();
      const sessionId = id('lives');
      const config = { sessionId, infiniteContext: true, maxTurnsPerSegment: 2 };
      const ids = ['turn-a', 'turn-b', 'turn-c'];
      const converse = async (life: string) => {
        for (const eventId of ids)
          await rt.submit(sessionId, user(rt, sessionId, `${life}: ${eventId}`, eventId), {
            mustExist: true,
          });
        await rt.waitFor(sessionId, ids.at(-1)!, { timeoutMs: 10_000 });
        await rt.idle();
      };
      const first = await rt.create(config);
      await converse('first');
      expect((await rt.chain(sessionId))[0]!.status).toBe('summarized');

      await rt.delete(sessionId);
      const second = await rt.create(config);
      expect(second.session.context.life).not.toBe(first.session.context.life);
      await converse('second');
      const { session } = await rt.session(sessionId);
      expect(session.value).toBe('active');
      expect(session.context.summaries.made).toBe(1);
      const [segment0] = await rt.chain(sessionId);
      expect(segment0!.status).toBe('summarized');
      const { messages } = await rt.messages(sessionId, {});
      expect(JSON.stringify(messages)).not.toContain('first:');
      const conversation = await rt.conversation(sessionId, { allSegments: true });
      expect(JSON.stringify(conversation)).toContain('second: turn-c');
      expect(JSON.stringify(conversation)).not.toContain('first:');
    });

    it('erases every session of a subject, and only those', async () => {
      const rt = make();
      const subject = id('subject');
      const [s1, s2, s3] = [id('subj'), id('subj'), id('subj')];
      await rt.create({ sessionId: s1!, subjectId: subject });
      await rt.create({ sessionId: s2!, subjectId: subject });
      await rt.create({ sessionId: s3!, subjectId: `${subject}-other` });
      for (const sessionId of [s1!, s3!]) {
        const [eventId] = await rt.submit(sessionId, user(rt, sessionId, 'hello'), {
          mustExist: true,
        });
        await rt.waitFor(sessionId, eventId!, { timeoutMs: 10_000 });
      }
      expect((await rt.session(s1!)).session.context.subjectId).toBe(subject);
      expect(await rt.eraseSubject(subject)).toEqual([s1, s2].sort());
      await expect(rt.session(s1!)).rejects.toBeInstanceOf(SessionNotFoundError);
      await expect(rt.session(s2!)).rejects.toBeInstanceOf(SessionNotFoundError);
      expect((await rt.session(s3!)).session.context.subjectId).toBe(`${subject}-other`);
      expect(await rt.eraseSubject(subject)).toEqual([]);
      await expect(rt.eraseSubject('not an id')).rejects.toThrow(/subjectId/);
    });
  });
}
