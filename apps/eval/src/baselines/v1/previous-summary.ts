// FROZEN COPY of libs/core/src/summary/previous-summary.ts at commit 1ad38c6 (before the context-quality
// issue), kept for measurement only: the v1 baseline of `npm run eval`. Never edit it.

/**
 * Reading the previous summary back, so that a rolling summary can keep its most important
 * lines when it has to be compressed.
 *
 * A previous summary is either one of ours (sections "Earlier:", "User asked:",
 * "Decisions:", "Facts:", "Tools:" with "- " bullets) or free prose from an LLM. Both become
 * a flat list of units, each scored like a sentence of the conversation, so that the
 * budget keeps the user's requests, decisions and fact-bearing lines first.
 */

import { isNearDuplicate, fingerprint } from './near-duplicate.ts';
import {
  assistantFactScore,
  decisionScore,
  factWeight,
  isDecision,
  isFiller,
  isRecommendation,
  recommendationScore,
  requestScore,
  toolCallScore,
  userFactScore,
} from './salience.ts';
import { splitIntoSentences } from './sentence-splitter.ts';

/** One line of the previous summary as it will appear under "Earlier:". */
export interface EarlierUnit {
  text: string;
  /** Position in the previous summary. */
  order: number;
  score: number;
}

type SourceSection = 'earlier' | 'asked' | 'decisions' | 'facts' | 'tools' | 'prose';

const SECTION_HEADERS: ReadonlyArray<readonly [RegExp, SourceSection]> = [
  [/^earlier:\s*/i, 'earlier'],
  [/^user asked:\s*/i, 'asked'],
  [/^decisions:\s*/i, 'decisions'],
  [/^facts:\s*/i, 'facts'],
  [/^tools:\s*/i, 'tools'],
];

/**
 * A request from an earlier segment has usually been answered since: what was decided and
 * stated matters more now than what was asked.
 */
const EARLIER_REQUEST_DISCOUNT = 1;

/**
 * What a line of an older summary, already folded in once, loses against a line of the
 * previous segment's own content with the same signals: the newer line wins a tie.
 */
const OLDER_LINE_PENALTY = 1;

/** The units of `summary`, in order, deduplicated; `[]` for an empty summary. */
export function parsePreviousSummary(summary: string): EarlierUnit[] {
  const units: EarlierUnit[] = [];
  const seen: ReturnType<typeof fingerprint>[] = [];
  let section: SourceSection = 'prose';

  const add = (raw: string): void => {
    for (const sentence of bulletOrSentences(raw)) {
      if (isFiller(sentence)) continue;
      const text = foldedText(sentence, section);
      const print = fingerprint(text);
      if (seen.some((other) => isNearDuplicate(other, print))) continue;
      seen.push(print);
      units.push({ text, order: units.length, score: scoreUnit(text, section) });
    }
  };

  for (const rawLine of summary.split(/\r?\n/)) {
    let line = rawLine.trim();
    if (!line) continue;
    for (const [header, name] of SECTION_HEADERS) {
      if (header.test(line)) {
        section = name;
        line = line.replace(header, '');
        break;
      }
    }
    if (line) add(line);
  }
  return units;
}

/**
 * The line as it reads under "Earlier:", where the section headers are gone: requests keep
 * "User asked:" and tool lines "Tool " in front (decisions and facts already name who
 * said them).
 */
function foldedText(sentence: string, section: SourceSection): string {
  if (section === 'asked' && !/^user asked:/i.test(sentence)) return `User asked: ${sentence}`;
  if (section === 'tools' && !/^tool /i.test(sentence)) return `Tool ${sentence}`;
  return sentence;
}

/** A bullet line is one unit (it was one sentence when it was written); prose is split. */
function bulletOrSentences(line: string): string[] {
  const bullet = /^[-*•]\s+(.*)$/.exec(line);
  if (bullet) return [bullet[1]?.trim() ?? ''].filter((text) => text !== '');
  return splitIntoSentences(line);
}

/** The score the line had as a sentence of its own segment, less a little if older still. */
function scoreUnit(text: string, section: SourceSection): number {
  const origin = section === 'earlier' ? originOfFoldedLine(text) : section;
  const facts = factWeight(text);
  const age = section === 'earlier' ? OLDER_LINE_PENALTY : 0;
  if (isDecision(text)) return decisionScore(facts) - age;
  if (origin === 'decisions' || isRecommendation(text)) return recommendationScore(facts) - age;
  if (origin === 'asked') return requestScore(facts) - EARLIER_REQUEST_DISCOUNT - age;
  if (origin === 'tools') return toolCallScore(/→ error:/.test(text), true) - age;
  // An LLM's prose summary is distilled already, and mostly about the user: weigh it so.
  if (origin === 'prose' || /^user:/i.test(text)) return userFactScore(facts) - age;
  return assistantFactScore(facts) - age;
}

/** Where a line under "Earlier:" came from, told by the prefix it was given when folded. */
function originOfFoldedLine(text: string): SourceSection {
  if (/^user asked:/i.test(text)) return 'asked';
  if (/^tool /i.test(text)) return 'tools';
  return 'facts';
}
