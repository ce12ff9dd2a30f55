import { z } from 'zod';
import { IdSchema } from '@threadline/core';
import { MAX_EVENTS_PER_JOB } from '@threadline/queue';
import { RedisRuntime } from '@threadline/runtime';
import {
  parseCommandLine,
  renderCommandHelp,
  UsageError,
  wholeNumberFlag,
  type FlagSpec,
} from '../cli-args.ts';
import {
  ConfigError,
  describeRedis,
  isLoopbackHost,
  redisHosts,
  runtimeConfig,
} from '../cli-config.ts';
import type { Command, CommandContext } from '../command.ts';
import { HttpLoadTarget } from '../loadgen/http-target.ts';
import { renderLoadReport } from '../loadgen/loadgen-report.ts';
import { makeLoadPlan } from '../loadgen/load-plan.ts';
import type { LoadTarget } from '../loadgen/load-target.ts';
import { QueueLoadTarget } from '../loadgen/queue-target.ts';
import { runLoad } from '../loadgen/run-loadgen.ts';

const USAGE =
  'threadline loadgen --sessions N --events M --rate R [--target http|queue] [--url http://127.0.0.1:8080] [--api-key K] [--batch B]';
const SUMMARY =
  'Sends N sessions of M events each (user and assistant messages, some tool calls) at R events/s in\n' +
  'total, through the HTTP API (default) or straight onto the partition queues (--target queue, needs\n' +
  'REDIS_URL), with a progress bar; then prints a table: events sent, events/s, p50/p99 latency from\n' +
  'acceptance to applied (measured on a sample), errors. Loopback targets only, bounded by --timeout.\n' +
  'Exits 0 when every event was sent and applied, 1 otherwise.';

/** At most this many events in one run (sessions × events). */
export const MAX_EVENTS_PER_RUN = 1_000_000;

const FLAGS: Record<string, FlagSpec> = {
  sessions: { type: 'string', valueName: 'N', description: 'sessions, 1 to 10000 (default 10)' },
  events: {
    type: 'string',
    valueName: 'M',
    description: 'events per session, 1 to 100000 (default 20)',
  },
  rate: {
    type: 'string',
    valueName: 'R',
    description: 'events per second in total, 1 to 100000 (default 200)',
  },
  target: {
    type: 'string',
    valueName: 'http|queue',
    description: 'drive the HTTP API, or the BullMQ queues directly (default http)',
  },
  url: {
    type: 'string',
    valueName: 'url',
    description: 'API root for --target http, loopback only (default http://127.0.0.1:8080)',
  },
  'api-key': {
    type: 'string',
    valueName: 'K',
    description: 'API key for --target http (default: THREADLINE_API_KEY)',
  },
  batch: {
    type: 'string',
    valueName: 'B',
    description: `events of one session per request or job, 1 to ${MAX_EVENTS_PER_JOB} (default 1)`,
  },
  tenant: {
    type: 'string',
    valueName: 'T',
    description: 'tenant for --target queue (default: THREADLINE_TENANT, else "default")',
  },
  timeout: {
    type: 'string',
    valueName: 'seconds',
    description: 'stop the whole run after this, 1 to 3600 (default 120)',
  },
  sample: {
    type: 'string',
    valueName: 'S',
    description:
      'events whose latency is measured at most, 1 to 100000 (default 500 over http, 2000 on the queue)',
  },
};

