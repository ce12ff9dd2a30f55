import { describe, expect, it } from 'vitest';
import { UnrecoverableError } from 'bullmq';
import { ReplyError } from 'ioredis';
import { MaxRetriesPerRequestError } from 'ioredis/built/errors/index.js';
import { ValidationError } from '@threadline/core';
import { CommitContentionError } from '@threadline/engine';
import { isPoison, isTransient } from './transient-retry.ts';

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
