import { createExtractiveSummarizer, defaultTokenCounter, type Summarizer } from '@threadline/core';

/**
 * The extractive summarizer as a summary thread runs it (see `isolated-summarizer.ts`): the
 * default module of an {@link IsolatedSummarizer}. Each thread has its own token counter; the
 * summarizer loads the encoding of the session's model before counting.
 */
export const summarizer: Summarizer = createExtractiveSummarizer(defaultTokenCounter);
