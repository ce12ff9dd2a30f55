/**
 * How many reads with `waitFor` each tenant may have waiting at once, in this process. A waiting
 * read holds a connection and a poll of Redis for up to 30 s; without a cap one tenant's
 * thousands of waiters slow every tenant's reads.
 */
export class WaitingReadsLimit {
  readonly #waiting = new Map<string, number>();
  #total = 0;

  constructor(
    /** Waiting reads allowed per tenant. */
    readonly maxPerTenant: number,
  ) {
    if (!Number.isSafeInteger(maxPerTenant) || maxPerTenant < 1)
      throw new Error(`maxPerTenant: expected a whole number of at least 1, got ${maxPerTenant}`);
  }

  /** Takes a place for one of `tenant`'s reads; false when it has `maxPerTenant` waiting already. */
  enter(tenant: string): boolean {
    const now = this.#waiting.get(tenant) ?? 0;
    if (now >= this.maxPerTenant) return false;
    this.#waiting.set(tenant, now + 1);
    this.#total++;
    return true;
  }

  /** Gives back the place taken by {@link enter}. */
  leave(tenant: string): void {
    const now = this.#waiting.get(tenant) ?? 0;
    if (now <= 1) this.#waiting.delete(tenant);
    else this.#waiting.set(tenant, now - 1);
    if (now > 0) this.#total--;
  }

  /** Reads waiting now, every tenant together. */
  get total(): number {
    return this.#total;
  }
}

/** @defaultValue of `ServerOptions.maxWaitingReadsPerTenant` */
export const DEFAULT_MAX_WAITING_READS_PER_TENANT = 100;
