import {
  createLogger,
  createMetrics,
  exitGracefullyOnSignals,
  serveMetrics,
} from '@threadline/observability';
import { ValidationError } from '@threadline/core';
import { runtimeEnvFrom } from '@threadline/queue';
import { startSessionWorker } from './session-worker.ts';

/** `session-worker`: serves every event partition until SIGTERM/SIGINT, then drains and exits. */
async function main(): Promise<void> {
  let env;
  try {
    env = runtimeEnvFrom(process.env);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    console.error(`session-worker: environment: ${error.message}`);
    process.exit(2);
  }
  const logger = createLogger({ name: 'session-worker', level: env.logLevel });
  if (!env.redis) {
    logger.fatal(
      'REDIS_URL (or REDIS_CLUSTER_NODES) is required: the session worker consumes BullMQ queues on Redis',
    );
    process.exit(2);
  }
  const metrics = createMetrics();
  const handle = await startSessionWorker({
    redis: env.redis,
    topology: env.topology,
    prices: env.prices,
    logger,
    metrics,
  });
  const endpoint = env.metricsPort ? await serveMetrics(metrics, env.metricsPort) : null;
  if (endpoint) logger.info({ url: endpoint.url }, 'metrics served');
  exitGracefullyOnSignals({
    logger,
    close: async () => {
      await handle.close();
      await endpoint?.close();
    },
    what: 'in-flight jobs',
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
