/** How long the tombstone of a deleted or expired session lives by default: 7 days. */
export const DEFAULT_TOMBSTONE_TTL_SECONDS = 7 * 24 * 60 * 60;
