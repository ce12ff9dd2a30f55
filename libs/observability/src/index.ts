export * from './logger.ts';
export * from './graceful-shutdown.ts';
export * from './metrics.ts';
export * from './metrics-endpoint.ts';
export * from './secret-redactor.ts';
