import { UnrecoverableError } from 'bullmq';
import { ReplyError } from 'ioredis';
import { MaxRetriesPerRequestError } from 'ioredis/built/errors/index.js';
import { ValidationError } from '@threadline/core';
import { CommitContentionError } from '@threadline/engine';

export interface RetryPolicy {
  /** First wait; doubles each time, with full jitter. @defaultValue 50 */
  baseMs: number;
  /** Longest wait between two tries. @defaultValue 2000 */
  maxMs: number;
  /**
   * Tries of an error we do not recognise as transient (a bug) before the job is failed so
   * that its partition moves on; it stays in `failed` for a replay. @defaultValue 5
   */
  unknownErrorAttempts: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseMs: 50,
  maxMs: 2000,
  unknownErrorAttempts: 5,
};

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTCONN',
  'EAI_AGAIN',
]);

/**
 * Redis error replies worth waiting out, by their code (the first word of the reply, which is
 * Redis's protocol for error types): loading or busy, a cluster resharding or failing over, a
 * replica answering, memory full.
 */
const TRANSIENT_REPLY_CODES = new Set([
  'LOADING',
  'BUSY',
  'TRYAGAIN',
  'CLUSTERDOWN',
  'MOVED',
  'ASK',
  'READONLY',
  'MASTERDOWN',
  'OOM',
]);

/**
 * Errors worth waiting out, decided by type: a lost commit race (CommitContentionError), ioredis
 * giving up on a request (MaxRetriesPerRequestError), a socket error code, a Redis reply whose
 * code is transient. ioredis rejects commands on a closed connection with a plain Error (no
 * type, no code), so that one case alone is recognised by its message.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof CommitContentionError || error instanceof MaxRetriesPerRequestError)
    return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: string }).code;
  if (code && TRANSIENT_CODES.has(code)) return true;
  if (error instanceof ReplyError)
    return TRANSIENT_REPLY_CODES.has(error.message.split(' ', 1)[0] ?? '');
  return /^(Connection is closed|Stream isn't writeable)/.test(error.message);
}

/** Errors that no retry can fix: bad payloads. */
export function isPoison(error: unknown): boolean {
  return error instanceof UnrecoverableError || error instanceof ValidationError;
}

/**
 * Runs `work`, retrying transient failures in place (the job keeps its lock, so nothing behind it
 * in the partition overtakes it), with exponential backoff and full jitter. Poison fails at once
 * (UnrecoverableError); an unknown error fails after a few tries. A transient error is waited
 * out for as long as it lasts: if the process is stopped meanwhile, the job's lock expires and
 * another worker takes it from the head of the partition.
 */
export async function retryInPlace<T>(
  work: () => Promise<T>,
  options: {
    policy?: RetryPolicy;
    onRetry?: (error: unknown, attempt: number, waitMs: number) => void;
  } = {},
): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  let unknown = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (isPoison(error))
        throw error instanceof UnrecoverableError
          ? error
          : new UnrecoverableError((error as Error).message);
      if (!isTransient(error) && ++unknown >= policy.unknownErrorAttempts)
        throw new UnrecoverableError(
          `gave up after ${attempt} attempts: ${(error as Error).message}`,
        );
      const waitMs = Math.round(
        Math.random() * Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt - 1, 16)),
      );
      options.onRetry?.(error, attempt, waitMs);
      await new Promise((r) => setTimeout(r, waitMs));
    }
  }
}
