export * from './runtime.ts';
export * from './embedded-runtime.ts';
export * from './default-runtime.ts';
export * from './session-manager.ts';
export * from './simple-api.ts';
export * from './redis-runtime.ts';
