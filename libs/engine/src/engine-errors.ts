import type { SessionKey } from '@threadline/store';

/** `create` found the session already there (HTTP 409). */
export class SessionExistsError extends Error {
  override readonly name = 'SessionExistsError';
  constructor(readonly key: SessionKey) {
    super(`session "${key.sessionId}" already exists`);
  }
}

/** A read named a session that does not exist (HTTP 404). */
export class SessionNotFoundError extends Error {
  override readonly name = 'SessionNotFoundError';
  constructor(readonly key: SessionKey) {
    super(`session "${key.sessionId}" does not exist`);
  }
}

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
