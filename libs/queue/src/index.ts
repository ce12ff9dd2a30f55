export * from './partition.ts';
export * from './topology.ts';
export * from './job-ids.ts';
export * from './job-schemas.ts';
export * from './redis-connection.ts';
export * from './event-producer.ts';
export * from './runtime-config.ts';
export * from './unparseable-job-data.ts';
