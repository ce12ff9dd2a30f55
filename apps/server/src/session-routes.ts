import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import {
  acceptEvents,
  CreateSessionSchema,
  formatContext,
  PatchSessionSchema,
  issuesFromZod,
  sessionInfo,
  ValidationError,
  type AcceptedEvent,
  type ValidationIssue,
} from '@threadline/core';
import type { ThreadlineMetrics } from '@threadline/observability';
import { sessionsOf } from './auth.ts';
import {
  ConversationQuerySchema,
  DEFAULT_WAIT_TIMEOUT_MS,
  EventsEnvelopeSchema,
  MessagesQuerySchema,
  SessionParamsSchema,
  StatsQuerySchema,
  SubjectParamsSchema,
  SummariesQuerySchema,
  SystemPromptBodySchema,
  WaitQuerySchema,
} from './http-schemas.ts';
import { invalid, ProblemError } from './problem.ts';
import type { TenantSlots } from './tenant-slots.ts';
import { retentionFor, type RetentionDefaults } from './retention-defaults.ts';
import type { SessionGateway } from '@threadline/runtime';

/** Validates one part of a request with its zod schema; issues are named `<where>.<field>`. */
function parsePart<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw invalid(issuesFromZod(result.error, where).map(namedIssue));
}

/** The body's own fields are named as they are (`events[3].content`); the body itself is `body`. */
function parseBody<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw invalid(issuesFromZod(result.error).map(namedIssue));
}

const namedIssue = (issue: ValidationIssue): ValidationIssue => ({
  path: issue.path || 'body',
  rule: issue.rule,
});

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Waits for `waitFor` when the query asks (read-your-writes), giving up if the client leaves. */
async function waitForEventIfAsked(
  request: FastifyRequest,
  reply: FastifyReply,
  sessionId: string,
  query: { waitFor?: string | undefined; waitTimeoutMs?: number | undefined },
  limit: TenantSlots | null,
  metrics: Pick<ThreadlineMetrics, 'waitingReads'>,
): Promise<void> {
  if (!query.waitFor) return;
  const { tenant } = sessionsOf(request);
  if (limit && !limit.enter(tenant))
    throw new ProblemError(
      'too-many-requests',
      `this tenant already has ${limit.maxPerTenant} reads waiting (waitFor); retry once one has answered`,
      [
        {
          path: 'query.waitFor',
          rule: `at most ${limit.maxPerTenant} reads with waitFor waiting at once per tenant (quota: waiting reads)`,
        },
      ],
      { 'retry-after': '1' },
    );
  metrics.waitingReads.inc();
  const gone = new AbortController();
  const onClose = () => gone.abort();
  reply.raw.once('close', onClose);
  try {
    await sessionsOf(request).waitFor(sessionId, query.waitFor, {
      timeoutMs: query.waitTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS,
      signal: gone.signal,
      // Sessions of the HTTP API are created explicitly: an unknown one is a 404 at once.
      mustExist: true,
    });
  } finally {
    reply.raw.removeListener('close', onClose);
    limit?.leave(tenant);
    metrics.waitingReads.dec();
  }
}

/**
 * Validates events sent for the session of the path: one event, or `{ events: [...] }`. An
 * event may leave out `sessionId` (the path names it) or give the same one. All or nothing.
 */
