#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { EmbeddedRuntime } from '@threadline/sdk';
import { runDemo } from './demo/run-demo.ts';

const USAGE = `usage: threadline <command> [options]

commands:
  demo      play simulated conversations end to end and print what Threadline kept
            (embedded, in this process, when REDIS_URL is unset)
`;

async function main(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, strict: false });
  const command = positionals[0];
  switch (command) {
    case 'demo': {
      const runtime = new EmbeddedRuntime();
      console.log('threadline demo: embedded runtime (in-process memory store, extractive summaries; set REDIS_URL for the distributed one)');
      const started = Date.now();
      await runDemo(runtime);
      await runtime.close();
      console.log(`\ndemo finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(USAGE);
      return command ? 0 : 2;
    default:
      process.stderr.write(`threadline: unknown command "${command}"\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
