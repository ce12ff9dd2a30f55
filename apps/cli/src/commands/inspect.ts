import { z } from 'zod';
import { IdSchema } from '@threadline/core';
import { SessionNotFoundError, SessionReader } from '@threadline/engine';
import { createRedisConnection } from '@threadline/queue';
import { RedisSessionStore } from '@threadline/store';
import {
  parseCommandLine,
  renderCommandHelp,
  UsageError,
  wholeNumberFlag,
  type FlagSpec,
} from '../cli-args.ts';
import { ConfigError, describeRedis, runtimeConfig } from '../cli-config.ts';
import type { Command, CommandContext } from '../command.ts';
import { renderSessionReport } from '../session-report.ts';

const USAGE = 'threadline inspect <sessionId> [--tenant T] [--json] [--budget N]';
const SUMMARY =
  'Reads one session from Redis (REDIS_URL or REDIS_CLUSTER_NODES) and prints its chain (each segment\n' +
  'with its status and summary: kind, model, tokens, cost), its stats and the context the model\n' +
  'would get next. Exits 2 when REDIS_URL is unset or the session does not exist.';

const FLAGS: Record<string, FlagSpec> = {
  tenant: {
    type: 'string',
    valueName: 'T',
    description: 'tenant that owns the session (default: THREADLINE_TENANT, else "default")',
  },
  json: {
    type: 'boolean',
    description: 'print one JSON document (chain, stats, context) instead of the table',
  },
  budget: {
    type: 'string',
    valueName: 'N',
    description: 'token budget of the context shown (default 4000)',
  },
};

const FlagsSchema = z.object({
  tenant: IdSchema.optional(),
  json: z.boolean().default(false),
  budget: wholeNumberFlag(1, 10_000_000).default(4000),
});

/** The JSON `inspect --json` prints. */
export interface InspectDocument {
  sessionId: string;
  tenant: string;
  state: string;
  chain: Awaited<ReturnType<SessionReader['chain']>>;
  stats: Awaited<ReturnType<SessionReader['stats']>>;
  context: Awaited<ReturnType<SessionReader['messagesForLlm']>>;
}

async function inspect(ctx: CommandContext): Promise<number> {
  const spec = {
    command: 'threadline inspect',
    flags: FLAGS,
    schema: FlagsSchema,
    positionals: ['sessionId'],
  };
  const { flags, positionals, help } = parseCommandLine(ctx.argv, spec);
  if (help) {
    ctx.out(
      renderCommandHelp({ command: spec.command, usage: USAGE, summary: SUMMARY, flags: FLAGS }),
    );
    return 0;
  }
  const sessionId = IdSchema.safeParse(positionals[0]);
  if (!sessionId.success)
    throw new UsageError(
      `<sessionId>: ${sessionId.error.issues[0]!.message}, got ${JSON.stringify(positionals[0])}`,
    );
  const env = runtimeConfig(ctx.env);
  if (!env.redis)
    throw new ConfigError(
      'REDIS_URL: expected the URL of the Redis that holds the sessions (or REDIS_CLUSTER_NODES); it is unset',
    );
  const tenant = flags.tenant ?? env.tenant;
  const key = { tenant, sessionId: sessionId.data };

  // No reconnect loop: an unreachable Redis is an error at once, not a hang.
  const connection = createRedisConnection(env.redis, {
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    connectTimeout: 5000,
  });
  let connectionError: Error | null = null;
  connection.on('error', (error: Error) => (connectionError ??= error)); // reported below, once
  try {
    const reader = new SessionReader(
      new RedisSessionStore({ redis: connection, prefix: env.topology.prefix }),
    );
    const [chain, stats, context] = await Promise.all([
      reader.chain(key),
      reader.stats(key, { allSegments: true }),
      reader.messagesForLlm(key, { budget: flags.budget }),
    ]);
    if (flags.json) {
      const doc: InspectDocument = {
        sessionId: key.sessionId,
        tenant,
        state: stats.state,
        chain,
        stats,
        context,
      };
      ctx.out(JSON.stringify(doc, null, 2));
    } else {
      ctx.out(
        renderSessionReport({
          sessionId: key.sessionId,
          tenant,
          chain,
          stats,
          messages: context.messages,
          contextTokens: context.report.used,
        }),
      );
    }
    return 0;
  } catch (error) {
    if (error instanceof SessionNotFoundError) {
      ctx.err(
        `threadline inspect: session "${key.sessionId}" of tenant "${tenant}" does not exist in ${describeRedis(env.redis)} (key prefix "${env.topology.prefix}"); check the id, --tenant and THREADLINE_PREFIX`,
      );
      return 2;
    }
    if (connectionError) {
      ctx.err(
        `threadline inspect: cannot read from ${describeRedis(env.redis)}: ${(connectionError as Error).message}`,
      );
      return 1;
    }
    throw error;
  } finally {
    connection.disconnect();
  }
}

export const inspectCommand: Command = { run: inspect };
