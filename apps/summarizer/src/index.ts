export * from './summarizer-worker.ts';
