import { createLogger } from '@threadline/observability';
import { runtimeEnvFrom } from '@threadline/queue';
import { startSessionWorker } from './session-worker.ts';

/** `session-worker`: serves every event partition until SIGTERM/SIGINT, then drains and exits. */
async function main(): Promise<void> {
  const env = runtimeEnvFrom(process.env);
  const logger = createLogger({ name: 'session-worker', level: env.logLevel });
  if (!env.redis) {
    logger.fatal('REDIS_URL (or REDIS_CLUSTER_NODES) is required: the session worker consumes BullMQ queues on Redis');
    process.exit(2);
  }
  const handle = await startSessionWorker({ redis: env.redis, topology: env.topology, logger });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: letting in-flight jobs finish');
    // A job still running after the grace period is redelivered (its lock expires): nothing is lost.
    const grace = setTimeout(() => {
      logger.warn('grace period over; exiting with jobs in flight (they will be redelivered)');
      process.exit(0);
    }, 10_000);
    await handle.close();
    clearTimeout(grace);
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
