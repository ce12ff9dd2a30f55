import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { ID_PATTERN, LIMITS } from '@threadline/core';
import { testRedisUrl } from '@threadline/testing/vitest';
import { MAX_JSON_DEPTH } from '../src/json-body.ts';
import {
  json,
  keys,
  startTestApi,
  TENANT_A,
  type ProblemBody,
  type TestApi,
} from './api-harness.ts';

const url = testRedisUrl();
/** No workers: anything that got through would sit in a queue, where the count sees it. */
let api: TestApi;
let redis: Redis;

beforeAll(async () => {
  api = await startTestApi(url, { label: 'malformed', workers: false });
  redis = new Redis(url);
  const created = await api.as(keys.tenantA, {
    method: 'POST',
    url: '/v1/sessions',
    payload: { sessionId: 'target' },
  });
  expect(created.statusCode).toBe(201);
});
afterAll(async () => {
  redis?.disconnect();
  await api?.close();
});

/** A request as the property sends it. */
interface Attempt {
  what: string;
  method: 'POST' | 'PUT';
  url: string;
  contentType: string;
  body: string | Buffer;
}

const EVENTS_URL = '/v1/sessions/target/events';
const TYPES = ['user_message', 'assistant_message', 'tool_call', 'system_prompt_updated'];
const EVENT_FIELDS = new Set([
  'type',
  'eventId',
  'sessionId',
  'metadata',
  'occurredAt',
  'content',
  'model',
  'provider',
  'usage',
  'tool',
  'arguments',
  'result',
  'error',
]);

const attempt = (
  what: string,
  body: unknown,
  target = EVENTS_URL,
  method: 'POST' | 'PUT' = 'POST',
): Attempt => ({
  what,
  method,
  url: target,
  contentType: 'application/json',
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

const validEvent = fc.oneof(
  fc.record({ type: fc.constant('user_message'), content: fc.string({ maxLength: 40 }) }),
  fc.record({
    type: fc.constant('assistant_message'),
    content: fc.string({ maxLength: 40 }),
    model: fc.constant('gpt-4o'),
  }),
  fc.record({
    type: fc.constant('tool_call'),
    tool: fc.constant('search'),
    arguments: fc.jsonValue({ maxDepth: 2 }),
  }),
);

const notAString = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.object({ maxDepth: 1 }),
);
const notAnObject = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 10 }),
  fc.array(fc.integer(), { maxLength: 3 }),
);
const badId = fc.oneof(
  notAString,
  fc.string({ maxLength: 20 }).filter((s) => !ID_PATTERN.test(s)),
  fc.constant('a'.repeat(LIMITS.idMaxLength + 1)),
);

/** One field of a valid event made wrong, whatever the rest. */
const wrongField = fc
  .tuple(
    validEvent,
    fc.oneof(
      fc.record({
        field: fc.constant('type'),
        value: fc.oneof(
          notAString,
          fc.string({ maxLength: 15 }).filter((s) => !TYPES.includes(s)),
        ),
      }),
      fc.record({ field: fc.constant('eventId'), value: badId }),
      fc.record({ field: fc.constant('sessionId'), value: badId }),
      fc.record({ field: fc.constant('metadata'), value: notAnObject }),
      fc.record({
        field: fc.constant('occurredAt'),
        value: fc.oneof(
          notAString,
          fc.string({ maxLength: 12 }).filter((s) => !/^\d{4}-/.test(s)),
        ),
      }),
      fc.record({
        field: fc.constant('usage'),
        value: fc.oneof(
          notAnObject,
          fc.record({
            promptTokens: fc.oneof(
              fc.integer({ max: -1 }),
              fc.double({ noInteger: true }),
              fc.string(),
            ),
          }),
        ),
      }),
    ),
  )
  .map(([event, { field, value }]) => attempt(`wrong ${field}`, { ...event, [field]: value }));

/** Content that breaks the type of its event. */
const wrongContent = fc
  .tuple(fc.constantFrom('user_message', 'assistant_message', 'system_prompt_updated'), notAString)
  .map(([type, content]) => attempt('content not a string', { type, content }));

const missingRequired = fc
  .constantFrom({ content: 'no type' }, { type: 'user_message' }, { type: 'tool_call' }, {})
  .map((body) => attempt('a required field missing', body));

