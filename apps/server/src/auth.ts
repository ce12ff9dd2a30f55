import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { presentedKey, type KeyRing } from './api-keys.ts';
import { ProblemError, sendProblem } from './problem.ts';
import type { TenantRateLimiter } from './tenant-rate-limiter.ts';
import type { ThreadlineMetrics } from '@threadline/observability';
import type { Runtime, SessionGateway } from '@threadline/runtime';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated tenant's sessions (routes under /v1 only); null elsewhere. */
    tenantSessions: SessionGateway | null;
    /** The id of the tenant API key the request presented, when it was known; null elsewhere. */
    apiKeyId: string | null;
  }
}

const TENANT_CHALLENGE = { 'www-authenticate': 'Bearer realm="threadline"' };
const ADMIN_CHALLENGE = { 'www-authenticate': 'Basic realm="threadline admin", charset="UTF-8"' };

/** The request's tenant view, set by {@link requireTenant}; a route without it is a wiring bug. */
export function sessionsOf(request: FastifyRequest): SessionGateway {
  if (!request.tenantSessions)
    throw new Error(`${request.url}: route registered without requireTenant`);
  return request.tenantSessions;
}

/**
 * `onRequest` hook of the tenant API: the key must be a tenant's (401 without a known key, 403
 * for the admin key), within the tenant's rate (429). Runs before the body is read, so a refused
 * request costs no parsing. Sets `request.tenantSessions`, the only way routes reach sessions.
 */
export function requireTenant(
  keys: KeyRing,
  limiter: TenantRateLimiter | null,
  runtime: Pick<Runtime, 'forTenant'>,
  metrics: Pick<ThreadlineMetrics, 'apiKeyRequests'>,
): onRequestHookHandler {
  const check = (request: FastifyRequest): ProblemError | null => {
    const key = presentedKey(request.headers);
    if (key === null)
      return new ProblemError(
        'unauthorized',
        'send your API key as "Authorization: Bearer <key>" or "x-api-key: <key>"',
        [{ path: 'headers.authorization', rule: 'expected an API key' }],
        TENANT_CHALLENGE,
      );
    const principal = key === 'malformed' ? null : keys.identify(key);
    if (principal?.kind === 'expired') {
      request.apiKeyId = principal.keyId;
      metrics.apiKeyRequests.inc({ key_id: principal.keyId, outcome: 'expired' });
      return new ProblemError(
        'unauthorized',
        'the API key has expired; use the key that replaces it',
        [{ path: 'headers.authorization', rule: 'expected an API key that has not expired' }],
        TENANT_CHALLENGE,
      );
    }
    if (!principal)
      return new ProblemError(
        'unauthorized',
        key === 'malformed'
          ? 'the Authorization header is not "Bearer <key>"'
          : 'the API key is not one this server knows',
        [{ path: 'headers.authorization', rule: 'expected a known API key' }],
        TENANT_CHALLENGE,
      );
    if (principal.kind !== 'tenant')
      return new ProblemError(
        'forbidden',
        "the admin key is for /metrics and /admin/queues; use a tenant's API key for /v1",
        [{ path: 'headers.authorization', rule: "expected a tenant's API key" }],
      );
    request.apiKeyId = principal.keyId;
    metrics.apiKeyRequests.inc({ key_id: principal.keyId, outcome: 'accepted' });
    if (limiter) {
      const decision = limiter.take(principal.tenant);
      if (!decision.ok)
        return new ProblemError(
          'too-many-requests',
          `this tenant is over its request rate; retry in ${decision.retryAfterSeconds} s`,
          [],
          { 'retry-after': String(decision.retryAfterSeconds) },
        );
    }
    request.tenantSessions = runtime.forTenant(principal.tenant);
    return null;
  };
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const problem = check(request);
    // Answered here, not thrown: a plugin's own error handler (Bull Board's) must not see it.
    if (problem) return sendProblem(reply, problem);
  };
}

/**
 * `onRequest` hook of the operator routes (/metrics, /admin/queues): the admin key only, as
 * `Authorization: Bearer`, `x-api-key`, or HTTP Basic with the key as the password (what a
 * browser sends after its login prompt, which the 401's `WWW-Authenticate: Basic` opens).
 */
export function requireAdmin(keys: KeyRing): onRequestHookHandler {
  const check = (request: FastifyRequest): ProblemError | null => {
    const key = presentedKey(request.headers);
    const identified = key === null || key === 'malformed' ? null : keys.identify(key);
    const principal = identified?.kind === 'expired' ? null : identified;
    if (!principal)
      return new ProblemError(
        'unauthorized',
        key === null
          ? 'this route needs the admin key: "Authorization: Bearer <admin key>", or in a browser any user name and the admin key as the password'
          : 'the key is not the admin key',
        [{ path: 'headers.authorization', rule: 'expected the admin key' }],
        ADMIN_CHALLENGE,
      );
    if (principal.kind !== 'admin')
      return new ProblemError(
        'forbidden',
        "a tenant's API key cannot open the operator routes; use the admin key",
        [{ path: 'headers.authorization', rule: 'expected the admin key' }],
      );
    return null;
  };
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const problem = check(request);
    if (problem) return sendProblem(reply, problem);
  };
}