const FlagsSchema = z
  .object({
    sessions: wholeNumberFlag(1, 10_000).default(10),
    events: wholeNumberFlag(1, 100_000).default(20),
    rate: wholeNumberFlag(1, 100_000).default(200),
    target: z
      .enum(['http', 'queue'], {
        error: (i) => `expected "http" or "queue", got ${JSON.stringify(i.input)}`,
      })
      .default('http'),
    url: z.string().optional(),
    'api-key': z.string().min(1, { error: 'expected a non-empty key' }).optional(),
    batch: wholeNumberFlag(1, MAX_EVENTS_PER_JOB).default(1),
    tenant: IdSchema.optional(),
    timeout: wholeNumberFlag(1, 3600).default(120),
    sample: wholeNumberFlag(1, 100_000).optional(),
  })
  .superRefine((f, ctx) => {
    if (f.sessions * f.events > MAX_EVENTS_PER_RUN)
      ctx.addIssue({
        code: 'custom',
        path: ['events'],
        message: `expected --sessions × --events of at most ${MAX_EVENTS_PER_RUN.toLocaleString('en-US')}, got ${(f.sessions * f.events).toLocaleString('en-US')}`,
      });
    if (f.target === 'queue' && (f.url !== undefined || f['api-key'] !== undefined))
      ctx.addIssue({
        code: 'custom',
        path: [f.url !== undefined ? 'url' : 'api-key'],
        message: 'applies to --target http only',
      });
    if (f.target === 'http' && f.tenant !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['tenant'],
        message: 'applies to --target queue only (over HTTP the API key decides the tenant)',
      });
  });

/** `--url` as an http(s) URL on this machine. */
function loopbackApiUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(
      `--url: expected an http(s) URL such as http://127.0.0.1:8080, got ${JSON.stringify(raw)}`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(
      `--url: expected an http(s) URL such as http://127.0.0.1:8080, got ${JSON.stringify(raw)}`,
    );
  if (!isLoopbackHost(url.hostname))
    throw new UsageError(
      `--url: expected a loopback host (127.0.0.1, localhost or ::1): loadgen only drives a Threadline on this machine, got ${JSON.stringify(url.hostname)}`,
    );
  return url.toString();
}

async function loadgen(ctx: CommandContext): Promise<number> {
  const spec = { command: 'threadline loadgen', flags: FLAGS, schema: FlagsSchema };
  const { flags, help } = parseCommandLine(ctx.argv, spec);
  if (help) {
    ctx.out(
      renderCommandHelp({ command: spec.command, usage: USAGE, summary: SUMMARY, flags: FLAGS }),
    );
    return 0;
  }
  let target: LoadTarget;
  if (flags.target === 'http') {
    const url = loopbackApiUrl(flags.url ?? 'http://127.0.0.1:8080');
    const apiKey = flags['api-key'] ?? ctx.env['THREADLINE_API_KEY'];
    if (!apiKey)
      throw new UsageError(
        '--api-key: expected the API key of a tenant (or set THREADLINE_API_KEY) for --target http',
      );
    target = new HttpLoadTarget(url, apiKey);
  } else {
    const env = runtimeConfig(ctx.env);
    if (!env.redis)
      throw new ConfigError(
        'REDIS_URL: expected the URL of the Redis the workers use (or REDIS_CLUSTER_NODES) for --target queue; it is unset',
      );
    const remote = redisHosts(env.redis).filter((h) => !isLoopbackHost(h));
    if (remote.length)
      throw new ConfigError(
        `${env.redis.clusterNodes ? 'REDIS_CLUSTER_NODES' : 'REDIS_URL'}: expected a loopback host (127.0.0.1, localhost or ::1): loadgen only drives a Threadline on this machine, got ${JSON.stringify(remote[0])}`,
      );
    const runtime = new RedisRuntime({
      ...env.redis,
      topology: env.topology,
      tenant: flags.tenant ?? env.tenant,
    });
    target = new QueueLoadTarget(runtime, flags.batch, describeRedis(env.redis));
  }

  const plan = makeLoadPlan({
    sessions: flags.sessions,
    eventsPerSession: flags.events,
    maxSampled: flags.sample ?? (flags.target === 'http' ? 500 : 2000),
  });
  ctx.err(
    `threadline loadgen: ${flags.sessions} sessions × ${flags.events} events at ${flags.rate} events/s → ${target.description} (session ids lg-${plan.runId}-*)`,
  );
  try {
    const result = await runLoad(target, {
      plan,
      rate: flags.rate,
      batch: flags.batch,
      timeoutMs: flags.timeout * 1000,
    });
    ctx.out(renderLoadReport(result));
    const clean =
      result.eventsFailed === 0 &&
      result.errors.length === 0 &&
      result.sessionsNotApplied === 0 &&
      !result.timedOut;
    return clean ? 0 : 1;
  } finally {
    await target.close();
  }
}

export const loadgenCommand: Command = { run: loadgen };