const unknownField = fc
  .tuple(
    validEvent,
    fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !EVENT_FIELDS.has(k)),
    fc.jsonValue({ maxDepth: 1 }),
  )
  .map(([event, key, value]) => attempt('unknown field', { ...event, [key]: value }));

const notJson = fc
  .string({ maxLength: 60 })
  .filter((text) => {
    try {
      JSON.parse(text);
      return false;
    } catch {
      return true;
    }
  })
  .map((text) => attempt('not JSON', text));

const anyJson = fc
  .tuple(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(EVENTS_URL, '/v1/sessions'))
  // An object without fields would be a valid create (all defaults); one with a sessionId might be valid too.
  .filter(
    ([value]) =>
      typeof value !== 'object' ||
      value === null ||
      Array.isArray(value) ||
      (Object.keys(value).length > 0 && !('sessionId' in value)),
  )
  .map(([value, target]) => attempt('random JSON', value, target));

/** Invalid UTF-8 (stray continuation, overlong, surrogate, truncated, out of range) inside a string. */
const badUtf8 = fc
  .tuple(
    fc.string({ maxLength: 20 }),
    fc.constantFrom(
      [0x80],
      [0xff],
      [0xc0, 0x80],
      [0xed, 0xa0, 0x80],
      [0xe2, 0x82],
      [0xf5, 0x80, 0x80, 0x80],
      [0xf0, 0x8f, 0xbf, 0xbf],
    ),
    fc.string({ maxLength: 20 }),
  )
  .map(([before, bytes, after]) => ({
    ...attempt('bad UTF-8', ''),
    body: Buffer.concat([
      Buffer.from(`{"type":"user_message","content":"${JSON.stringify(before).slice(1, -1)}`),
      Buffer.from(bytes),
      Buffer.from(`${JSON.stringify(after).slice(1, -1)}"}`),
    ]),
  }));

const deepNesting = fc
  .tuple(fc.integer({ min: MAX_JSON_DEPTH, max: 20_000 }), fc.constantFrom('{"a":', '['))
  .map(([depth, open]) => {
    const close = open === '[' ? ']' : '}';
    return attempt(
      'deep nesting',
      `{"type":"user_message","content":"hi","metadata":{"deep":${open.repeat(depth)}1${close.repeat(depth)}}}`,
    );
  });

const wrongContentType = fc
  .tuple(
    validEvent,
    fc.constantFrom(
      'text/plain',
      'application/xml',
      'text/json',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'application/merge-patch+json',
    ),
  )
  .map(([event, contentType]) => ({ ...attempt('wrong content-type', event), contentType }));

const badBatch = fc
  .oneof(
    notAnObject.map((events) => ({ events })),
    fc.constant({ events: [] }),
    fc
      .tuple(validEvent, wrongField)
      .map(([good, bad]) => ({ events: [good, JSON.parse(bad.body as string) as unknown] })),
    validEvent.map((event) => ({ events: [event], extra: true })),
    validEvent.map((event) => ({
      events: Array.from({ length: LIMITS.batchMaxEvents + 1 }, () => event),
    })),
    fc
      .tuple(
        validEvent,
        fc.string({ minLength: 1, maxLength: 8 }).filter((id) => ID_PATTERN.test(id)),
      )
      .map(([event, eventId]) => ({
        events: [
          { ...event, eventId },
          { ...event, eventId },
        ],
      })),
  )
  .map((body) => attempt('bad batch', body));

const badCreate = fc
  .oneof(
    badId.map((sessionId) => ({ sessionId })),
    notAString
      .filter((v) => v !== null)
      .map((systemPrompt) => ({ sessionId: 'fresh-1', systemPrompt })),
    fc
      .oneof(fc.integer({ max: 0 }), fc.double({ noInteger: true }), fc.string())
      .map((tokenThreshold) => ({ sessionId: 'fresh-2', tokenThreshold })),
    fc
      .oneof(fc.integer(), fc.string(), fc.constant(null))
      .map((infiniteContext) => ({ sessionId: 'fresh-3', infiniteContext })),
    fc
      .string({ minLength: 1, maxLength: 12 })
      .filter(
        (k) =>
          ![
            'sessionId',
            'systemPrompt',
            'parentId',
            'metadata',
            'infiniteContext',
            'tokenThreshold',
            'maxTurnsPerSegment',
            'defaultModel',
            'summaryMaxTokens',
          ].includes(k),
      )
      .map((k) => ({ sessionId: 'fresh-4', [k]: 1 })),
  )
  .map((body) => attempt('bad create', body, '/v1/sessions'));

