/**
 * The domain's errors, in one place: what a caller of any front door (SDK, HTTP, CLI) may be
 * told. Each host maps them once (the server: apps/server/src/problem.ts). `ValidationError` is
 * in validation-error.ts. Errors of the machinery (a Redis connection, a commit contention, an
 * LLM's answer) are not here: they belong to the lib that meets them.
 */

/** Which session: the tenant it belongs to and its id. */
export interface SessionRef {
  tenant: string;
  sessionId: string;
}

/** A create found the session already there (HTTP 409). */
export class SessionExistsError extends Error {
  override readonly name = 'SessionExistsError';
  constructor(readonly key: SessionRef) {
    super(`session "${key.sessionId}" already exists`);
  }
}

/** A read or a write named a session that does not exist, or no longer does (HTTP 404). */
export class SessionNotFoundError extends Error {
  override readonly name = 'SessionNotFoundError';
  constructor(readonly key: SessionRef) {
    super(`session "${key.sessionId}" does not exist`);
  }
}

/** `waitFor` gave up: the event was not applied in time; it stays queued (HTTP 504). */
export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
  constructor(
    readonly sessionId: string,
    readonly eventId: string,
    readonly timeoutMs: number,
  ) {
    super(`event "${eventId}" of session "${sessionId}" was not applied within ${timeoutMs} ms`);
  }
}
