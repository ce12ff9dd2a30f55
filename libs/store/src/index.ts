export * from './session-store.ts';
export * from './memory-session-store.ts';
export * from './redis-session-store.ts';
export * from './session-keys.ts';
export * from './error-code.ts';
export * from './tombstone.ts';