function acceptForSession(
  body: unknown,
  sessionId: string,
  clock: Pick<SessionGateway, 'now' | 'newEventId'>,
): AcceptedEvent[] {
  if (body === undefined || body === null)
    throw invalid([{ path: 'body', rule: 'expected an event, or {"events": [...]}' }]);
  if (!isObject(body))
    throw invalid([
      { path: 'body', rule: 'expected a JSON object: an event, or {"events": [...]}' },
    ]);
  const batch = 'events' in body;
  const inputs = batch ? parseBody(EventsEnvelopeSchema, body).events : [body];
  const at = (i: number, field: string) => (batch ? `events[${i}].${field}` : field);
  const issues: ValidationIssue[] = [];
  const withSession = inputs.map((input, i) => {
    if (!isObject(input) || input['sessionId'] === undefined)
      return isObject(input) ? { ...input, sessionId } : input;
    if (input['sessionId'] !== sessionId)
      issues.push({
        path: at(i, 'sessionId'),
        rule: `expected the session of the path, "${sessionId}" (or leave it out)`,
      });
    return input;
  });
  try {
    const accepted = acceptEvents(
      withSession,
      { now: clock.now(), newEventId: () => clock.newEventId() },
      batch ? 'events' : '',
    );
    if (issues.length) throw invalid(issues);
    return accepted;
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    // A single event's issues are named by field (`content`), not `[0].content`.
    const own = batch
      ? error.issues
      : error.issues.map((i) => ({
          path: i.path.replace(/^\[0\]\.?/, '') || 'body',
          rule: i.rule,
        }));
    throw invalid([...issues, ...own]);
  }
}

