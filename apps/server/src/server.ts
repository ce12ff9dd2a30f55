import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import Fastify, {
  LogController,
  type ConnectionError,
  type FastifyBaseLogger,
  type FastifyInstance,
} from 'fastify';
import type { Runtime } from '@threadline/runtime';
import { createMetrics, type Logger, type ThreadlineMetrics } from '@threadline/observability';
import {
  eventQueueNames,
  SUMMARIZE_QUEUE,
  type EventProducer,
  type QueueTopology,
} from '@threadline/queue';

import { registerAdminRoutes } from './admin-routes.ts';
import { KeyRing, type ApiKeyEntry } from './api-keys.ts';
import { requireTenant } from './auth.ts';
import { useStrictJsonBodies } from './json-body.ts';
import { buildOpenApiDocument, renderDocsPage } from './openapi.ts';
import { ProblemError, problemOf, sendProblem } from './problem.ts';
import { defaultReadyCheck, type ReadyCheck } from './readiness.ts';
import { JSON_CSP, useSecurityHeaders } from './security-headers.ts';
import { DEFAULT_MAX_WAITING_READS_PER_TENANT, TenantSlots } from './tenant-slots.ts';
import { registerSessionRoutes } from './session-routes.ts';
import type { RetentionDefaults } from './retention-defaults.ts';
import {
  DEFAULT_STREAM_LIMITS,
  registerSessionStream,
  type StreamLimits,
} from './session-stream.ts';
import {
  DEFAULT_RATE_LIMIT,
  TenantRateLimiter,
  type RateLimitOptions,
} from './tenant-rate-limiter.ts';

const VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

/**
 * What the server uses of the distributed runtime: a `RedisRuntime` from `@threadline/runtime`
 * (`redisRuntime({ url, topology })`): the gateway of each request's tenant (`forTenant`, the
 * tenant of its API key; the runtime's own default tenant is not used), and its queues for the
 * readiness check and the dashboard. Events of one session go `eventsPerJob` to a queue job (the
 * runtime's option). The server never closes it; its owner does, after `close()`.
 */
export type ServerRuntime = Pick<Runtime, 'forTenant' | 'now' | 'newEventId'> & {
  readonly producer: EventProducer;
  readonly topology: QueueTopology;
};

export interface ServerOptions {
  runtime: ServerRuntime;
  /**
   * The tenant API keys: entries with an id, an optional expiry and `revoked`, or (the older
   * form) a map of API key → tenant, whose ids are derived (`derivedKeyId`). Keys: at least 16
   * visible ASCII characters, no `,`. Replace them while the server runs with `app.keyRing`.
   */
  apiKeys: Readonly<Record<string, string>> | readonly ApiKeyEntry[];
  /** The key of /metrics and /admin/queues (not a tenant's); same rule as the API keys. */
  adminKey: string;
  /** pino logger (`createLogger` from `@threadline/observability`: keys are redacted). */
  logger: Logger;
  /**
   * Largest request body, in bytes; a larger one is refused with 413 while it streams in.
   *
   * @defaultValue 1048576 (1 MiB)
   */
  bodyLimitBytes?: number;
  /**
   * What `/readyz` checks. The default: Redis answers PING and a session worker was seen on an
   * event queue within `workerSeenWithinMs`.
   */
  readyCheck?: ReadyCheck;
  /** @defaultValue 15000 */
  workerSeenWithinMs?: number;
  /**
   * Per-tenant token bucket, in this process; `false` turns it off.
   *
   * @defaultValue `{ ratePerSecond: 1000, burst: 2000 }`
   */
  rateLimit?: RateLimitOptions | false;
  /** The registry /metrics serves; pass it to workers in the same process to export theirs too. @defaultValue createMetrics() */
  metrics?: ThreadlineMetrics;
  /**
   * Bull Board without the buttons that change jobs.
   *
   * @defaultValue true
   */
  dashboardReadOnly?: boolean;
  /**
   * Reads with `waitFor` one tenant may have waiting at once, in this process; one more gets 429
   * with `Retry-After`. `false` turns the cap off.
   *
   * @defaultValue 100
   */
  maxWaitingReadsPerTenant?: number | false;
  /** How the server-sent-events streams are bounded; see {@link StreamLimits}. */
  streams?: Partial<StreamLimits>;
  /** How long the server waits on slow or idle clients; see {@link ServerTimeouts}. */
  timeouts?: Partial<ServerTimeouts>;
  /**
   * The retention of sessions created without one: per tenant, else for all, else core's
   * (30 days). See retention-defaults.ts.
   */
  retention?: RetentionDefaults;
}

