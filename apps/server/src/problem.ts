import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import {
  SessionExistsError,
  SessionNotFoundError,
  ValidationError,
  WaitTimeoutError,
  type ValidationIssue,
} from '@threadline/core';

/** Media type of every error answer (RFC 9457). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** Where the problem types are described (they need not resolve: RFC 9457 §3.1.1). */
const TYPE_BASE = 'https://threadline.dev/problems/';

/** The kinds of problem the API answers with, their status and title. */
export const PROBLEMS = {
  'invalid-request': { status: 400, title: 'The request is invalid' },
  unauthorized: { status: 401, title: 'An API key is required' },
  forbidden: { status: 403, title: 'This key may not do that' },
  'not-found': { status: 404, title: 'Not found' },
  'session-exists': { status: 409, title: 'The session already exists' },
  'body-too-large': { status: 413, title: 'The body is too large' },
  'unsupported-media-type': { status: 415, title: 'The body must be application/json' },
  'too-many-requests': { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal error' },
  unavailable: { status: 503, title: 'Temporarily unavailable' },
  'wait-timeout': { status: 504, title: 'The event was not applied in time' },
} as const;
export type ProblemKind = keyof typeof PROBLEMS;

/** An error answer (`application/problem+json`). */
export const ProblemSchema = z.object({
  type: z.string().describe('URI naming the kind of problem'),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().describe('What went wrong and what to do, in a sentence'),
  errors: z
    .array(
      z.object({
        path: z
          .string()
          .describe('The field: `events[3].content`, `query.budget`, `headers.content-type`'),
        rule: z.string().describe('The rule it broke'),
      }),
    )
    .describe('One entry per offending field; empty when no field is at fault'),
});
export type Problem = z.infer<typeof ProblemSchema>;

/** A refusal with its HTTP status, thrown anywhere in a request and answered as problem+json. */
export class ProblemError extends Error {
  override readonly name = 'ProblemError';
  readonly status: number;

  constructor(
    readonly kind: ProblemKind,
    readonly detail: string,
    readonly issues: ValidationIssue[] = [],
    /** Extra response headers (`Retry-After`, `WWW-Authenticate`). */
    readonly headers: Record<string, string> = {},
    /** Another status than the kind's own (a client error of Fastify's with no kind of its own). */
    status?: number,
  ) {
    super(detail);
    this.status = status ?? PROBLEMS[kind].status;
  }

  toProblem(): Problem {
    return {
      type: `${TYPE_BASE}${this.kind}`,
      title: this.status === PROBLEMS[this.kind].status ? PROBLEMS[this.kind].title : 'Bad request',
      status: this.status,
      detail: this.detail,
      errors: this.issues,
    };
  }
}

/** Answers with the problem (its status, headers and problem+json body). */
export function sendProblem(reply: FastifyReply, problem: ProblemError): FastifyReply {
  return reply
    .code(problem.status)
    .headers(problem.headers)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(problem.toProblem()));
}

/** Refused input: 400 with every field and rule. */
export function invalid(issues: ValidationIssue[]): ProblemError {
  let named = issues.flatMap(unknownFieldsByName).map((i) => ({
    path: i.path.length > MAX_PATH_CHARS ? `${i.path.slice(0, MAX_PATH_CHARS)}…` : i.path,
    rule: i.rule,
  }));
  // A body of a million bad fields gets a bounded answer.
  if (named.length > MAX_ISSUES)
    named = [
      ...named.slice(0, MAX_ISSUES),
      { path: 'body', rule: `and ${named.length - MAX_ISSUES} more problems like these` },
    ];
  const detail = new ValidationError(named.slice(0, 10)).message;
  return new ProblemError(
    'invalid-request',
    named.length > 10 ? `${detail}; … (${named.length} in errors)` : detail,
    named,
  );
}

const MAX_ISSUES = 100;
const MAX_PATH_CHARS = 200;

/**
 * Core names unknown fields in the rule of their object (`events[2]: unknown fields "a", "b"`);
 * an HTTP client is better served by one issue per field, at the field (`events[2].a`).
 */
