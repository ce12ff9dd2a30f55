import { threadId } from 'node:worker_threads';
import type { Summarizer } from '@threadline/core';

/**
 * A summarizer module for the summary threads of an `IsolatedSummarizer` (`module:
 * SPINNING_SUMMARIZER_MODULE`): the stand-in for a summary that never ends. A segment with
 * {@link SPIN_MARKER} in an event's content makes it loop forever, holding its thread's CPU
 * without ever yielding; one with {@link THREAD_EXIT_MARKER} ends its thread (as an
 * out-of-memory would); any other segment gets a one-line summary that names the seqs it covers
 * and the thread that made it (`summary of events 0–3 by thread 7`).
 */
export const SPIN_MARKER = '<<spin-forever>>';

/** See {@link SPIN_MARKER}. */
export const THREAD_EXIT_MARKER = '<<exit-thread>>';

/** This module's URL, to hand to `createIsolatedSummarizer({ module })`. */
export const SPINNING_SUMMARIZER_MODULE: URL = new URL(import.meta.url);

/** The thread that made a summary of this module, read back from its text; null if none. */
export function threadOfSummary(text: string): number | null {
  const match = / by thread (\d+)$/.exec(text);
  return match ? Number(match[1]) : null;
}

export const summarizer: Summarizer = {
  async summarize({ request, events }) {
    const says = (marker: string) => events.some((event) => event.content?.includes(marker));
    // In a worker thread, process.exit() ends that thread only.
    if (says(THREAD_EXIT_MARKER)) process.exit(1);
    if (says(SPIN_MARKER)) {
      for (;;) {
        // Never yields: only terminating the thread ends this.
      }
    }
    const text = `summary of events ${request.fromSeq}–${request.toSeq - 1} by thread ${threadId}`;
    return {
      text,
      items: [{ key: 'made-by', section: 'facts', text, seq: -1, weight: 1, mentions: 0, age: 0 }],
      kind: 'extractive',
      model: null,
      promptTokens: 0,
      completionTokens: 0,
      costNano: 0,
      attempts: 0,
      fallbackReason: null,
    };
  },
};
