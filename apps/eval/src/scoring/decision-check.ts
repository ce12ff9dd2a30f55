import type { ChatMessage } from '@threadline/core';
import { containsValue } from '../generator/normalize.ts';
import { contextLines } from './context-text.ts';

export interface DecisionVerdict {
  oldPresent: boolean;
  newPresent: boolean;
  /**
   * The new value is present and, reading the context top to bottom line by line, the last line
   * that mentions either value mentions the new one (a line with both counts as new).
   */
  latestWins: boolean;
  /** The old value is present and the new one absent. */
  staleOnly: boolean;
}

/** How the context stands on a decision revised from `oldValue` to `newValue`. */
export function judgeDecision(
  messages: readonly ChatMessage[],
  oldValue: string,
  newValue: string,
): DecisionVerdict {
  let oldPresent = false;
  let newPresent = false;
  let lastMentionIsNew = false;
  for (const line of contextLines(messages)) {
    const hasOld = containsValue(line, oldValue);
    const hasNew = containsValue(line, newValue);
    oldPresent ||= hasOld;
    newPresent ||= hasNew;
    if (hasNew) lastMentionIsNew = true;
    else if (hasOld) lastMentionIsNew = false;
  }
  return {
    oldPresent,
    newPresent,
    latestWins: newPresent && lastMentionIsNew,
    staleOnly: oldPresent && !newPresent,
  };
}
