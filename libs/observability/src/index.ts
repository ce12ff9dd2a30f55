export * from './logger.ts';
export * from './graceful-shutdown.ts';
