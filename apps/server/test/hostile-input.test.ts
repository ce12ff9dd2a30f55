import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { ID_RULE, isId, LIMITS } from '@threadline/core';
import { sessionKeys } from '@threadline/store';
import { dumpKeys, globEscape } from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';
import { json, keys, problemOf, startTestApi, TENANT_A, type TestApi } from './api-harness.ts';

/**
 * Session ids and tool payloads cannot break Redis keys or Lua: whatever a client sends is either
 * refused at the door (400 problem+json naming the field and the rule, nothing written: no key,
 * no job) or stored and read back exactly as sent.
 */
const url = testRedisUrl();
/** With workers: what is accepted gets applied and can be read back. */
let api: TestApi;
/** Without workers and never written to by a worker: any key or job that appears came from a request. */
let idle: TestApi;
let redis: Redis;

beforeAll(async () => {
  [api, idle] = await Promise.all([
    startTestApi(url, { label: 'hostile' }),
    startTestApi(url, { label: 'hostile-idle', workers: false }),
  ]);
  redis = new Redis(url);
  for (const target of [api, idle])
    expect(
      (
        await target.as(keys.tenantA, {
          method: 'POST',
          url: '/v1/sessions',
          payload: { sessionId: 'known' },
        })
      ).statusCode,
    ).toBe(201);
});
afterAll(async () => {
  await Promise.all([api?.close(), idle?.close()]);
  await redis?.quit();
});

/** Ids that are not ids: each would break a key, a hash tag, a job id, a URL or a log line. */
const BAD_IDS: Array<[string, string]> = [
  ['an opening brace', 'a{b'],
  ['a closing brace', 'a}b'],
  ['a hash tag', '{tenant-b:x}'],
  ['a colon', 'tenant-b:x'],
  ['a space', 'a b'],
  ['a leading space', ' a'],
  ['accents', 'café'],
  ['CJK', '会话'],
  ['an emoji', 'chat-😀'],
  ['a NUL', 'a\u0000b'],
  ['a newline', 'a\nb'],
  ['a tilde (the job id separator)', 'a~b'],
  ['a slash', 'a/b'],
  ['a percent sign', 'a%41'],
  ['a glob star', 'a*'],
  ['"."', '.'],
  ['".."', '..'],
  ['"../x"', '../x'],
  ['a leading dash', '-a'],
  ['129 characters', 'a'.repeat(129)],
  ['10 KB', 'x'.repeat(10 * 1024)],
];

/** Runs `refused` and checks that no key under the idle server's prefix appeared or changed. */
async function nothingWritten(refused: () => Promise<void>): Promise<void> {
  const pattern = `${globEscape(idle.fleet.topology.prefix)}*`;
  const before = await dumpKeys(redis, pattern);
  const jobs = await idle.fleet.countJobs();
  await refused();
  expect(await dumpKeys(redis, pattern)).toEqual(before);
  expect(await idle.fleet.countJobs()).toBe(jobs);
}

const send = (
  target: TestApi,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  payload?: unknown,
) =>
  target.as(keys.tenantA, {
    method,
    url: path,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });

