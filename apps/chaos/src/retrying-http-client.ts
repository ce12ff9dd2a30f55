import { setTimeout as sleep } from 'node:timers/promises';

/** The API answered a request the client contract says is valid with a refusal (a 4xx): a bug. */
export class RequestRefusedError extends Error {
  override readonly name = 'RequestRefusedError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Statuses that mean "not now": the same request, with the same eventIds, is sent again. */
const RETRIED_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

export interface RetryingHttpClientOptions {
  baseUrl: string;
  apiKey: string;
  /** Ends every wait and request at once (the run is stopping). */
  signal: AbortSignal;
  /** One attempt gives up after this. @defaultValue 15000 */
  requestTimeoutMs?: number;
  /** Longest wait between two attempts; a longer Retry-After is cut to it. @defaultValue 1000 */
  maxBackoffMs?: number;
}

/**
 * A platform's client as the contract asks: a request that fails because the service is
 * unavailable (a 5xx, a 429, a connection refused or reset, a timeout) is sent again, unchanged
 * (same eventIds), until it is answered. Backoff from 50 ms doubling to `maxBackoffMs` with full
 * jitter; a Retry-After shorter than that is honoured. Every retry is counted, by reason.
 */
export class RetryingHttpClient {
  private readonly base: string;
  private readonly retries = new Map<string, number>();

  constructor(private readonly options: RetryingHttpClientOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
  }

  /** Retries made so far, by reason (`503`, `ECONNRESET`, `timeout` …). */
  retriesByReason(): Record<string, number> {
    return Object.fromEntries([...this.retries].sort((a, b) => b[1] - a[1]));
  }

  totalRetries(): number {
    let n = 0;
    for (const count of this.retries.values()) n += count;
    return n;
  }

  /**
   * Sends the request until it gets one of `expected` (resolved with it and its JSON body),
   * retrying what the contract says to retry; another status throws {@link RequestRefusedError}.
   */
  async request(
    method: string,
    path: string,
    body: unknown,
    expected: readonly number[],
  ): Promise<{ status: number; body: unknown }> {
    const answer = await this.send(method, path, body, expected);
    return {
      status: answer.status,
      body: answer.text ? (JSON.parse(answer.text) as unknown) : null,
    };
  }

  /** The same, for an answer that is not one JSON value (the NDJSON export). */
  async requestText(
    method: string,
    path: string,
    expected: readonly number[],
  ): Promise<{ status: number; text: string }> {
    return this.send(method, path, undefined, expected);
  }

  private async send(
    method: string,
    path: string,
    body: unknown,
    expected: readonly number[],
  ): Promise<{ status: number; text: string }> {
    const { signal } = this.options;
    const maxBackoff = this.options.maxBackoffMs ?? 1000;
    for (let attempt = 1; ; attempt++) {
      signal.throwIfAborted();
      let reason: string;
      let retryAfterMs: number | null = null;
      try {
        const response = await fetch(`${this.base}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${this.options.apiKey}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.any([
            signal,
            AbortSignal.timeout(this.options.requestTimeoutMs ?? 15_000),
          ]),
        });
        const text = await response.text();
        if (expected.includes(response.status)) return { status: response.status, text };
        if (!RETRIED_STATUSES.has(response.status))
          throw new RequestRefusedError(
            response.status,
            `${method} ${path}: ${response.status} ${text.slice(0, 300)}`,
          );
        reason = String(response.status);
        const header = Number(response.headers.get('retry-after'));
        if (Number.isFinite(header) && header >= 0) retryAfterMs = header * 1000;
      } catch (error) {
        if (error instanceof RequestRefusedError) throw error;
        signal.throwIfAborted();
        reason = failureReason(error);
      }
      this.retries.set(reason, (this.retries.get(reason) ?? 0) + 1);
      const backoff = Math.random() * Math.min(maxBackoff, 50 * 2 ** Math.min(attempt, 10));
      await sleep(Math.min(maxBackoff, Math.max(backoff, retryAfterMs ?? 0)), undefined, {
        signal,
      });
    }
  }
}

/** A short name for why a fetch failed: the socket error code, or `timeout`. */
function failureReason(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return 'timeout';
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code ?? (error instanceof Error ? error.name : 'network');
}
