#!/usr/bin/env node
import { runEvalCommand } from './eval-command.ts';

// `npm run eval -- [flags]`: the one place that reads process.argv and process.env, and handles signals.
const stop = new AbortController();
let signals = 0;
const onSignal = (signal: NodeJS.Signals) => {
  signals++;
  if (signals === 1) {
    process.stderr.write(`\neval: ${signal}: stopping after the current conversation…\n`);
    stop.abort(new Error(`stopped by ${signal}`));
  } else {
    process.stderr.write(`eval: second ${signal}: exiting now\n`);
    process.exit(130);
  }
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

runEvalCommand(process.argv.slice(2), {
  out: (text) => void process.stdout.write(`${text}\n`),
  progress: process.stderr,
  env: process.env,
  signal: stop.signal,
}).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (stop.signal.aborted) process.exit(130);
    process.stderr.write(
      `eval: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
