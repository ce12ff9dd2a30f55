#!/usr/bin/env node
import { runChaosCommand } from './chaos-command.ts';

// `npm run chaos -- [flags]`: the one place that reads process.argv and handles signals.
const stop = new AbortController();
let signals = 0;
const onSignal = (signal: NodeJS.Signals) => {
  signals++;
  if (signals === 1) {
    process.stderr.write(`\nchaos: ${signal}: stopping every process the run started…\n`);
    stop.abort(new Error(`stopped by ${signal}`));
  } else {
    process.stderr.write(`chaos: second ${signal}: exiting now\n`);
    process.exit(130);
  }
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

runChaosCommand(process.argv.slice(2), {
  out: (text) => void process.stdout.write(`${text}\n`),
  progress: process.stderr,
  signal: stop.signal,
}).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `chaos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
