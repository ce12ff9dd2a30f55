/** A source of uniform numbers in [0, 1). */
export type RandomSource = () => number;

/**
 * A deterministic PRNG (mulberry32) when `seed` is given, so that a run can be replayed
 * exactly; Math.random otherwise.
 */
export function createRandom(seed?: number): RandomSource {
  if (seed === undefined) return Math.random;
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
