import type { Rng } from './rng.ts';

/**
 * Every id-like string a conversation uses (planted values and the decoys around them: other
 * order ids, times, versions, paths…). A new value is refused when it equals, contains or is
 * contained in one already claimed (case-insensitive), so that a planted value can only be
 * found where it was planted: "SUP-4821" is never claimed next to "SUP-48213", nor "7:15" next
 * to "07:15".
 */
export class ValueRegistry {
  private readonly claimed: string[] = [];

  /** Draws with `make` until the value clashes with nothing claimed, and claims it. */
  claim(make: () => string, what = 'value'): string {
    for (let attempt = 0; attempt < 200; attempt++) {
      const value = make();
      if (this.isFree(value)) {
        this.claimed.push(value.toLowerCase());
        return value;
      }
    }
    throw new Error(`ValueRegistry: no free ${what} after 200 draws (pool too small?)`);
  }

  /** Claims one of `pool` (drawn in random order), or throws when every one clashes. */
  claimFrom(rng: Rng, pool: readonly string[], what: string): string {
    for (const value of rng.shuffle(pool)) {
      if (this.isFree(value)) {
        this.claimed.push(value.toLowerCase());
        return value;
      }
    }
    throw new Error(`ValueRegistry: every ${what} of the pool is taken`);
  }

  isFree(value: string): boolean {
    const v = value.toLowerCase();
    return !this.claimed.some((c) => c.includes(v) || v.includes(c));
  }
}
