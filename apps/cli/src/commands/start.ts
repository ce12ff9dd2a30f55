import { z } from 'zod';
import { defaultTokenCounter, type Summarizer } from '@threadline/core';
import {
  createIsolatedSummarizer,
  describeThreadFailure,
  createLlmSummarizerWithFallback,
  OpenAiCompatibleClient,
  type IsolatedSummarizer,
} from '@threadline/llm';
import {
  createLogger,
  createMetrics,
  SecretRedactor,
  type Logger,
} from '@threadline/observability';
import {
  drainKeepAliveOnClose,
  reloadApiKeysFromFile,
  startServer,
  type ApiKeysReloader,
  type KeepAliveDrain,
  type RunningServer,
} from '@threadline/server';
import { parseCommandLine, renderCommandHelp } from '../cli-args.ts';
import { ConfigError, describeRedis } from '../cli-config.ts';
import type { Command, CommandContext } from '../command.ts';
import { EmbeddedRedisError, startEmbeddedRedis, type EmbeddedRedis } from '../embedded-redis.ts';
import { startLocalFleet, type LocalFleet } from '../local-fleet.ts';
import { startConfigFrom, type StartConfig } from '../start-config.ts';

const USAGE = 'threadline start';
const SUMMARY = `Runs a whole Threadline in this process: the HTTP API (with /docs, the /admin/queues dashboard
and /metrics), a session worker serving every partition, and a summarizer. For one machine; for
more, run apps/server, apps/session-worker and apps/summarizer as separate processes (docker/).

With REDIS_URL (or REDIS_CLUSTER_NODES) it runs on that Redis. Without, it starts a private
redis-server on a free loopback port (the binary must be on PATH) and says so: the data is lost
on exit. SIGTERM or SIGINT stops it gracefully (server, then workers, then that redis-server).

environment (validated at startup; a bad value exits 2 naming the variable and the rule):
  REDIS_URL, REDIS_CLUSTER_NODES       the Redis (unset: a private redis-server)
  THREADLINE_API_KEYS                  key=tenant[,key=tenant…] (or THREADLINE_API_KEYS_FILE, a JSON
                                       object); unset: one key made up for this run, printed once
  THREADLINE_ADMIN_KEY                 key of /admin/queues and /metrics; unset: made up, printed once
  PORT, HOST                           where the API listens (default 8080, 127.0.0.1)
  THREADLINE_BODY_LIMIT_BYTES, THREADLINE_RATE_LIMIT_PER_SECOND, THREADLINE_RATE_LIMIT_BURST
  THREADLINE_LLM_BASE_URL, _API_KEY, _MODEL, _TIMEOUT_MS, _MAX_ATTEMPTS
                                       the summarizer's LLM (unset: extractive summaries)
  THREADLINE_SUMMARIZER_CONCURRENCY, THREADLINE_LLM_RATE_PER_SECOND
  THREADLINE_SUMMARY_TIMEOUT_MS, THREADLINE_SUMMARY_THREADS
                                       each summary's hard limit (10000) in its worker threads (1)
  THREADLINE_PRICES_FILE               a JSON price file merged over the built-in prices
  THREADLINE_PREFIX, THREADLINE_PARTITIONS, THREADLINE_TENANT, LOG_LEVEL
Keys: at least 16 visible ASCII characters, none of "," ":" "=".`;

/** How long stopping may take before the process exits anyway (in-flight jobs are redelivered). */
const STOP_GRACE_MS = 15_000;

/**
 * The summarizer the pool uses: the LLM with the extractive fallback, or the extractive one alone;
 * the extractive one runs in `extractive`'s worker threads, off the event loop the API serves.
 */
async function makeSummarizer(
  config: StartConfig,
  logger: Logger,
  rateLimit: (ms: number) => void,
  extractive: IsolatedSummarizer,
): Promise<Summarizer> {
  if (!config.llm) {
    logger.info('no THREADLINE_LLM_BASE_URL: extractive summaries only');
    return extractive;
  }
  const { baseUrl, apiKey, model, timeoutMs, maxAttempts } = config.llm;
  logger.info({ baseUrl, model }, 'summaries by the LLM, extractive fallback');
  return createLlmSummarizerWithFallback({
    client: new OpenAiCompatibleClient({ baseUrl, apiKey, model, timeoutMs }),
    prices: config.server.runtime.prices,
    tokens: defaultTokenCounter,
    maxAttempts,
    onRateLimit: rateLimit,
    // The full error for operators; the summary's fallbackReason only says its kind.
    onFallback: (error) => logger.warn({ err: error }, 'LLM summary failed, extractive used'),
    fallback: extractive,
  });
}