describe('ids that are not ids', () => {
  it('are refused everywhere an id goes (path, body, query), 400 naming the field and the id rule, and write nothing', async () => {
    await nothingWritten(async () => {
      for (const [what, id] of BAD_IDS) {
        const inPath = `/v1/sessions/${encodeURIComponent(id)}`;
        const cases: Array<[string, Promise<Awaited<ReturnType<typeof send>>>, string]> = [
          ['create', send(idle, 'POST', '/v1/sessions', { sessionId: id }), 'sessionId'],
          [
            'create parentId',
            send(idle, 'POST', '/v1/sessions', { sessionId: 'fine', parentId: id }),
            'parentId',
          ],
          [
            'events path',
            send(idle, 'POST', `${inPath}/events`, { type: 'user_message', content: 'x' }),
            'params.id',
          ],
          ['read path', send(idle, 'GET', `${inPath}/stats`), 'params.id'],
          ['export path', send(idle, 'GET', `${inPath}/export`), 'params.id'],
          ['delete path', send(idle, 'DELETE', inPath), 'params.id'],
          [
            'prompt path',
            send(idle, 'PUT', `${inPath}/system-prompt`, { systemPrompt: 'x' }),
            'params.id',
          ],
          [
            'eventId',
            send(idle, 'POST', '/v1/sessions/known/events', {
              type: 'user_message',
              content: 'x',
              eventId: id,
            }),
            'eventId',
          ],
          [
            'batch eventId',
            send(idle, 'POST', '/v1/sessions/known/events', {
              events: [
                { type: 'user_message', content: 'ok' },
                { type: 'tool_call', tool: 't', eventId: id },
              ],
            }),
            'events[1].eventId',
          ],
          [
            'prompt eventId',
            send(idle, 'PUT', '/v1/sessions/known/system-prompt', {
              systemPrompt: 'x',
              eventId: id,
            }),
            'eventId',
          ],
          [
            'waitFor',
            send(idle, 'GET', `/v1/sessions/known/messages?waitFor=${encodeURIComponent(id)}`),
            'query.waitFor',
          ],
        ];
        for (const [where, pending, path] of cases) {
          if (path === 'params.id' && (id === '.' || id === '..')) {
            // A dot segment is resolved away by URL rules before routing: no route, an empty id,
            // or `/v1/sessions/./stats` read as `GET /v1/sessions/:id` of a session "stats".
            const response = await pending;
            if (response.statusCode === 404)
              expect(problemOf(response, 404).detail).toMatch(
                /^no route |^session "(stats|export)" does not exist/,
              );
            else expect(problemOf(response, 400).errors).toContainEqual({ path, rule: ID_RULE });
            continue;
          }
          const problem = problemOf(await pending, 400);
          expect(problem.errors, `${what} in ${where}`).toContainEqual({ path, rule: ID_RULE });
          expect(problem.detail).toContain(`${path}: ${ID_RULE}`);
        }
        // An event naming another session by a bad id is refused on that field too.
        const named = problemOf(
          await send(idle, 'POST', '/v1/sessions/known/events', {
            type: 'user_message',
            content: 'x',
            sessionId: id,
          }),
          400,
        );
        expect(
          named.errors.map((e) => e.path),
          what,
        ).toContain('sessionId');
      }
    });
  });

  it('leaves nothing of an id with a NUL, a brace or a colon in any Redis key', async () => {
    const all = await dumpKeys(redis, `${globEscape(idle.fleet.topology.prefix)}*`);
    for (const name of Object.keys(all)) expect(name).toMatch(/^[\x21-\x7e]+$/);
    for (const name of Object.keys(all).filter((k) => k.includes(`{${TENANT_A}:`)))
      expect(name).toMatch(/^[^{}]*\{tenant-a:[A-Za-z0-9._-]+\}:[a-z]+$/);
  });

  it('stores the ids that are ids as they are, under exactly their own hash tag, and reads them back', async () => {
    for (const id of [
      'a..b',
      'a...',
      'A',
      '0',
      'x'.repeat(LIMITS.idMaxLength),
      'a.b_c-D.9',
      'tenant-b',
    ]) {
      expect((await send(api, 'POST', '/v1/sessions', { sessionId: id })).statusCode, id).toBe(201);
      const posted = await send(api, 'POST', `/v1/sessions/${id}/events`, {
        type: 'user_message',
        content: `hello ${id}`,
        eventId: `e.${id}`.slice(0, LIMITS.idMaxLength),
      });
      const [eventId] = json<{ accepted: string[] }>(posted).accepted;
      const stats = json<{ sessionId: string }>(
        await send(api, 'GET', `/v1/sessions/${id}/stats?waitFor=${eventId}`),
      );
      expect(stats.sessionId).toBe(id);
      const stored = Object.keys(
        await dumpKeys(
          redis,
          `${globEscape(api.fleet.topology.prefix)}:{${TENANT_A}:${globEscape(id)}}*`,
        ),
      );
      expect(stored.sort()).toEqual(
        ['events', 'ids', 'life', 'state'].map(
          (part) => `${api.fleet.topology.prefix}:{${TENANT_A}:${id}}:${part}`,
        ),
      );
      const conversation = json<{ entries: Array<{ content: string }> }>(
        await send(api, 'GET', `/v1/sessions/${id}/conversation`),
      );
      expect(conversation.entries.map((e) => e.content)).toEqual([`hello ${id}`]);
      expect((await send(api, 'DELETE', `/v1/sessions/${id}`)).statusCode).toBe(204);
    }
  });
});

/** Strings that mean something to Redis, Lua, JSON, a shell or a terminal: they must mean nothing here. */
const NASTY = [
  '{tenant-b:known}:state',
  '}{',
  'a:b:c',
  ' leading and trailing ',
  'café 会话 😀 \u200f\u202e rtl',
  'nul\u0000inside',
  '\u0000',
  '../../etc/passwd',
  '..',
  "redis.call('FLUSHALL')",
  ']]  [[  ]=]  --[[ lua comment',
  '%s %d %n',
  '\\" \\\\ \\u0000',
  '"quoted"',
  '{"json": "in a string"}',
  '\r\nSET x y\r\n',
  '*3\r\n$3\r\nDEL\r\n',
  '\ud800 lone surrogate',
  '\t\b\f',
  'x'.repeat(10 * 1024),
];

