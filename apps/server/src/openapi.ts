import { z } from 'zod';
import { CreateSessionSchema, PatchSessionSchema } from '@threadline/core';
import {
  AcceptedSchema,
  ConversationAnswerSchema,
  ConversationQuerySchema,
  CreatedSchema,
  EventsBodySchema,
  HttpEventSchema,
  MessagesAnswerSchema,
  MessagesQuerySchema,
  SessionInfoAnswerSchema,
  SessionParamsSchema,
  StatsQuerySchema,
  SubjectErasedSchema,
  SubjectParamsSchema,
  SummariesAnswerSchema,
  StreamQuerySchema,
  SummariesQuerySchema,
  SystemPromptBodySchema,
  WaitQuerySchema,
} from './http-schemas.ts';
import { ProblemSchema } from './problem.ts';

type Security = 'tenant' | 'admin' | 'none';

/** One operation of the API, described with the zod schemas the route validates with. */
export interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI form: `/v1/sessions/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: 'sessions' | 'events' | 'reads' | 'operations';
  security: Security;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: { schema: z.ZodType; required: boolean };
  /** Success answers: status → description and body. */
  ok: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
  /** Error statuses it may answer with (problem+json). */
  errors: number[];
}

const READ_ERRORS = [400, 401, 403, 404, 429, 503, 504];
const WRITE_ERRORS = [400, 401, 403, 404, 413, 415, 429, 503];
const json = (description: string, schema?: z.ZodType) => ({ description, schema });

/** Every route of the server, for `/docs`. A test checks this list against the registered routes. */
export const OPERATIONS: Operation[] = [
  {
    method: 'post',
    path: '/v1/sessions',
    operationId: 'createSession',
    summary: 'Create a session',
    description:
      'One atomic write. Events can be posted as soon as this answers. The sessionId is generated when absent.',
    tag: 'sessions',
    security: 'tenant',
    body: { schema: CreateSessionSchema, required: false },
    ok: { 201: json('Created', CreatedSchema) },
    errors: [400, 401, 403, 409, 413, 415, 429, 503],
  },
  {
    method: 'post',
    path: '/v1/sessions/{id}/events',
    operationId: 'postEvents',
    summary: 'Record events (one, or a batch in order)',
    description:
      "Validated at once (all or nothing) and queued on the session's partition; a session worker applies them in order. Reuse an eventId to resend safely: it is applied once.",
    tag: 'events',
    security: 'tenant',
    params: SessionParamsSchema,
    body: { schema: EventsBodySchema, required: true },
    ok: {
      202: json('Accepted: queued, not yet applied (use waitFor to read them)', AcceptedSchema),
    },
    errors: WRITE_ERRORS,
  },
  {
    method: 'put',
    path: '/v1/sessions/{id}/system-prompt',
    operationId: 'setSystemPrompt',
    summary: 'Replace the system prompt',
    description: 'Queued as a `system_prompt_updated` event, ordered with the others.',
    tag: 'events',
    security: 'tenant',
    params: SessionParamsSchema,
    body: { schema: SystemPromptBodySchema, required: true },
    ok: { 202: json('Accepted', AcceptedSchema) },
    errors: WRITE_ERRORS,
  },
  {
    method: 'get',
    path: '/v1/sessions/{id}/messages',
    operationId: 'getMessages',
    summary: 'The context to send to the model next, in a provider format (default OpenAI chat)',
    description:
      'System prompt, the latest summary, then every turn it does not cover, trimmed from the oldest side to the budget; `report` says how the tokens were spent, the stable prefix (system prompt + summary) a prompt cache can keep, and whether the counts are exact. `format` gives it as the fields of an OpenAI Chat Completions, Anthropic Messages, Gemini generateContent or OpenAI Responses request body.',
    tag: 'reads',
    security: 'tenant',
    params: SessionParamsSchema,
    query: MessagesQuerySchema,
    ok: { 200: json('The context and its budget report', MessagesAnswerSchema) },
    errors: READ_ERRORS,
  },
  {
    method: 'get',
    path: '/v1/sessions/{id}/conversation',
    operationId: 'getConversation',
    summary: 'The conversation as recorded, a page at a time',
    description:
      'Without a cursor the newest `limit` entries (default and at most 1000), oldest first; `before=page.olderBefore` gives the page before, `after=page.newerAfter` the page after. A page reads at most `limit` × 8 events, so among many tool calls it may hold fewer entries: follow its cursor.',
    tag: 'reads',
    security: 'tenant',
    params: SessionParamsSchema,
    query: ConversationQuerySchema,
    ok: { 200: json('A page of the conversation', ConversationAnswerSchema) },
    errors: READ_ERRORS,
  },
  {
    method: 'get',
    path: '/v1/sessions/{id}/stats',
    operationId: 'getStats',
    summary: 'Tokens, cost (integer nano-USD), turns, tool calls, segments',
    tag: 'reads',
    security: 'tenant',
    params: SessionParamsSchema,
    query: StatsQuerySchema,
    ok: { 200: json('The stats') },
    errors: READ_ERRORS,
  },
  {
    method: 'get',
    path: '/v1/sessions/{id}/chain',
    operationId: 'getChain',
    summary: 'The chain of segments, oldest first, with their summaries',
    tag: 'reads',
    security: 'tenant',
    params: SessionParamsSchema,
    query: WaitQuerySchema,
    ok: { 200: json('`{ sessionId, segmentIds, segments }`') },
    errors: READ_ERRORS,
  },
  {
    method: 'get',
    path: '/v1/sessions/{id}',
    operationId: 'getSession',
    summary: 'What the session is: config, metadata, parent, state and counts',
    description:
      "Read from the session's state alone (one read, O(1)). Children are not listed: there is no index of them yet, and the server does not scan keys.",
    tag: 'sessions',
    security: 'tenant',
    params: SessionParamsSchema,
    query: WaitQuerySchema,
    ok: { 200: json('The session', SessionInfoAnswerSchema) },
    errors: READ_ERRORS,
  },
  {
    method: 'patch',
    path: '/v1/sessions/{id}',
    operationId: 'updateSession',
    summary: "Change a session's metadata or retention",
    description:
      "At least one of `metadata` and `retentionSeconds`. `metadata` is a JSON merge patch of the top level (RFC 7396): each key given replaces the session's, a key given as `null` is removed, the others stay; the result must stay within the metadata size limit. `retentionSeconds` replaces the retention (idle seconds before the session expires whole; `null` keeps it until deleted), counted from this change. One commit with no event; answers the session as `GET /v1/sessions/{id}` does.",
    tag: 'sessions',
    security: 'tenant',
    params: SessionParamsSchema,
    body: { schema: PatchSessionSchema, required: true },
    ok: { 200: json('The session after the change', SessionInfoAnswerSchema) },
    errors: [400, 401, 403, 404, 413, 415, 429, 503],
  },
  {
    method: 'get',
    path: '/v1/sessions/{id}/summaries',
    operationId: 'getSummaries',
    summary: 'The landed summaries, oldest first, a page at a time',
    description:
      'Each summary with its kind (extractive, llm, custom), model, the events (fromSeq..toSeq) and segments it covers, its tokens and cost (integer nano-USD). At most `limit` (default and at most 100); pass `after=page.nextAfter` for the next page until it is null. A page looks at most 4 × `limit` segments, so it may hold fewer (a segment covered by a catch-up summary has none of its own).',
    tag: 'reads',
    security: 'tenant',
    params: SessionParamsSchema,
    query: SummariesQuerySchema,
    ok: { 200: json('A page of the summaries', SummariesAnswerSchema) },
    errors: READ_ERRORS,
  },
  {
    method: 'get',
    path: '/v1/sessions/{id}/stream',
    operationId: 'streamSession',
    summary: 'What happens to the session, as server-sent events',
    description:
      'Events: `ready` `{sessionId}` first; then `events.applied` `{version, fromSeq, toSeq}`, `segment.sealed` `{version, segmentIndex, segmentId}`, `summary.landed` and `summary.fell_back` `{version, summary}` (a summary as `/summaries` gives it), `session.deleted`; `end` `{reason}` last (`max-duration`, `shutdown`, `session-deleted`, `error`). `id` is the session version. A `: heartbeat` comment when nothing happened for 15 s. The server polls the session state (100 ms after a change, slowing to 1 s while quiet). At most 10 open streams per tenant (429 beyond), each closed after 15 minutes: reconnect.',
    tag: 'reads',
    security: 'tenant',
    params: SessionParamsSchema,
    query: StreamQuerySchema,
    ok: {
      200: { description: 'A stream of server-sent events', contentType: 'text/event-stream' },
    },
    errors: [400, 401, 403, 404, 429, 503],
  },
  {
    method: 'get',
    path: '/v1/sessions/{id}/export',
    operationId: 'exportSession',
    summary: 'The whole session as JSON lines',
    description:
      'A `session` line (the stored state), one `event` line per event in order, then one `segment` line per segment of the chain (its summary inside).',
    tag: 'reads',
    security: 'tenant',
    params: SessionParamsSchema,
    query: WaitQuerySchema,
    ok: { 200: { description: 'JSON lines', contentType: 'application/x-ndjson' } },
    errors: READ_ERRORS,
  },
  {
    method: 'delete',
    path: '/v1/sessions/{id}',
    operationId: 'deleteSession',
    summary: 'Erase every key of the session (events, segments, summaries)',
    tag: 'sessions',
    security: 'tenant',
    params: SessionParamsSchema,
    ok: { 204: { description: 'Erased' } },
    errors: [400, 401, 403, 404, 429, 503],
  },
  {
    method: 'delete',
    path: '/v1/subjects/{subjectId}',
    operationId: 'eraseSubject',
    summary: 'Erase every session of an end user (subjectId), everywhere',
    description:
      "Every session of this tenant created with this `subjectId`, as `DELETE /v1/sessions/{id}` erases one: every key of it, and every job of it in the queues (waiting, delayed, completed, failed); a summary being made for it lands nowhere. Found through the subject's index (no key scan). Answers the sessions that existed; a subject with none answers `erasedSessions: []` (erasure is idempotent).",
    tag: 'sessions',
    security: 'tenant',
    params: SubjectParamsSchema,
    ok: { 200: json('What was erased', SubjectErasedSchema) },
    errors: [400, 401, 403, 429, 503],
  },
  {
    method: 'get',
    path: '/healthz',
    operationId: 'health',
    summary: 'The process is up',
    tag: 'operations',
    security: 'none',
    ok: { 200: json('`{ status: "ok" }`') },
    errors: [],
  },
  {
    method: 'get',
    path: '/readyz',
    operationId: 'ready',
    summary: 'Redis answers and a session worker was seen recently',
    tag: 'operations',
    security: 'none',
    ok: { 200: json('`{ ready: true, checks }`') },
    errors: [503],
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    summary: 'Prometheus metrics (admin key)',
    tag: 'operations',
    security: 'admin',
    ok: { 200: { description: 'Prometheus text format', contentType: 'text/plain' } },
    errors: [401, 403],
  },
  {
    method: 'get',
    path: '/admin/queues',
    operationId: 'queueDashboard',
    summary: 'Bull Board: the event partition queues and the summarize queue (admin key)',
    description:
      'In a browser, log in with any user name and the admin key as the password (HTTP Basic).',
    tag: 'operations',
    security: 'admin',
    ok: { 200: { description: 'The dashboard', contentType: 'text/html' } },
    errors: [401, 403],
  },
  {
    method: 'get',
    path: '/docs',
    operationId: 'docs',
    summary: 'This API, as a page',
    tag: 'operations',
    security: 'none',
    ok: { 200: { description: 'HTML', contentType: 'text/html' } },
    errors: [],
  },
  {
    method: 'get',
    path: '/docs/openapi.json',
    operationId: 'openapi',
    summary: 'This API, as an OpenAPI 3.1 document',
    tag: 'operations',
    security: 'none',
    ok: { 200: json('OpenAPI 3.1') },
    errors: [],
  },
];

/** JSON Schema (2020-12, as OpenAPI 3.1 takes it) of the input side of a zod schema. */
function schemaOf(schema: z.ZodType): Record<string, unknown> {
  const out = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
    override: (ctx) => {
      // Query numbers are validated as digit strings but documented as integers.
      if (ctx.jsonSchema.type === 'integer') delete ctx.jsonSchema.pattern;
    },
  }) as Record<string, unknown>;
  delete out['$schema'];
  return out;
}

const COMPONENTS: Record<string, z.ZodType> = {
  Problem: ProblemSchema,
  CreateSession: CreateSessionSchema,
  PatchSession: PatchSessionSchema,
  Event: HttpEventSchema,
  EventsBody: EventsBodySchema,
  SystemPromptBody: SystemPromptBodySchema,
  Created: CreatedSchema,
  Accepted: AcceptedSchema,
  MessagesAnswer: MessagesAnswerSchema,
  ConversationAnswer: ConversationAnswerSchema,
  SummariesAnswer: SummariesAnswerSchema,
  SessionInfoAnswer: SessionInfoAnswerSchema,
};

const STATUS_TEXT: Record<number, string> = {
  400: 'Invalid request: `errors` names each field and rule',
  401: 'No API key, or an unknown one',
  403: 'The key may not do this (an API key on an admin route, the admin key on /v1)',
  404: 'No such session for this tenant (or no such route)',
  409: 'The session already exists',
  413: 'The body is larger than the limit',
  415: 'The body is not application/json',
  429: "Over the tenant's rate limit: wait Retry-After seconds",
  503: 'Redis is unavailable or refuses writes (out of memory): nothing was written; retry after Retry-After seconds',
  504: 'waitFor: the event was not applied in time',
};

/** The OpenAPI 3.1 document of the API, generated from the zod schemas. */
export function buildOpenApiDocument(options: { version: string; serverUrl?: string }) {
  const componentOf = new Map<z.ZodType, string>(
    Object.entries(COMPONENTS).map(([name, schema]) => [schema, name]),
  );
  const ref = (schema: z.ZodType) => {
    const name = componentOf.get(schema);
    return name ? { $ref: `#/components/schemas/${name}` } : schemaOf(schema);
  };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const parameters: unknown[] = [];
    for (const [where, schema] of [
      ['path', op.params],
      ['query', op.query],
    ] as const) {
      if (!schema) continue;
      for (const [name, field] of Object.entries(schema.shape)) {
        const fieldSchema = schemaOf(field as z.ZodType);
        const description = fieldSchema['description'];
        delete fieldSchema['description'];
        parameters.push({
          name,
          in: where,
          required: where === 'path' || !(field as z.ZodType).safeParse(undefined).success,
          ...(description ? { description } : {}),
          schema: fieldSchema,
        });
      }
    }
    const responses: Record<string, unknown> = {};
    for (const [status, answer] of Object.entries(op.ok))
      responses[status] = {
        description: answer.description,
        ...(answer.schema || answer.contentType
          ? {
              content: {
                [answer.contentType ?? 'application/json']: answer.schema
                  ? { schema: ref(answer.schema) }
                  : {},
              },
            }
          : {}),
      };
    for (const status of op.errors)
      responses[status] = { $ref: `#/components/responses/E${status}` };
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      operationId: op.operationId,
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      tags: [op.tag],
      security:
        op.security === 'tenant'
          ? [{ bearer: [] }, { apiKeyHeader: [] }]
          : op.security === 'admin'
            ? [{ bearer: [] }, { apiKeyHeader: [] }, { adminBasic: [] }]
            : [],
      ...(parameters.length ? { parameters } : {}),
      ...(op.body
        ? {
            requestBody: {
              required: op.body.required,
              content: { 'application/json': { schema: ref(op.body.schema) } },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Threadline',
      version: options.version,
      description:
        'Conversation state for AI chat platforms: history, tokens, cost, system prompts and infinite context with background summaries. Every API key acts for one tenant and sees only its sessions. Errors are application/problem+json with `errors: [{ path, rule }]`.',
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    tags: [
      { name: 'sessions', description: 'Create and erase sessions' },
      { name: 'events', description: 'What happened in a conversation (queued, applied in order)' },
      { name: 'reads', description: 'Context, conversation, stats, chain, export' },
      { name: 'operations', description: 'Health, readiness, metrics, dashboard, docs' },
    ],
    paths,
    components: {
      schemas: Object.fromEntries(
        Object.entries(COMPONENTS).map(([name, schema]) => [name, schemaOf(schema)]),
      ),
      responses: Object.fromEntries(
        Object.entries(STATUS_TEXT).map(([status, description]) => [
          `E${status}`,
          {
            description,
            content: {
              'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
            },
          },
        ]),
      ),
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <API key>' },
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        adminBasic: {
          type: 'http',
          scheme: 'basic',
          description: 'Admin routes in a browser: any user name, the admin key as the password',
        },
      },
    },
  };
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A small page listing the operations, linking to the OpenAPI document. */
export function renderDocsPage(document: ReturnType<typeof buildOpenApiDocument>): string {
  const rows = OPERATIONS.map((op) => {
    const operation = document.paths[op.path]?.[op.method] as
      { parameters?: Array<{ name: string; in: string; description?: string }> } | undefined;
    const params = (operation?.parameters ?? [])
      .filter((p) => p.in === 'query')
      .map((p) => `<code>${escapeHtml(p.name)}</code>`)
      .join(' ');
    return `<tr><td><b>${op.method.toUpperCase()}</b></td><td><code>${escapeHtml(op.path)}</code></td><td>${escapeHtml(op.summary)}${params ? `<br><small>query: ${params}</small>` : ''}</td><td>${op.security === 'none' ? '' : op.security === 'admin' ? 'admin key' : 'API key'}</td></tr>`;
  }).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Threadline API</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em}table{border-collapse:collapse;width:100%}td{border-top:1px solid #ddd;padding:6px;vertical-align:top}code{background:#f4f4f4;padding:0 3px}</style>
</head><body>
<h1>Threadline API <small>${escapeHtml(document.info.version)}</small></h1>
<p>${escapeHtml(document.info.description)}</p>
<p>Send <code>Authorization: Bearer &lt;API key&gt;</code> (or <code>x-api-key</code>). The machine-readable contract, with every schema: <a href="/docs/openapi.json">/docs/openapi.json</a> (OpenAPI 3.1).</p>
<table>
${rows}
</table>
</body></html>
`;
}
