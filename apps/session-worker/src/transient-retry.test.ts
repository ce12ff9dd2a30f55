import { describe, expect, it, vi } from 'vitest';
import { UnrecoverableError } from 'bullmq';
import { ReplyError } from 'ioredis';
import { MaxRetriesPerRequestError } from 'ioredis/built/errors/index.js';
import { ValidationError } from '@threadline/core';
import { CommitContentionError } from '@threadline/engine';
import { DEFAULT_RETRY_POLICY, isPoison, isTransient, retryInPlace } from './transient-retry.ts';

describe('retries are decided by the type of the error', () => {
  it('waits out a lost commit race, ioredis giving up, socket codes and transient Redis replies', () => {
    expect(isTransient(new CommitContentionError({ tenant: 't', sessionId: 's' }, 5))).toBe(true);
    expect(isTransient(new MaxRetriesPerRequestError(3))).toBe(true);
    expect(
      isTransient(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
    ).toBe(true);
    for (const reply of [
      'LOADING Redis is loading',
      'BUSY Redis is busy running a script',
      "READONLY You can't write against a read only replica.",
      "OOM command not allowed when used memory > 'maxmemory'.",
    ])
      expect(isTransient(new ReplyError(reply))).toBe(true);
    expect(isTransient(new Error('Connection is closed.'))).toBe(true);
  });

  it('does not wait out a bug, a Redis error that is not transient, or an error only named like one', () => {
    expect(isTransient(new ReplyError('ERR wrong number of arguments'))).toBe(false);
    expect(isTransient(new ReplyError('WRONGTYPE Operation against a key'))).toBe(false);
    expect(isTransient(new TypeError('x is undefined'))).toBe(false);
    const impostor = new Error('commit lost');
    impostor.name = 'CommitContentionError';
    expect(isTransient(impostor)).toBe(false);
    expect(isTransient(new Error('user said: LOADING BUSY'))).toBe(false);
    expect(isTransient('LOADING')).toBe(false);
  });

  it('fails bad payloads at once', () => {
    expect(isPoison(new ValidationError([{ path: 'x', rule: 'y' }]))).toBe(true);
    expect(isPoison(new UnrecoverableError('bad'))).toBe(true);
    expect(isPoison(new Error('bug'))).toBe(false);
  });
});

describe('retrying in place', () => {
  const transient = () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
  /** A `work` that throws each of `errors` in turn, then answers 'done'; counts its calls. */
  function failing(errors: unknown[]) {
    const calls = { n: 0 };
    const work = async () => {
      const error = errors[calls.n++];
      if (error !== undefined) throw error;
      return 'done';
    };
    return { work, calls };
  }
  const policy = { baseMs: 4, maxMs: 20, unknownErrorAttempts: 3 };

  it('waits out transient errors for as long as they last, then returns the answer', async () => {
    const { work, calls } = failing(Array.from({ length: 8 }, transient));
    const retries: Array<[number, number]> = [];
    const answer = await retryInPlace(work, {
      policy,
      onRetry: (error, attempt, waitMs) => {
        expect((error as { code?: string }).code).toBe('ECONNRESET');
        retries.push([attempt, waitMs]);
      },
    });
    expect(answer).toBe('done');
    expect(calls.n).toBe(9);
    // More transient failures than unknownErrorAttempts: they do not count toward giving up.
    expect(retries.map(([attempt]) => attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('backs off exponentially from baseMs up to maxMs, with full jitter', async () => {
    const random = vi.spyOn(Math, 'random');
    try {
      random.mockReturnValue(0.999999);
      const top: number[] = [];
      await retryInPlace(failing(Array.from({ length: 6 }, transient)).work, {
        policy,
        onRetry: (_e, _a, waitMs) => top.push(waitMs),
      });
      // 4, 8, 16, then capped at 20.
      expect(top).toEqual([4, 8, 16, 20, 20, 20]);
      random.mockReturnValue(0.5);
      const half: number[] = [];
      await retryInPlace(failing(Array.from({ length: 4 }, transient)).work, {
        policy,
        onRetry: (_e, _a, waitMs) => half.push(waitMs),
      });
      expect(half).toEqual([2, 4, 8, 10]);
      random.mockReturnValue(0);
      const none: number[] = [];
      await retryInPlace(failing([transient(), transient()]).work, {
        policy,
        onRetry: (_e, _a, waitMs) => none.push(waitMs),
      });
      expect(none).toEqual([0, 0]);
    } finally {
      random.mockRestore();
    }
  });

  it('really waits between tries', async () => {
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.999999);
    try {
      const started = performance.now();
      await retryInPlace(failing([transient(), transient(), transient()]).work, {
        policy: { baseMs: 40, maxMs: 1000, unknownErrorAttempts: 3 },
      });
      // 40 + 80 + 160 ms.
      expect(performance.now() - started).toBeGreaterThanOrEqual(270);
    } finally {
      random.mockRestore();
    }
  });

  it('gives up on an unknown error after unknownErrorAttempts tries, as UnrecoverableError', async () => {
    const { work, calls } = failing(
      Array.from({ length: 10 }, () => new TypeError('x is undefined')),
    );
    const retried: number[] = [];
    const error = await retryInPlace(work, {
      policy,
      onRetry: (_e, attempt) => retried.push(attempt),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnrecoverableError);
    expect((error as Error).message).toBe('gave up after 3 attempts: x is undefined');
    expect(calls.n).toBe(3);
    expect(retried).toEqual([1, 2]);
  });

  it('counts only unknown errors toward giving up, not the transient ones between them', async () => {
    const bug = () => new Error('bug');
    const { work, calls } = failing([bug(), transient(), transient(), bug(), transient(), bug()]);
    const error = await retryInPlace(work, { policy }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnrecoverableError);
    expect((error as Error).message).toBe('gave up after 6 attempts: bug');
    expect(calls.n).toBe(6);
    // Two unknown errors among transient ones: still going.
    const recovering = failing([bug(), transient(), bug(), transient()]);
    await expect(retryInPlace(recovering.work, { policy })).resolves.toBe('done');
    expect(recovering.calls.n).toBe(5);
  });

  it('fails a bad payload at once, as UnrecoverableError, without retrying', async () => {
    const invalid = failing([
      new ValidationError([{ path: 'events[0].content', rule: 'expected a string' }]),
    ]);
    const error = await retryInPlace(invalid.work, { policy }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnrecoverableError);
    expect((error as Error).message).toContain('events[0].content');
    expect(invalid.calls.n).toBe(1);
    const unrecoverable = new UnrecoverableError('refused');
    const given = failing([unrecoverable]);
    await expect(retryInPlace(given.work, { policy })).rejects.toBe(unrecoverable);
    expect(given.calls.n).toBe(1);
  });

  it('uses the default policy when given none (first waits within 50 ms)', async () => {
    expect(DEFAULT_RETRY_POLICY).toEqual({ baseMs: 50, maxMs: 2000, unknownErrorAttempts: 5 });
    const waits: number[] = [];
    const { work, calls } = failing(Array.from({ length: 6 }, () => new Error('bug')));
    const error = await retryInPlace(work, {
      onRetry: (_e, _a, waitMs) => waits.push(waitMs),
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('gave up after 5 attempts: bug');
    expect(calls.n).toBe(5);
    expect(waits[0]).toBeLessThanOrEqual(50);
    waits.forEach((w, i) => expect(w).toBeLessThanOrEqual(50 * 2 ** i));
  });
});