/**
 * How long the server waits on a client, in ms. A connection past one of them is closed (with a
 * 408 problem when a request was under way), so slow or idle clients cannot hold sockets.
 */
export interface ServerTimeouts {
  /**
   * The request line and headers must arrive within this time of the request's first byte
   * (Node's `headersTimeout`). At most `requestMs`.
   *
   * @defaultValue 10000
   */
  headersMs: number;
  /**
   * The whole request, body included, must arrive within this time (Node's `requestTimeout`,
   * Fastify's `requestTimeout`): a client that dribbles its body a byte at a time is cut off even
   * though it is never idle. The answer's time does not count (a `waitFor` read may take longer).
   *
   * @defaultValue 30000
   */
  requestMs: number;
  /**
   * A connection with no bytes either way for this long is closed (Fastify's
   * `connectionTimeout`, the socket's timeout). Longer than the longest `waitFor` (30 s), during
   * which a read sends nothing.
   *
   * @defaultValue 60000
   */
  connectionMs: number;
  /**
   * An idle keep-alive connection is closed after this long (Fastify's `keepAliveTimeout`). Keep
   * it longer than the idle timeout of a proxy in front (60 s on common load balancers), so that
   * the proxy, not the server, closes idle connections.
   *
   * @defaultValue 72000
   */
  keepAliveMs: number;
}

export const DEFAULT_TIMEOUTS: ServerTimeouts = {
  headersMs: 10_000,
  requestMs: 30_000,
  connectionMs: 60_000,
  keepAliveMs: 72_000,
};

export interface StartServerOptions extends ServerOptions {
  /** @defaultValue 8080 (0 picks a free port) */
  port?: number;
  /** @defaultValue '127.0.0.1' */
  host?: string;
}

export interface RunningServer {
  /** `http://host:port` it listens on. */
  url: string;
  app: FastifyInstance;
  /** Stops accepting, lets requests in flight finish (the runtime stays open). */
  close(): Promise<void>;
}

export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

declare module 'fastify' {
  interface FastifyInstance {
    /** The server's keys; `keyRing.replace(entries)` swaps the tenant keys without a restart. */
    keyRing: KeyRing;
  }
}

/** The logger's `component: 'server'` child, unless it is one already (a JSON line has each key once). */
function serverLogger(logger: Logger): Logger {
  return logger.bindings()['component'] === 'server'
    ? logger
    : logger.child({ component: 'server' });
}

/**
 * Longest path parameter the router matches. Ids are up to 128 characters; anything up to this
 * reaches the route and gets a 400 naming `params.id` and its rule (past it, the router answers a
 * bare 414 of its own). No route has a regular-expression parameter, so a long one costs nothing;
 * over real HTTP the request line is bounded by Node's 16 KiB header limit first (431).
 */
const MAX_PARAM_LENGTH = 65_536;

/**
 * Fastify's answer to a request Node's HTTP parser refused (malformed, headers too large, too
 * slow), as problem+json, without the raw packet: Fastify's default handler logs the error as it
 * is, and Node puts the request's bytes (its Authorization header included) on `rawPacket`.
 */
function clientErrorHandler(logger: Logger): (error: ConnectionError, socket: Socket) => void {
  return (error, socket) => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, title, label] =
      error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request timeout', 'timeout']
        : error.code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'The request headers are too large', 'header_overflow']
          : [400, 'Bad request', 'error'];
    logger.trace({ err: { code: error.code, message: error.message } }, `client ${label}`);
    if (socket.writable) {
      const body = JSON.stringify({
        type: 'https://threadline.dev/problems/invalid-request',
        title,
        status,
        detail: `the HTTP request could not be read (${String(error.code ?? 'client error')})`,
        errors: [],
      });
      const headers = [
        `HTTP/1.1 ${status} ${title}`,
        'Connection: close',
        `Content-Length: ${Buffer.byteLength(body)}`,
        'Content-Type: application/problem+json; charset=utf-8',
        'X-Content-Type-Options: nosniff',
        'Cache-Control: no-store',
        'Referrer-Policy: no-referrer',
        `Content-Security-Policy: ${JSON_CSP}`,
      ];
      socket.write(`${headers.join('\r\n')}\r\n\r\n${body}`);
    }
    socket.destroy();
  };
}

