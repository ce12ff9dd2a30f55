import { describe, expect, it } from 'vitest';
import {
  CONVERSATION_PAGE_MAX,
  ConversationPageRequestSchema,
  conversationPage,
  planConversationPage,
} from './conversation-page.ts';

describe('a page of the conversation', () => {
  it('is the newest entries when no cursor is given, read backward from the end', () => {
    expect(planConversationPage({ limit: 10 }, 0, 50)).toMatchObject({
      direction: 'backward',
      start: 50,
      limit: 10,
      maxScan: 80,
    });
  });

  it('reads forward after `after` and backward below `before`, never outside the segments asked for', () => {
    expect(planConversationPage({ after: 7 }, 0, 50)).toMatchObject({
      direction: 'forward',
      start: 8,
    });
    expect(planConversationPage({ after: 2 }, 20, 50)).toMatchObject({ start: 20 });
    expect(planConversationPage({ before: 30 }, 0, 50)).toMatchObject({
      direction: 'backward',
      start: 30,
    });
    expect(planConversationPage({ before: 99 }, 0, 50)).toMatchObject({ start: 50 });
    expect(planConversationPage({ before: 5 }, 20, 50)).toMatchObject({ start: 20 });
  });

  it('holds at most CONVERSATION_PAGE_MAX entries whatever the limit', () => {
    expect(planConversationPage({}, 0, 10).limit).toBe(CONVERSATION_PAGE_MAX);
    expect(planConversationPage({ limit: 10 ** 6 }, 0, 10).limit).toBe(CONVERSATION_PAGE_MAX);
  });

  it('gives cursors to the older and newer entries, null at either end', () => {
    const backward = planConversationPage({ limit: 10, before: 30 }, 0, 50);
    expect(conversationPage(backward, [], 20).page).toEqual({
      limit: 10,
      olderBefore: 20,
      newerAfter: 29,
    });
    expect(conversationPage(planConversationPage({}, 0, 50), [], 0).page).toMatchObject({
      olderBefore: null,
      newerAfter: null,
    });
    const forward = planConversationPage({ limit: 10, after: 9 }, 0, 50);
    expect(conversationPage(forward, [], 20).page).toEqual({
      limit: 10,
      olderBefore: 10,
      newerAfter: 19,
    });
    expect(conversationPage(forward, [], 50).page.newerAfter).toBeNull();
  });

  it('is asked for with after or before, not both', () => {
    const result = ConversationPageRequestSchema.safeParse({ after: 1, before: 5 });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]).toMatchObject({ path: ['before'] });
    expect(ConversationPageRequestSchema.safeParse({ limit: 0 }).success).toBe(false);
  });
});
