// One thread of an IsolatedSummarizer's pool (isolated-summarizer.ts): piscina loads this file
// in each worker thread, and calls its default export once per summary.
//
// It is plain JavaScript so that Node loads it as it is, however the process was started (`tsx
// main.ts`, `node --import tsx main.ts`, vitest, whose module runner does not reach worker
// threads): it registers tsx in this thread, then imports the TypeScript module that makes the
// summaries (`workerData.module`, a file URL) and uses its `workerData.exportName` export, a
// Summarizer.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();

const loading = import(workerData.module).then((loaded) => {
  const summarizer = loaded[workerData.exportName];
  if (typeof summarizer?.summarize !== 'function')
    throw new TypeError(
      `${workerData.module}: export "${workerData.exportName}" is not a Summarizer (no summarize method)`,
    );
  return summarizer;
});
// A module that fails to load is reported by the first summary asked of this thread.
loading.catch(() => undefined);

/**
 * Makes one summary: `input` is a SummarizeInput without its signal; returns a SummaryOutcome.
 * Says when it starts (the summary's timeout counts from there), once the module is loaded.
 */
export default async function summarizeInThisThread({ id, input }) {
  const summarizer = await loading;
  parentPort.postMessage({ summaryStarted: id });
  return summarizer.summarize(input);
}