const badSystemPrompt = fc
  .oneof(
    notAString.map((systemPrompt) => ({ systemPrompt })),
    fc.constant({}),
    fc.constant({ systemPrompt: 'ok', colour: 'red' }),
    fc.constant({ systemPrompt: 'x'.repeat(LIMITS.systemPromptMaxChars + 1) }),
  )
  .map((body) => attempt('bad system prompt', body, '/v1/sessions/target/system-prompt', 'PUT'));

/** Content over its limit (400), and bodies over the server's limit (413). */
const oversized = fc.oneof(
  fc
    .integer({ min: LIMITS.contentMaxChars + 1, max: LIMITS.contentMaxChars + 5000 })
    .map((n) =>
      attempt('content over its limit', { type: 'user_message', content: 'x'.repeat(n) }),
    ),
  fc
    .integer({ min: 1024 * 1024 + 1, max: 1024 * 1024 + 200_000 })
    .map((n) => attempt('body over the limit', { type: 'user_message', content: 'y'.repeat(n) })),
  fc.integer({ min: 17_000, max: 40_000 }).map((n) =>
    attempt('metadata over its limit', {
      type: 'user_message',
      content: 'hi',
      metadata: { blob: 'z'.repeat(n) },
    }),
  ),
);

/** Sends one malformed request and checks the answer: a 4xx problem naming a field or a rule. */
async function refusedWell(a: Attempt): Promise<void> {
  const response = await api.app.inject({
    method: a.method,
    url: a.url,
    headers: { authorization: `Bearer ${keys.tenantA}`, 'content-type': a.contentType },
    payload: a.body,
  });
  const context = `${a.what}: ${String(a.body).slice(0, 200)} → ${response.statusCode} ${response.body.slice(0, 300)}`;
  expect([400, 413, 415], context).toContain(response.statusCode);
  expect(response.headers['content-type'], context).toBe('application/problem+json; charset=utf-8');
  const problem = json<ProblemBody>(response);
  expect(problem.status, context).toBe(response.statusCode);
  expect(problem.detail.length, context).toBeGreaterThan(0);
  expect(problem.errors.length, context).toBeGreaterThan(0);
  for (const issue of problem.errors) {
    expect(issue.path, context).toMatch(/\S/);
    // A rule we phrase ("expected …", "unknown field …", "duplicate eventId …"), not zod's default.
    expect(issue.rule, context).toMatch(/^(expected|unknown field|duplicate|and \d+ more)/);
  }
}

/** Every key of the session store (not the queues) of both tenants. */
async function storeKeys(): Promise<string[]> {
  const prefix = api.fleet.topology.prefix;
  return (await redis.keys(`${prefix}:{tenant-*`)).sort();
}

describe('malformed bodies', () => {
  it('are all refused with a 4xx problem naming the field or rule; nothing is enqueued or written; the server stays healthy', async () => {
    const jobsBefore = await api.fleet.countJobs();
    const keysBefore = await storeKeys();
    const stateBefore = await redis.hget(
      `${api.fleet.topology.prefix}:{${TENANT_A}:target}:state`,
      'session',
    );

    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          wrongField,
          wrongContent,
          missingRequired,
          unknownField,
          notJson,
          anyJson,
          badUtf8,
          deepNesting,
          wrongContentType,
          badBatch,
          badCreate,
          badSystemPrompt,
        ),
        refusedWell,
      ),
      { numRuns: 3000 },
    );
    await fc.assert(fc.asyncProperty(oversized, refusedWell), { numRuns: 40 });

    expect(await api.fleet.countJobs()).toBe(jobsBefore);
    expect(await storeKeys()).toEqual(keysBefore);
    expect(
      await redis.hget(`${api.fleet.topology.prefix}:{${TENANT_A}:target}:state`, 'session'),
    ).toBe(stateBefore);

    expect(json(await api.as(null, { method: 'GET', url: '/healthz' }))).toEqual({ status: 'ok' });
    const fine = await api.as(keys.tenantA, {
      method: 'POST',
      url: EVENTS_URL,
      payload: { type: 'user_message', content: 'still here' },
    });
    expect(fine.statusCode).toBe(202);
    expect(await api.fleet.countJobs()).toBe(jobsBefore + 1);
  });
});
