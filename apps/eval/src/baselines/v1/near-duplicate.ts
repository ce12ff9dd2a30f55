// FROZEN COPY of libs/core/src/summary/near-duplicate.ts at commit 1ad38c6 (before the context-quality
// issue), kept for measurement only: the v1 baseline of `npm run eval`. Never edit it.

/**
 * Near-identical sentences, so that a summary says a thing once ("The budget is $3,200" and
 * "So the budget is $3,200." are one fact; "$3,200" and "$3,500" are two).
 */

/** Words too common to tell two sentences apart. */
const STOP_WORDS = new Set(
  (
    'a an the and or but so to of in on at for with by from as is are was were be been it its ' +
    'this that these those i you we they he she me my your our their us do does did just also then ' +
    'user assistant'
  ).split(' '),
);

/** Share of the larger sentence's words the two must have in common to be duplicates. */
const OVERLAP_OF_LARGER = 0.8;

/** The comparable form of a sentence: its content words and, separately, its numbers. */
export interface SentenceFingerprint {
  words: ReadonlySet<string>;
  numbers: string;
}

export function fingerprint(sentence: string): SentenceFingerprint {
  const words = new Set<string>();
  for (const word of sentence.toLowerCase().split(/[^\p{L}\p{N}$€£%.@_-]+/u)) {
    const trimmed = word.replace(/^[.\-_]+|[.\-_]+$/g, '');
    if (trimmed && !STOP_WORDS.has(trimmed)) words.add(trimmed);
  }
  const numbers = (sentence.match(/\d+(?:[.,:]\d+)*/g) ?? []).join(' ');
  return { words, numbers };
}

/**
 * True when two sentences say the same thing: the same numbers, in the same order, and at
 * least 80% of the larger one's content words shared.
 */
export function isNearDuplicate(a: SentenceFingerprint, b: SentenceFingerprint): boolean {
  if (a.numbers !== b.numbers) return false;
  const larger = Math.max(a.words.size, b.words.size);
  if (larger === 0) return true;
  let shared = 0;
  for (const word of a.words) if (b.words.has(word)) shared++;
  return shared / larger >= OVERLAP_OF_LARGER;
}
