import {
  createLogger,
  createMetrics,
  exitGracefullyOnSignals,
  SecretRedactor,
} from '@threadline/observability';
import { RedisRuntime } from '@threadline/runtime';
import { reloadApiKeysFromFile } from './api-keys-reloader.ts';
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
  // Every key is redacted by value from the logs, in any form (and by path: see the logger);
  // keys loaded later are added, and keys removed stay redacted.
  const everyKey = new Set([...config.apiKeys.map((k) => k.key), config.adminKey]);
  const secrets = new SecretRedactor(everyKey);
  const logger = createLogger({ name: 'server', level: config.runtime.logLevel, secrets });
  const runtime = new RedisRuntime({
    ...config.redis,
    topology: config.runtime.topology,
    prices: config.runtime.prices,
  });
  const metrics = createMetrics();
  const server = await startServer({
    runtime,
    metrics,
    apiKeys: config.apiKeys,
    adminKey: config.adminKey,
    logger,
    port: config.port,
    host: config.host,
    bodyLimitBytes: config.bodyLimitBytes,
    rateLimit: config.rateLimit,
    timeouts: config.timeouts,
    maxWaitingReadsPerTenant: config.maxWaitingReadsPerTenant,
    streams: config.streams,
    retention: config.retention,
  });
  // Without it, a request still arriving at SIGTERM leaves its keep-alive connection open.
  const keepAlive = drainKeepAliveOnClose(server.app.server);
  logger.info(
    {
      url: server.url,
      tenants: new Set(config.apiKeys.map((k) => k.tenant)).size,
      keyIds: server.app.keyRing.keyIds(),
    },
    `listening on ${server.url} (docs ${server.url}/docs)`,
  );
  // Keys from a file are reloaded on SIGHUP and when the file changes, without a restart.
  const keysFile = config.apiKeysFile;
  const reloader = keysFile
    ? reloadApiKeysFromFile({
        path: keysFile,
        ring: server.app.keyRing,
        logger,
        metrics,
        onApplied: (entries) => {
          for (const entry of entries) everyKey.add(entry.key);
          secrets.set(everyKey);
        },
      })
    : null;
  process.on('SIGHUP', () => {
    if (reloader) reloader.reload('SIGHUP');
    else logger.info('SIGHUP: the keys come from THREADLINE_API_KEYS, there is no file to reload');
  });
  exitGracefullyOnSignals({
    logger,
    what: 'requests in flight',
    close: async () => {
      reloader?.close();
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
