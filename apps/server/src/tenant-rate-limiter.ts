export interface RateLimitOptions {
  /**
   * Requests per second a tenant may sustain (the bucket refills at this rate).
   *
   * @defaultValue 1000
   */
  ratePerSecond: number;
  /**
   * Requests a tenant may make at once after a quiet spell (the bucket's size).
   *
   * @defaultValue 2000
   */
  burst: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { ratePerSecond: 1000, burst: 2000 };

export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * A token bucket per tenant, in this process: each request takes a token; tokens come back at
 * `ratePerSecond` up to `burst`. With N server processes a tenant gets N times the rate (put a
 * shared limiter in front for a global one). Tenants are the configured ones, so the map is
 * bounded.
 */
export class TenantRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly options: RateLimitOptions,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(options.ratePerSecond > 0) || !(options.burst >= 1))
      throw new RangeError('rateLimit: expected ratePerSecond > 0 and burst >= 1');
  }

  take(tenant: string): RateDecision {
    const now = this.now();
    const { ratePerSecond, burst } = this.options;
    const bucket = this.buckets.get(tenant) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * ratePerSecond);
    bucket.at = now;
    this.buckets.set(tenant, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    const seconds = (1 - bucket.tokens) / ratePerSecond;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(seconds)) };
  }
}
