import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { issuesFromZod } from '@threadline/core';
import type { SessionChange } from '@threadline/runtime';
import { sessionsOf } from './auth.ts';
import { StreamQuerySchema } from './http-schemas.ts';
import { SessionParamsSchema } from './http-schemas.ts';
import { invalid, ProblemError } from './problem.ts';
import { TenantSlots } from './tenant-slots.ts';

/** How the server-sent-events streams of `GET /v1/sessions/:id/stream` are bounded. */
export interface StreamLimits {
  /**
   * Streams one tenant may have open at once, in this process; one more gets 429 with
   * `Retry-After`.
   *
   * @defaultValue 10
   */
  maxPerTenant: number;
  /**
   * A stream is closed after this long (an `end` event with reason `max-duration`): the client
   * reconnects, and a forgotten stream does not poll forever.
   *
   * @defaultValue 900000 (15 minutes)
   */
  maxDurationMs: number;
  /**
   * A `: heartbeat` comment is sent after this long without an event, so that proxies and the
   * server's own idle timeout (60 s) keep the connection, and a dead client is noticed.
   *
   * @defaultValue 15000
   */
  heartbeatMs: number;
  /** The pause between two polls of the session's state right after a change, in ms. @defaultValue 100 */
  pollMinMs: number;
  /** The longest pause between two polls while the session is quiet, in ms. @defaultValue 1000 */
  pollMaxMs: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  maxPerTenant: 10,
  maxDurationMs: 15 * 60_000,
  heartbeatMs: 15_000,
  pollMinMs: 100,
  pollMaxMs: 1000,
};

/** One SSE message: `event`, `id` (the session's version) and one `data` line of JSON. */
const message = (event: string, data: unknown, id?: number) =>
  `event: ${event}\n${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(data)}\n\n`;

/**
 * `GET /v1/sessions/:id/stream`: what happens to one session, as server-sent events, by polling
 * its state in this process (see the README, "Streams", for the design and its cost). Every open
 * stream ends with an `end` event when the server closes (SIGTERM), so that a close is not held
 * up by them.
 */
export function registerSessionStream(app: FastifyInstance, limits: StreamLimits): void {
  const open = new TenantSlots(limits.maxPerTenant);
  const closers = new Set<(reason: string) => void>();
  app.addHook('preClose', async () => {
    for (const close of [...closers]) close('shutdown');
  });

  app.get('/v1/sessions/:id/stream', async (request, reply) => {
    const params = SessionParamsSchema.safeParse(request.params ?? {});
    if (!params.success) throw invalid(issuesFromZod(params.error, 'params'));
    const query = StreamQuerySchema.safeParse(request.query ?? {});
    if (!query.success) throw invalid(issuesFromZod(query.error, 'query'));
    const { id } = params.data;
    const sessions = sessionsOf(request);
    const stop = new AbortController();
    // SessionNotFoundError (a 404 problem) before anything is streamed.
    const changes = await sessions.watch(id, {
      signal: stop.signal,
      pollMinMs: limits.pollMinMs,
      pollMaxMs: limits.pollMaxMs,
    });
    if (request.method === 'HEAD') {
      // The headers a GET would have, and no stream: a HEAD takes no place and ends at once.
      stop.abort();
      return reply.type('text/event-stream; charset=utf-8').send();
    }
    // The same per-tenant counter as the waiting reads', counting open streams here.
    if (!open.enter(sessions.tenant)) {
      stop.abort();
      throw new ProblemError(
        'too-many-requests',
        `this tenant already has ${limits.maxPerTenant} streams open; close one, or retry later`,
        [
          {
            path: 'stream',
            rule: `at most ${limits.maxPerTenant} open streams per tenant (quota: open streams)`,
          },
        ],
        { 'retry-after': '5' },
      );
    }
    const out = new PassThrough();
    let ended = false;
    let heartbeat: NodeJS.Timeout | undefined;
    const beat = () => {
      clearTimeout(heartbeat);
      heartbeat = setTimeout(() => {
        out.write(': heartbeat\n\n');
        beat();
      }, limits.heartbeatMs);
    };
    const end = (reason: string) => {
      if (ended) return;
      ended = true;
      clearTimeout(heartbeat);
      clearTimeout(deadline);
      closers.delete(end);
      stop.abort();
      open.leave(sessions.tenant);
      if (!out.destroyed) out.end(message('end', { reason }));
    };
    const deadline = setTimeout(() => end('max-duration'), limits.maxDurationMs);
    closers.add(end);
    reply.raw.once('close', () => end('client-gone'));
    out.write(`retry: 2000\n${message('ready', { sessionId: id })}`);
    beat();
    void (async () => {
      try {
        for await (const change of changes as AsyncIterable<SessionChange>) {
          if (ended) break;
          const { type, ...data } = change;
          out.write(message(type, data, change.version || undefined));
          beat();
          if (type === 'session.deleted') return end('session-deleted');
        }
      } catch (error) {
        request.log.warn({ err: error, sessionId: id }, 'session stream failed');
        return end('error');
      }
    })();
    return (
      reply
        .type('text/event-stream; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('x-accel-buffering', 'no')
        // The connection ends with the stream: not left idle, to be reused, after a long answer.
        .header('connection', 'close')
        .send(out)
    );
  });
}