function unknownFieldsByName(issue: ValidationIssue): ValidationIssue[] {
  const match = /^unknown fields? (.+)$/.exec(issue.rule);
  if (!match) return [issue];
  let names: unknown;
  try {
    names = JSON.parse(`[${match[1]}]`);
  } catch {
    return [issue];
  }
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) return [issue];
  const base = issue.path === 'body' ? '' : issue.path;
  return names.map((name: string) => ({
    path: /^[A-Za-z_$][\w$]*$/.test(name)
      ? base
        ? `${base}.${name}`
        : name
      : `${base}[${JSON.stringify(name)}]`,
    rule: 'unknown field: not part of the schema (see /docs)',
  }));
}

/** Errors of Redis that mean "not now": out of memory (noeviction), a replica, a lost connection. */
function isRedisUnavailable(error: Error): boolean {
  const message = error.message ?? '';
  return (
    /^(OOM|READONLY|LOADING|MASTERDOWN|CLUSTERDOWN|TRYAGAIN)\b/.test(message) ||
    /\bOOM command not allowed\b/.test(message) ||
    error.name === 'MaxRetriesPerRequestError' ||
    /Connection is closed|connect ECONNREFUSED|Stream isn't writeable|ETIMEDOUT|ECONNRESET/.test(
      message,
    )
  );
}

/** Fastify's own error codes and what they mean for a client. */
const FASTIFY_ERRORS: Record<string, (error: FastifyLikeError) => ProblemError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: (e) =>
    new ProblemError('body-too-large', `the body is larger than the limit: ${e.message}`, [
      { path: 'body', rule: 'expected a body within the size limit' },
    ]),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => unsupportedMediaType(),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () =>
    invalid([{ path: 'headers.content-length', rule: 'expected the length of the body' }]),
  FST_ERR_CTP_EMPTY_JSON_BODY: () =>
    invalid([{ path: 'body', rule: 'expected a JSON body (the content-type says JSON)' }]),
  FST_ERR_CTP_INVALID_JSON_BODY: (e) =>
    invalid([{ path: 'body', rule: `expected JSON: ${e.message}` }]),
};

export function unsupportedMediaType(contentType?: string): ProblemError {
  return new ProblemError(
    'unsupported-media-type',
    `send the body as JSON with "content-type: application/json"${contentType ? ` (got "${contentType.slice(0, 100)}")` : ''}`,
    [{ path: 'headers.content-type', rule: 'expected application/json (UTF-8)' }],
  );
}

interface FastifyLikeError extends Error {
  code?: string;
  statusCode?: number;
}

/** How long a client should wait after a 503 before trying again, in seconds. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/** Maps anything thrown during a request to the problem to answer: the domain's errors, in one place. */
export function problemOf(error: unknown): ProblemError {
  if (error instanceof ProblemError) return error;
  if (error instanceof ValidationError) return invalid(error.issues);
  if (error instanceof SessionNotFoundError)
    return new ProblemError('not-found', `${error.message}: create it with POST /v1/sessions`);
  if (error instanceof WaitTimeoutError)
    return new ProblemError(
      'wait-timeout',
      `${error.message}: ask again (the event stays queued), raise waitTimeoutMs, or check that session workers run (GET /readyz)`,
      [{ path: 'query.waitFor', rule: `expected an event applied within ${error.timeoutMs} ms` }],
    );
  if (error instanceof SessionExistsError)
    return new ProblemError(
      'session-exists',
      `${error.message}: choose another sessionId, or omit it to get a new one`,
      [{ path: 'sessionId', rule: 'expected an id no session of this tenant has' }],
    );
  if (error instanceof Error) {
    const e = error as FastifyLikeError;
    const known = e.code ? FASTIFY_ERRORS[e.code] : undefined;
    if (known) return known(e);
    if (isRedisUnavailable(e))
      return new ProblemError(
        'unavailable',
        `the store refused the request (${e.message.split('\n')[0]!.slice(0, 120)}); nothing was written: retry later`,
        [],
        { 'retry-after': String(UNAVAILABLE_RETRY_AFTER_SECONDS) },
      );
    // Fastify's other client errors (a malformed URL, a header it refused) keep their status.
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500)
      return new ProblemError(
        e.statusCode === 404 ? 'not-found' : 'invalid-request',
        e.message,
        [],
        {},
        e.statusCode,
      );
  }
  return new ProblemError('internal', 'the server failed to answer; the error is in its log');
}
