import type { SessionKey } from '@threadline/store';

// The domain's errors live in the core, in one place; the engine throws them.
export { SessionExistsError, SessionNotFoundError } from '@threadline/core';

/** The store kept moving under a writer for longer than the retry budget (retry later). */
export class CommitContentionError extends Error {
  override readonly name = 'CommitContentionError';
  constructor(
    readonly key: SessionKey,
    readonly attempts: number,
  ) {
    super(
      `session "${key.sessionId}": commit lost ${attempts} times to concurrent writers; retry later`,
    );
  }
}
