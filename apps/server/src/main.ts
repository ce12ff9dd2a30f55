import { createLogger, exitGracefullyOnSignals } from '@threadline/observability';
import { RedisRuntime } from '@threadline/runtime';
import { drainKeepAliveOnClose } from './keep-alive-drain.ts';
import { serverConfigFrom, ServerConfigError } from './server-config.ts';
import { startServer } from './server.ts';

/**
 * `apps/server`: the HTTP API on the distributed runtime, until SIGTERM/SIGINT; then it stops
 * accepting, lets requests in flight finish, and closes its Redis connections. Session workers
 * and summarizers run as their own processes (or together: `threadline start`).
 */
async function main(): Promise<void> {
  let config;
  try {
    config = serverConfigFrom(process.env);
  } catch (error) {
    if (!(error instanceof ServerConfigError)) throw error;
    console.error(`threadline server: ${error.message}`);
    process.exit(2);
  }
  // Every key is redacted by value from the logs, in any form (and by path: see the logger).
  const logger = createLogger({
    name: 'server',
    level: config.runtime.logLevel,
    secrets: [...Object.keys(config.apiKeys), config.adminKey],
  });
  const runtime = new RedisRuntime({ ...config.redis, topology: config.runtime.topology });
  const server = await startServer({
    runtime,
    apiKeys: config.apiKeys,
    adminKey: config.adminKey,
    logger,
    port: config.port,
    host: config.host,
    bodyLimitBytes: config.bodyLimitBytes,
    rateLimit: config.rateLimit,
    timeouts: config.timeouts,
  });
  // Without it, a request still arriving at SIGTERM leaves its keep-alive connection open.
  const keepAlive = drainKeepAliveOnClose(server.app.server);
  logger.info(
    { url: server.url, tenants: new Set(Object.values(config.apiKeys)).size },
    `listening on ${server.url} (docs ${server.url}/docs)`,
  );
  exitGracefullyOnSignals({
    logger,
    what: 'requests in flight',
    close: async () => {
      keepAlive.closing();
      await server.close();
      await runtime.close();
    },
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