/** A JSON value `depth` levels deep (arrays in objects), with a nasty string at the bottom. */
const nested = (depth: number): unknown => {
  let value: unknown = NASTY[0];
  for (let i = 0; i < depth; i++)
    value = i % 2 ? [value] : { [NASTY[i % NASTY.length]!.slice(0, 40)]: value };
  return value;
};

describe('tool payloads', () => {
  it('are stored and read back exactly as sent, whatever they hold (braces, colons, NUL, unicode, Lua, RESP, 10 KB names, deep and large JSON within limits)', async () => {
    expect((await send(api, 'POST', '/v1/sessions', { sessionId: 'payloads' })).statusCode).toBe(
      201,
    );
    const bigArray = Array.from({ length: 2000 }, (_, i) => ({
      i,
      text: NASTY[i % NASTY.length]!.slice(0, 80),
    }));
    const events = [
      ...NASTY.map((text) => ({
        type: 'tool_call',
        tool: text.slice(0, LIMITS.nameMaxChars) || 't',
        arguments: {
          [text.slice(0, 100)]: text,
          list: [text, { deeper: text }],
          n: -0.5,
          big: 1e21,
          yes: true,
          none: null,
        },
        result: text,
        error: text,
        metadata: { [text.slice(0, 50)]: text.slice(0, 1000) },
      })),
      { type: 'tool_call', tool: 'deep', arguments: nested(58), result: nested(58) },
      {
        type: 'tool_call',
        tool: 'large',
        arguments: { rows: bigArray },
        // Large, but words: one 200 KB run of a single character takes the tokenizer minutes (see SECURITY.md).
        result: Array.from({ length: 20_000 }, (_, i) => `w${i}`).join(' '),
      },
      ...NASTY.map((text) => ({ type: 'user_message', content: text })),
      { type: 'assistant_message', content: NASTY.join('|'), model: NASTY[2], provider: NASTY[5] },
      { type: 'system_prompt_updated', content: NASTY.join('\n') },
    ];
    const sent: unknown[] = JSON.parse(JSON.stringify(events));
    const ids: string[] = [];
    for (let i = 0; i < events.length; i += 10) {
      const posted = await send(api, 'POST', '/v1/sessions/payloads/events', {
        events: events.slice(i, i + 10),
      });
      expect(posted.statusCode, posted.body.slice(0, 300)).toBe(202);
      ids.push(...json<{ accepted: string[] }>(posted).accepted);
    }
    const exported = (
      await send(
        api,
        'GET',
        `/v1/sessions/payloads/export?waitFor=${ids.at(-1)}&waitTimeoutMs=30000`,
      )
    ).body;
    const records = exported
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line['kind'] === 'event');
    expect(records.map((r) => r['eventId'])).toEqual(ids);
    records.forEach((record, i) => {
      const original = sent[i] as Record<string, unknown>;
      for (const field of [
        'tool',
        'arguments',
        'result',
        'error',
        'content',
        'model',
        'provider',
        'metadata',
      ] as const)
        if (original[field] !== undefined)
          expect(JSON.stringify(record[field]), `event ${i} ${field}`).toBe(
            JSON.stringify(original[field]),
          );
    });
    // And in Redis itself, the event log holds the same JSON (Lua never decoded it).
    const stored = await redis.lrange(
      `${api.fleet.topology.prefix}:{${TENANT_A}:payloads}:events`,
      0,
      -1,
    );
    expect(stored).toHaveLength(events.length);
    expect(
      (JSON.parse(stored[NASTY.indexOf('nul\u0000inside')]!) as { result: string }).result,
    ).toBe('nul\u0000inside');
    expect(
      JSON.stringify((JSON.parse(stored[NASTY.length]!) as { arguments: unknown }).arguments),
    ).toBe(JSON.stringify(nested(58)));
  });

  it('over a limit are refused naming the field and the rule, writing nothing', async () => {
    await nothingWritten(async () => {
      const post = (payload: unknown) => send(idle, 'POST', '/v1/sessions/known/events', payload);
      const refusals: Array<[unknown, { path: string; rule: string | RegExp }]> = [
        [
          { type: 'tool_call', tool: 'x'.repeat(10 * 1024) },
          { path: 'tool', rule: `expected a string of at most ${LIMITS.nameMaxChars} characters` },
        ],
        [
          { type: 'tool_call', tool: '' },
          { path: 'tool', rule: 'expected a string of at least 1 characters' },
        ],
        [
          {
            type: 'tool_call',
            tool: 't',
            arguments: { blob: 'x'.repeat(LIMITS.toolPayloadMaxBytes) },
          },
          {
            path: 'arguments',
            rule: `expected arguments of at most ${LIMITS.toolPayloadMaxBytes} bytes as JSON`,
          },
        ],
        [
          { type: 'tool_call', tool: 't', result: '😀'.repeat(LIMITS.toolPayloadMaxBytes / 4) },
          {
            path: 'result',
            rule: `expected a result of at most ${LIMITS.toolPayloadMaxBytes} bytes as JSON`,
          },
        ],
        [
          { type: 'tool_call', tool: 't', arguments: nested(70) },
          { path: 'body', rule: 'expected JSON nested at most 64 levels deep' },
        ],
        [
          { type: 'tool_call', tool: 't', metadata: { blob: 'x'.repeat(LIMITS.metadataMaxBytes) } },
          {
            path: 'metadata',
            rule: `expected a JSON object of at most ${LIMITS.metadataMaxBytes} bytes`,
          },
        ],
      ];
      for (const [payload, issue] of refusals) {
        const problem = problemOf(await post(payload), 400);
        expect(problem.errors).toContainEqual(issue);
      }
      // Prototype-poisoning keys are refused by name, in any position.
      for (const body of [
        '{"type":"tool_call","tool":"t","arguments":{"__proto__":{"admin":true}}}',
        '{"type":"tool_call","tool":"t","result":{"constructor":{"prototype":{"x":1}}}}',
      ]) {
        const problem = problemOf(
          await idle.as(keys.tenantA, {
            method: 'POST',
            url: '/v1/sessions/known/events',
            payload: body,
            headers: { 'content-type': 'application/json' },
          }),
          400,
        );
        expect(problem.errors).toEqual([
          { path: 'body', rule: 'expected no "__proto__" or "constructor.prototype" keys' },
        ]);
      }
    });
  });
});

