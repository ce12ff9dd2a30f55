import type { Logger } from 'pino';

export interface GracefulShutdownOptions {
  logger: Logger;
  /** What stopping means: let in-flight work finish, close connections. */
  close: () => Promise<void>;
  /**
   * How long `close` may take before the process exits anyway. Work still in flight then is
   * not lost: its queue lock expires and another process takes it. @defaultValue 10000
   */
  graceMs?: number;
  /** What is being stopped, for the logs. */
  what?: string;
}

/** On SIGTERM or SIGINT: close gracefully, exit 0; past the grace period, exit anyway. */
export function exitGracefullyOnSignals(options: GracefulShutdownOptions): void {
  const { logger, close, graceMs = 10_000, what = 'in-flight work' } = options;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `stopping: letting ${what} finish`);
    const grace = setTimeout(() => {
      logger.warn(
        { graceMs },
        `grace period over; exiting with ${what} still running (it will be redelivered)`,
      );
      process.exit(0);
    }, graceMs);
    try {
      await close();
      logger.info('stopped');
      process.exit(0);
    } catch (error) {
      logger.error({ err: (error as Error).message }, 'error while stopping');
      process.exit(1);
    } finally {
      clearTimeout(grace);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}
