/**
 * What the global setup hands to test files through `project.provide()` / `inject()`.
 * Type-only: importing this file loads nothing at run time.
 */
export {};

declare module 'vitest' {
  interface ProvidedContext {
    /** URL of the Redis for this run; empty when none could be found (see `redisUnavailable`). */
    redisUrl: string;
    /** Why there is no Redis for this run, and how to fix it; empty when there is one. */
    redisUnavailable: string;
  }
}
