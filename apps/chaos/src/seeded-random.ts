import { createRandom } from '@threadline/testing';

/** Uniform numbers in [0, 1), and the few draws the chaos run makes from them. */
export interface Random {
  (): number;
}

/**
 * mulberry32 (libs/testing's): the same seed gives the same sequence, so that the conversations, their batching
 * and the resend schedule of a run can be replayed from its seed. (The fault timing depends on
 * the machine, so a whole run never replays exactly: the seed fixes what is sent, not when.)
 */
export function seededRandom(seed: number): Random {
  return createRandom(seed);
}

/** A whole number in [min, max]. */
export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** One element of a non-empty list. */
export function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/** A seed of its own for part `index` of a run, so that each part's draws do not shift the others'. */
export function deriveSeed(seed: number, index: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(index + 1, 0xc2b2ae35)) >>> 0;
}
