/**
 * How many of something long-lived each tenant may hold at once, in this process: reads waiting
 * with `waitFor` (each holds a connection and a poll of Redis for up to 30 s) and open event
 * streams. Without a cap one tenant's thousands of them slow every tenant's reads.
 */
export class TenantSlots {
  readonly #waiting = new Map<string, number>();
  #total = 0;

  constructor(
    /** Slots each tenant may hold. */
    readonly maxPerTenant: number,
  ) {
    if (!Number.isSafeInteger(maxPerTenant) || maxPerTenant < 1)
      throw new Error(`maxPerTenant: expected a whole number of at least 1, got ${maxPerTenant}`);
  }

  /** Takes a slot for `tenant`; false when it holds `maxPerTenant` already. */
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

  /** Slots held now, every tenant together. */
  get total(): number {
    return this.#total;
  }
}

/** @defaultValue of `ServerOptions.maxWaitingReadsPerTenant` */
export const DEFAULT_MAX_WAITING_READS_PER_TENANT = 100;
