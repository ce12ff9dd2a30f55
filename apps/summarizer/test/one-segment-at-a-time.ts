import type { SessionReader } from '@threadline/engine';
import type { SessionManager } from '@threadline/sdk';

/**
 * Plays exchanges of one user message and one reply (a segment each with
 * `maxTurnsPerSegment: 2`), then a last user message, waiting after each exchange until the
 * session is `active` again: each sealed segment's summary lands (or falls back) before the next
 * segment is sealed, so each gets a summary of its own instead of sharing a catch-up summary.
 */
export async function converseOneSegmentAtATime(
  sm: SessionManager,
  reader: SessionReader,
  tenant: string,
  userTurns: readonly string[],
  timeoutMs = 120_000,
): Promise<void> {
  const key = { tenant, sessionId: sm.sessionId };
  for (const [i, text] of userTurns.entries()) {
    await sm.userSays(text);
    await sm.aiResponds(`Noted (${i}).`);
    await sm.getStats();
    const deadline = Date.now() + timeoutMs;
    while ((await reader.session(key)).session.value !== 'active') {
      if (Date.now() > deadline) throw new Error(`${sm.sessionId} is still summarizing`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  await sm.userSays('Thanks, that is all.');
  await sm.getStats();
}