describe('the store key builder (libs/store sessionKeys, read-only use)', () => {
  const prefix = 'tl';

  it('refuses, naming the field and the id rule, what would break the hash tag or let two tenants share keys', () => {
    for (const [tenant, sessionId, field] of [
      ['', 's', 'tenant'],
      ['t', '', 'sessionId'],
      ['a{b', 's', 'tenant'],
      ['a}b', 's', 'tenant'],
      ['a:b', 's', 'tenant'],
      ['t', 'a{b', 'sessionId'],
      ['t', 'x}', 'sessionId'],
      ['t', '{tenant-b:s}', 'sessionId'],
      ['t', 'a:b', 'sessionId'],
    ] as const)
      expect(() => sessionKeys(prefix, { tenant, sessionId }), `${tenant} / ${sessionId}`).toThrow(
        `${field}: ${ID_RULE}`,
      );
    expect(() => sessionKeys('tl{x}', { tenant: 't', sessionId: 's' })).toThrow(
      /must not contain '\{' or '\}'/,
    );
  });

  it('gives every (tenant, session) it accepts one hash tag of its own: exactly the first braces, never shared', () => {
    // Every id core's rule accepts (letters, digits, '.', '_', '-'; the first a letter or digit).
    const idChars = [...'abcXYZ019._-'];
    const id = (max: number) =>
      fc
        .array(fc.constantFrom(...idChars), { minLength: 1, maxLength: max })
        .map((chars) => chars.join(''))
        .filter(isId);
    const tenant = id(20);
    const session = fc.oneof(id(40), fc.constantFrom('a.', '0-_', 'x'.repeat(128)));
    fc.assert(
      fc.property(tenant, session, tenant, session, (t1, s1, t2, s2) => {
        const k1 = Object.values(sessionKeys(prefix, { tenant: t1, sessionId: s1 }));
        const k2 = Object.values(sessionKeys(prefix, { tenant: t2, sessionId: s2 }));
        for (const key of k1) {
          // One pair of braces, and the tenant and session read back from it unambiguously
          // (the tenant has no ':'), so no two pairs can have the same keys.
          const open = key.indexOf('{');
          const close = key.indexOf('}');
          if (open !== key.lastIndexOf('{') || close !== key.lastIndexOf('}')) return false;
          const tag = key.slice(open + 1, close);
          const colon = tag.indexOf(':');
          if (tag.slice(0, colon) !== t1 || tag.slice(colon + 1) !== s1) return false;
        }
        const same = t1 === t2 && s1 === s2;
        return k1.some((key) => k2.includes(key)) === same;
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps session keys apart from the queues under the same prefix', () => {
    // Queue keys are `<prefix>:{events-<p>}:…`: their tag has no ':', a session's always has one.
    const keysOfSession = Object.values(
      sessionKeys(prefix, { tenant: 'events-1', sessionId: 'x' }),
    );
    for (const key of keysOfSession) expect(key.startsWith(`${prefix}:{events-1}`)).toBe(false);
  });
});
