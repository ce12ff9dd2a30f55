export * from './session-gateway.ts';
export * from './tenant-gateway.ts';
export * from './export-session.ts';
export * from './runtime-base.ts';
export * from './embedded-runtime.ts';
export * from './redis-runtime.ts';
