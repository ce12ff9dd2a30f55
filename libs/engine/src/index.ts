export * from './engine-errors.ts';
export * from './session-engine.ts';
export * from './session-reader.ts';
export * from './summary-workflow.ts';
