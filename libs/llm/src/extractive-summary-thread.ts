import { createExtractiveSummarizer, defaultTokenCounter, type Summarizer } from '@threadline/core';

/**
 * The extractive summarizer as a summary thread runs it (see `isolated-summarizer.ts`): the
 * default module of an {@link IsolatedSummarizer}. Each thread has its own token counter, and
 * loads the encoding of the session's model before counting.
 */
const extractive = createExtractiveSummarizer((text, model) =>
  defaultTokenCounter.countText(text, model),
);

export const summarizer: Summarizer = {
  async summarize(input) {
    await defaultTokenCounter.prepare([input.request.model]);
    return extractive.summarize(input);
  },
};