/** Resolves with the first SIGTERM/SIGINT; a second one while stopping exits at once (code 130). */
function stopSignal(logger: Logger): { signal: Promise<NodeJS.Signals>; dispose(): void } {
  let received: NodeJS.Signals | null = null;
  let resolve!: (s: NodeJS.Signals) => void;
  const signal = new Promise<NodeJS.Signals>((r) => (resolve = r));
  const on = (s: NodeJS.Signals) => {
    if (received) {
      logger.warn({ signal: s }, 'second signal while stopping: exiting now');
      process.exit(130);
    }
    received = s;
    resolve(s);
  };
  const onTerm = () => on('SIGTERM');
  const onInt = () => on('SIGINT');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  return {
    signal,
    dispose() {
      process.removeListener('SIGTERM', onTerm);
      process.removeListener('SIGINT', onInt);
    },
  };
}

async function start(ctx: CommandContext): Promise<number> {
  const spec = { command: 'threadline start', flags: {}, schema: z.object({}) };
  if (parseCommandLine(ctx.argv, spec).help) {
    ctx.out(
      renderCommandHelp({ command: spec.command, usage: USAGE, summary: SUMMARY, flags: {} }),
    );
    return 0;
  }
  const config = startConfigFrom(ctx.env);
  const { server: serverConfig } = config;
  // Every key this process knows is redacted by value from its logs, in any form; keys loaded
  // later are added, and keys removed stay redacted.
  const everyKey = new Set([
    ...serverConfig.apiKeys.map((k) => k.key),
    serverConfig.adminKey,
    ...(config.llm?.apiKey ? [config.llm.apiKey] : []),
  ]);
  const secrets = new SecretRedactor(everyKey);
  const logger = createLogger({
    name: 'threadline',
    level: serverConfig.runtime.logLevel,
    secrets,
  });
  const stop = stopSignal(logger);

  // What is running, in the order it started: stopped in reverse.
  let redis: EmbeddedRedis | null = null;
  let fleet: LocalFleet | null = null;
  let server: RunningServer | null = null;
  let summaryThreads: IsolatedSummarizer | null = null;
  // Without it, a request still arriving at SIGTERM leaves its keep-alive connection open.
  let keepAlive: KeepAliveDrain | null = null;
  // Keys from a file are reloaded on SIGHUP and when the file changes, as apps/server does.
  let keysReloader: ApiKeysReloader | null = null;
  const onHangUp = () => {
    if (keysReloader) keysReloader.reload('SIGHUP');
    else logger.info('SIGHUP: the keys do not come from a file, there is nothing to reload');
  };
  process.on('SIGHUP', onHangUp);
  const shutDown = async (): Promise<void> => {
    const grace = setTimeout(() => {
      logger.warn(
        { graceMs: STOP_GRACE_MS },
        'grace period over: exiting with work in flight (it will be redelivered)',
      );
      process.exit(0);
    }, STOP_GRACE_MS);
    try {
      keysReloader?.close();
      process.removeListener('SIGHUP', onHangUp);
      keepAlive?.closing();
      if (server)
        await server
          .close()
          .catch((e: Error) => logger.error({ err: e.message }, 'error while closing the server'));
      if (fleet)
        await fleet
          .close()
          .catch((e: Error) => logger.error({ err: e.message }, 'error while closing the workers'));
      await summaryThreads?.close();
      if (redis) await redis.stop();
    } finally {
      clearTimeout(grace);
      stop.dispose();
    }
  };
  // A signal during startup lets the step under way finish (so that what it started is known
  // and stopped), then stops everything instead of going on.
  let stopRequested = false;
  void stop.signal.then(() => (stopRequested = true));

  try {
    let redisConfig = serverConfig.redis;
    if (!redisConfig) {
      try {
        redis = await startEmbeddedRedis();
      } catch (error) {
        if (error instanceof EmbeddedRedisError) throw new ConfigError(error.message);
        throw error;
      }
      logger.warn(
        { mode: 'embedded-equivalent', redis: redis.url },
        `no REDIS_URL: started a private redis-server on 127.0.0.1:${redis.port}; data is lost on exit`,
      );
      redisConfig = { url: redis.url };
      if (stopRequested) return await stopped(logger, shutDown);
    } else {
      logger.info(
        { mode: 'distributed', redis: describeRedis(redisConfig) },
        `distributed runtime on ${describeRedis(redisConfig)}`,
      );
    }

    let rateLimit: (ms: number) => void = () => undefined;
    const summarizerLogger = logger.child({ component: 'summarizer' });
    summaryThreads = createIsolatedSummarizer({
      ...config.summaryIsolation,
      onThreadFailure: (failure) => {
        const { fields, message } = describeThreadFailure(failure);
        summarizerLogger.warn(fields, message);
      },
    });
    const summarizer = await makeSummarizer(
      config,
      summarizerLogger,
      (ms) => rateLimit(ms),
      summaryThreads,
    );
    const metrics = createMetrics();
    fleet = await startLocalFleet({
      redis: redisConfig,
      topology: serverConfig.runtime.topology,
      tenant: serverConfig.runtime.tenant,
      logger,
      prices: serverConfig.runtime.prices,
      summarizer,
      summarizerConcurrency: config.summarizerConcurrency,
      summarizerLimiter: config.llmRatePerSecond
        ? { max: config.llmRatePerSecond, durationMs: 1000 }
        : undefined,
      metrics,
    });
    const pool = fleet.summarizers;
    rateLimit = (ms) => void pool.rateLimit(ms);
    if (stopRequested) return await stopped(logger, shutDown);

    let running: RunningServer;
    try {
      running = await startServer({
        runtime: fleet.runtime,
        apiKeys: serverConfig.apiKeys,
        adminKey: serverConfig.adminKey,
        logger,
        port: serverConfig.port,
        host: serverConfig.host,
        bodyLimitBytes: serverConfig.bodyLimitBytes,
        rateLimit: serverConfig.rateLimit,
        timeouts: serverConfig.timeouts,
        maxWaitingReadsPerTenant: serverConfig.maxWaitingReadsPerTenant,
        retention: serverConfig.retention,
        metrics,
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
        throw new ConfigError(
          `PORT: ${serverConfig.port} on ${serverConfig.host} is in use; set PORT to a free port (0 picks one)`,
        );
      throw error;
    }
    server = running;
    keepAlive = drainKeepAliveOnClose(running.app.server);
    if (serverConfig.apiKeysFile)
      keysReloader = reloadApiKeysFromFile({
        path: serverConfig.apiKeysFile,
        ring: running.app.keyRing,
        logger,
        metrics,
        onApplied: (entries) => {
          for (const entry of entries) everyKey.add(entry.key);
          secrets.set(everyKey);
        },
      });
    if (stopRequested) return await stopped(logger, shutDown);

    // The address a browser on this machine can open, also when listening on every interface.
    const base = running.url
      .replace(/\/\/(0\.0\.0\.0|\[::\])(?=:)/, '//127.0.0.1')
      .replace(/\/+$/, '');
    const urls = {
      api: `${base}/v1/sessions`,
      docs: `${base}/docs`,
      dashboard: `${base}/admin/queues`,
      metrics: `${base}/metrics`,
    };
    logger.info(
      urls,
      `threadline is up: API ${urls.api} · docs ${urls.docs} · dashboard ${urls.dashboard} · metrics ${urls.metrics}`,
    );
    const lines = [
      '',
      redis
        ? `threadline is running, embedded-equivalent (a private redis-server on 127.0.0.1:${redis.port}: data is lost on exit):`
        : `threadline is running on ${describeRedis(redisConfig)}:`,
      `  API        ${urls.api}`,
      `  docs       ${urls.docs}`,
      `  dashboard  ${urls.dashboard}   (admin key)`,
      `  metrics    ${urls.metrics}   (admin key)`,
    ];
    const { generated } = config;
    if (generated.apiKey || generated.adminKey) {
      // Made up for this run only and shown once, here (never in a log line): set them to keep them.
      lines.push(
        'keys made up for this run (set THREADLINE_API_KEYS and THREADLINE_ADMIN_KEY to choose your own):',
      );
      if (generated.apiKey)
        lines.push(`  API key (tenant ${serverConfig.apiKeys[0]?.tenant}): ${generated.apiKey}`);
      if (generated.adminKey) lines.push(`  admin key: ${generated.adminKey}`);
    }
    lines.push('Ctrl-C or SIGTERM stops it.', '');
    ctx.out(lines.join('\n'));

    const why = await Promise.race([
      stop.signal.then((signal) => ({ signal, crash: null })),
      (redis?.exitedUnexpectedly ?? new Promise<never>(() => undefined)).then((crash) => ({
        signal: null,
        crash,
      })),
    ]);
    if (why.crash) {
      logger.fatal(why.crash, 'the private redis-server exited: its data is gone; stopping');
      redis = null;
      await shutDown();
      return 1;
    }
    logger.info(
      { signal: why.signal },
      'stopping: server, then workers (letting in-flight jobs finish), then Redis',
    );
    await shutDown();
    logger.info('stopped');
    return 0;
  } catch (error) {
    await shutDown();
    throw error;
  }
}

async function stopped(logger: Logger, shutDown: () => Promise<void>): Promise<number> {
  logger.info('stop signal during startup: stopping what had started');
  await shutDown();
  return 0;
}

export const startCommand: Command = { run: start };