/**
 * The HTTP API of Threadline (see the README): the tenant API under /v1, /healthz, /readyz,
 * /docs, and behind the admin key /metrics and the queue dashboard. Ready to `listen` or
 * `inject`; `startServer` does the listening.
 */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const keys = new KeyRing(options.apiKeys, options.adminKey);
  const { runtime } = options;
  const metrics = options.metrics ?? createMetrics();
  const limiter =
    options.rateLimit === false
      ? null
      : new TenantRateLimiter({ ...DEFAULT_RATE_LIMIT, ...options.rateLimit });
  const waitingReads =
    options.maxWaitingReadsPerTenant === false
      ? null
      : new TenantSlots(options.maxWaitingReadsPerTenant ?? DEFAULT_MAX_WAITING_READS_PER_TENANT);
  const eventQueues = eventQueueNames(runtime.topology).map((n) => runtime.producer.queue(n));
  const queues = [...eventQueues, runtime.producer.queue(SUMMARIZE_QUEUE)];
  const readyCheck =
    options.readyCheck ??
    defaultReadyCheck({
      // The runtime's connection, through the queue that shares it (an ioredis client).
      ping: async () =>
        (
          (await eventQueues[0]!.getBackend().client) as unknown as { ping(): Promise<string> }
        ).ping(),
      eventQueues,
      workerSeenWithinMs: options.workerSeenWithinMs,
    });

  const logger = serverLogger(options.logger);
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  if (timeouts.headersMs > timeouts.requestMs)
    throw new Error(
      `timeouts.headersMs: expected at most timeouts.requestMs (${timeouts.requestMs}), got ${timeouts.headersMs}`,
    );
  const app = Fastify({
    requestTimeout: timeouts.requestMs,
    connectionTimeout: timeouts.connectionMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    http: {
      headersTimeout: timeouts.headersMs,
      // Node checks the headers and request timeouts this often (30 s by default): a quarter of
      // the shorter one, so that a slow client is cut off within 1.25 times its timeout.
      connectionsCheckingInterval: Math.max(
        50,
        Math.floor(Math.min(timeouts.headersMs, timeouts.requestMs) / 4),
      ),
    },
    loggerInstance: logger as FastifyBaseLogger,
    // One line per request, written by the onResponse hook below (level by status).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    // Ids are up to 128 characters: a longer one gets a 400 naming the rule, not a 414.
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    clientErrorHandler: clientErrorHandler(logger),
  });
  app.decorateRequest('tenantSessions', null);
  app.decorateRequest('apiKeyId', null);
  app.decorate('keyRing', keys);
  metrics.apiKeysLoaded.set(keys.keyIds().length);
  useStrictJsonBodies(app);
  useSecurityHeaders(app);

  app.setErrorHandler((error, request, reply) => {
    const problem = problemOf(error);
    if (problem.kind === 'internal') request.log.error({ err: error }, 'request failed');
    else if (problem.kind === 'unavailable')
      request.log.warn({ err: (error as Error).message }, 'store unavailable');
    return sendProblem(reply, problem);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      new ProblemError(
        'not-found',
        `no route ${request.method} ${request.url.split('?')[0]}: see /docs`,
      ),
    ),
  );
  // At trace level the headers are logged, to debug clients; keys are redacted by the logger.
  // The path only: a query string is the client's, and might hold what it should not.
  app.addHook('onRequest', async (request) => {
    if (request.log.level === 'trace')
      request.log.trace(
        { headers: request.headers, method: request.method, path: request.url.split('?')[0] },
        'request received',
      );
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    metrics.httpRequests.inc({ method: request.method, route, status: String(status) });
    metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    const line = {
      method: request.method,
      route,
      status,
      ms: Math.round(reply.elapsedTime * 10) / 10,
      tenant: request.tenantSessions?.tenant,
      keyId: request.apiKeyId ?? undefined,
    };
    if (status >= 500) request.log.error(line, 'request answered');
    else if (status >= 400) request.log.info(line, 'request refused');
    else request.log.debug(line, 'request answered');
  });

  // Public: probes and docs.
  const openapi = buildOpenApiDocument({ version: VERSION });
  const docsPage = renderDocsPage(openapi);
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const report = await readyCheck();
    return reply.code(report.ready ? 200 : 503).send(report);
  });
  app.get('/docs', async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(docsPage),
  );
  app.get('/docs/openapi.json', async () => openapi);

  // The tenant API: the key's tenant, and only it, for every session a route touches.
  await app.register(async (api) => {
    api.addHook('onRequest', requireTenant(keys, limiter, runtime, metrics));
    registerSessionRoutes(api, { metrics, waitingReads, retention: options.retention ?? {} });
    registerSessionStream(api, { ...DEFAULT_STREAM_LIMITS, ...options.streams });
  });

  await registerAdminRoutes(app, {
    keys,
    metrics,
    queues,
    dashboardReadOnly: options.dashboardReadOnly ?? true,
  });
  return app;
}

/** Builds the server and listens; `url` is where it answers. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const app = await buildServer(options);
  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port ?? 8080, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}`,
    app,
    close: () => app.close(),
  };
}
