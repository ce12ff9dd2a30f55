import type { FastifyInstance } from 'fastify';

/** Content-Security-Policy of a JSON answer: it loads nothing, runs nothing, is framed nowhere. */
export const JSON_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";
/** Content-Security-Policy of /docs: one inline stylesheet, nothing else. */
export const DOCS_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";

/**
 * Security headers on every answer of the server, set in one `onSend` hook:
 *
 * - `X-Content-Type-Options: nosniff` and `Referrer-Policy: no-referrer` on every answer;
 * - `Cache-Control: no-store` unless the route set its own (Bull Board's static files do): an
 *   answer holds a tenant's conversation and must not sit in a shared or browser cache;
 * - `Content-Security-Policy` {@link JSON_CSP} on JSON and problem+json answers, and
 *   {@link DOCS_CSP} on `/docs`. The dashboard's HTML (`/admin/queues`, Bull Board: its own
 *   scripts, styles and fonts) gets no CSP from here, so that it keeps working.
 *
 * Not @fastify/helmet: it would put one CSP on every route, the dashboard's included, and the
 * four headers here are all the API needs.
 */
export function useSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    const type = String(reply.getHeader('content-type') ?? '');
    if (/^application\/(problem\+)?json\b/.test(type))
      reply.header('content-security-policy', JSON_CSP);
    else if (request.routeOptions.url === '/docs')
      reply.header('content-security-policy', DOCS_CSP);
    return payload;
  });
}
