import type { RandomSource } from './seeded-random.ts';

/** The kinds of useless 200 answers the fake can give. */
export type GarbageKind = 'empty' | 'refusal' | 'noise';

/** The refusal text answered for `garbageKind: 'refusal'`. */
export const REFUSAL_TEXT = "I'm sorry, but I can't help with that request.";

const NOISE_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789 \n!?#%&*;:~^';

/**
 * The content of a garbage answer: an empty string, a refusal, or `noiseChars` characters of
 * noise drawn from `random` (reproducible under a seed).
 */
export function garbageReply(kind: GarbageKind, random: RandomSource, noiseChars: number): string {
  if (kind === 'empty') return '';
  if (kind === 'refusal') return REFUSAL_TEXT;
  const chars = new Array<string>(noiseChars);
  for (let i = 0; i < noiseChars; i++) {
    chars[i] = NOISE_ALPHABET[Math.floor(random() * NOISE_ALPHABET.length)] ?? ' ';
  }
  return chars.join('');
}