/** The tenant API under /v1. Every handler reaches sessions through `sessionsOf(request)` only. */
export function registerSessionRoutes(
  app: FastifyInstance,
  deps: {
    metrics: ThreadlineMetrics;
    waitingReads: TenantSlots | null;
    retention: RetentionDefaults;
  },
): void {
  const { metrics } = deps;
  const waitIfAsked = (
    request: FastifyRequest,
    reply: FastifyReply,
    sessionId: string,
    query: { waitFor?: string | undefined; waitTimeoutMs?: number | undefined },
  ) => waitForEventIfAsked(request, reply, sessionId, query, deps.waitingReads, metrics);
  const accepted = (reply: FastifyReply, eventIds: string[]) => {
    metrics.eventsAccepted.inc({ source: 'http' }, eventIds.length);
    return reply.code(202).send({ accepted: eventIds });
  };

  app.post('/v1/sessions', async (request, reply) => {
    // No body at all means defaults; a body of `null` is a body, and not an object.
    const create = parseBody(CreateSessionSchema, request.body === undefined ? {} : request.body);
    const sessionId = create.sessionId ?? randomUUID();
    const sessions = sessionsOf(request);
    const retentionSeconds =
      create.retentionSeconds !== undefined
        ? create.retentionSeconds
        : retentionFor(deps.retention, sessions.tenant);
    await sessions.create({
      ...create,
      sessionId,
      ...(retentionSeconds === undefined ? {} : { retentionSeconds }),
    });
    return reply.code(201).send({ sessionId });
  });

  app.patch('/v1/sessions/:id', async (request) => {
    const { id } = parsePart(SessionParamsSchema, request.params, 'params');
    if (request.body === undefined)
      throw invalid([
        { path: 'body', rule: 'expected {"metadata": {...}, "retentionSeconds": ...}' },
      ]);
    const patch = parseBody(PatchSessionSchema, request.body);
    const { session } = await sessionsOf(request).update(id, patch);
    return sessionInfo(session);
  });

  app.post('/v1/sessions/:id/events', async (request, reply) => {
    const { id } = parsePart(SessionParamsSchema, request.params, 'params');
    const sessions = sessionsOf(request);
    const events = acceptForSession(request.body, id, sessions);
    return accepted(reply, await sessions.submit(id, events, { mustExist: true }));
  });

  app.put('/v1/sessions/:id/system-prompt', async (request, reply) => {
    const { id } = parsePart(SessionParamsSchema, request.params, 'params');
    if (request.body === undefined)
      throw invalid([{ path: 'body', rule: 'expected {"systemPrompt": "..."}' }]);
    const body = parseBody(SystemPromptBodySchema, request.body);
    const sessions = sessionsOf(request);
    const events = acceptEvents(
      [
        {
          type: 'system_prompt_updated',
          sessionId: id,
          content: body.systemPrompt,
          ...(body.eventId ? { eventId: body.eventId } : {}),
        },
      ],
      { now: sessions.now(), newEventId: () => sessions.newEventId() },
    );
    return accepted(reply, await sessions.submit(id, events, { mustExist: true }));
  });

  app.get('/v1/sessions/:id', async (request, reply) => {
    const { id } = parsePart(SessionParamsSchema, request.params, 'params');
    const query = parsePart(WaitQuerySchema, request.query, 'query');
    await waitIfAsked(request, reply, id, query);
    return sessionInfo((await sessionsOf(request).session(id)).session);
  });

  app.get('/v1/sessions/:id/messages', async (request, reply) => {
    const { id } = parsePart(SessionParamsSchema, request.params, 'params');
    const query = parsePart(MessagesQuerySchema, request.query, 'query');
    await waitIfAsked(request, reply, id, query);
    const window = await sessionsOf(request).messages(id, {
      budget: query.budget ?? null,
      includeSystem: query.includeSystem ?? true,
    });
    return formatContext(window, query.format ?? 'openai');
  });

  app.get('/v1/sessions/:id/conversation', async (request, reply) => {
    const { id } = parsePart(SessionParamsSchema, request.params, 'params');
    const query = parsePart(ConversationQuerySchema, request.query, 'query');
    await waitIfAsked(request, reply, id, query);
    const { entries, page } = await sessionsOf(request).conversationPage(id, {
      allSegments: query.allSegments ?? false,
      includeTools: query.includeTools ?? false,
      limit: query.limit,
      after: query.after,
      before: query.before,
    });
    return { sessionId: id, entries, page };
  });

  app.get('/v1/sessions/:id/stats', async (request, reply) => {
    const { id } = parsePart(SessionParamsSchema, request.params, 'params');
    const query = parsePart(StatsQuerySchema, request.query, 'query');
    await waitIfAsked(request, reply, id, query);
    return sessionsOf(request).stats(id, { allSegments: query.allSegments ?? false });
  });

  app.get('/v1/sessions/:id/chain', async (request, reply) => {
    const { id } = parsePart(SessionParamsSchema, request.params, 'params');
    const query = parsePart(WaitQuerySchema, request.query, 'query');
    await waitIfAsked(request, reply, id, query);
    const segments = await sessionsOf(request).chain(id);
    return { sessionId: id, segmentIds: segments.map((s) => s.id), segments };
  });

  app.get('/v1/sessions/:id/summaries', async (request, reply) => {
    const { id } = parsePart(SessionParamsSchema, request.params, 'params');
    const query = parsePart(SummariesQuerySchema, request.query, 'query');
    await waitIfAsked(request, reply, id, query);
    const { summaries, page } = await sessionsOf(request).summaries(id, {
      limit: query.limit,
      after: query.after,
    });
    return { sessionId: id, summaries, page };
  });

  app.get('/v1/sessions/:id/export', async (request, reply) => {
    const { id } = parsePart(SessionParamsSchema, request.params, 'params');
    const query = parsePart(WaitQuerySchema, request.query, 'query');
    await waitIfAsked(request, reply, id, query);
    const lines = await sessionsOf(request).export(id);
    return reply
      .type('application/x-ndjson; charset=utf-8')
      .header('content-disposition', `attachment; filename="${id}.ndjson"`)
      .send(Readable.from(lines));
  });

  app.delete('/v1/sessions/:id', async (request, reply) => {
    const { id } = parsePart(SessionParamsSchema, request.params, 'params');
    if (!(await sessionsOf(request).delete(id)))
      throw new ProblemError('not-found', `session "${id}" does not exist`);
    return reply.code(204).send();
  });

  app.delete('/v1/subjects/:subjectId', async (request) => {
    const { subjectId } = parsePart(SubjectParamsSchema, request.params, 'params');
    const erasedSessions = await sessionsOf(request).eraseSubject(subjectId);
    return { subjectId, erasedSessions };
  });
}
