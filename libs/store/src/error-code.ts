/**
 * Codes the store's Lua scripts return in the first slot of their reply (BullMQ style: 0 is
 * success, negative numbers say what refused the step). Each script's header lists which of
 * them it returns and what follows the code.
 */
export enum ErrorCode {
  Ok = 0,
  /** The stored version is not the one the writer read: a stale writer. Nothing was written. */
  VersionConflict = -1,
  /** An eventId of the batch was already consumed. Nothing was written. */
  DuplicateEvent = -2,
  /** The first appended event does not continue the log: a bug in the caller. Nothing was written. */
  SeqGap = -3,
  /** ARGV does not match what the script's header documents: a bug in the caller. Nothing was written. */
  MalformedArguments = -4,
  /**
   * An implicit create (the first event of a session the store does not know) found the
   * session's tombstone: it was deleted, and its late events must not bring it back. Nothing was
   * written.
   */
  Deleted = -5,
}
