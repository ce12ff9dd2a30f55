#!/usr/bin/env node
import { runCli } from './cli.ts';

// `threadline <command> [options]`: the one place that reads process.argv and process.env.
runCli(process.argv.slice(2), process.env).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `threadline: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
