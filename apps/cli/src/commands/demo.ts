import { z } from 'zod';
import { createLogger } from '@threadline/observability';
import { EmbeddedRuntime } from '@threadline/sdk';
import { parseCommandLine, renderCommandHelp } from '../cli-args.ts';
import { describeRedis, runtimeConfig } from '../cli-config.ts';
import type { Command, CommandContext } from '../command.ts';
import { runDemo } from '../demo/run-demo.ts';
import { startLocalFleet } from '../local-fleet.ts';

const USAGE = 'threadline demo';
const SUMMARY =
  'Plays simulated conversations end to end and prints what Threadline kept: each chain, its\n' +
  'summaries, stats and next context. Embedded (in this process, memory store) when REDIS_URL is\n' +
  'unset; with REDIS_URL, the distributed runtime (BullMQ partitions, a session worker and a\n' +
  'summarizer in this process).';

async function demo(ctx: CommandContext): Promise<number> {
  const spec = { command: 'threadline demo', flags: {}, schema: z.object({}) };
  if (parseCommandLine(ctx.argv, spec).help) {
    ctx.out(
      renderCommandHelp({ command: spec.command, usage: USAGE, summary: SUMMARY, flags: {} }),
    );
    return 0;
  }
  const env = runtimeConfig(ctx.env);
  const started = Date.now();
  if (env.redis) {
    // Quiet unless LOG_LEVEL asks: the demo's output is the report.
    const logger = createLogger({
      name: 'demo',
      level: ctx.env['LOG_LEVEL'] ? env.logLevel : 'warn',
    });
    ctx.out(
      `threadline demo: distributed runtime on ${describeRedis(env.redis)} (BullMQ partitions, session worker and summarizer in this process)`,
    );
    const fleet = await startLocalFleet({
      redis: env.redis,
      topology: env.topology,
      tenant: env.tenant,
      logger,
    });
    try {
      await runDemo(fleet.runtime, ctx.out);
    } finally {
      await fleet.close();
    }
  } else {
    ctx.out(
      'threadline demo: embedded runtime (in-process memory store, extractive summaries; set REDIS_URL for the distributed one)',
    );
    const runtime = new EmbeddedRuntime();
    await runDemo(runtime, ctx.out);
    await runtime.close();
  }
  ctx.out(`\ndemo finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return 0;
}

export const demoCommand: Command = { run: demo };
