export * from './session-worker.ts';
export * from './transient-retry.ts';
