#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { createLogger } from '@threadline/observability';
import { runtimeEnvFrom } from '@threadline/queue';
import { EmbeddedRuntime } from '@threadline/sdk';
import { runDemo } from './demo/run-demo.ts';
import { startLocalFleet } from './local-fleet.ts';

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
      const env = runtimeEnvFrom(process.env);
      const started = Date.now();
      if (env.redis) {
        const logger = createLogger({ name: 'demo', level: process.env['LOG_LEVEL'] ? env.logLevel : 'warn' });
        console.log(`threadline demo: distributed runtime on ${env.redis.url ?? env.redis.clusterNodes} (BullMQ partitions, session worker and summarizer in this process)`);
        const fleet = await startLocalFleet({ redis: env.redis, topology: env.topology, tenant: env.tenant, logger });
        try {
          await runDemo(fleet.runtime);
        } finally {
          await fleet.close();
        }
      } else {
        console.log('threadline demo: embedded runtime (in-process memory store, extractive summaries; set REDIS_URL for the distributed one)');
        const runtime = new EmbeddedRuntime();
        await runDemo(runtime);
        await runtime.close();
      }
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
