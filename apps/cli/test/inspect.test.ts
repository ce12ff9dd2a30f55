import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { silentLogger } from '@threadline/observability';
import { SessionManager } from '@threadline/sdk';
import { deleteKeysWithPrefix, uniquePrefix } from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';
import { runCli } from '../src/cli.ts';
import type { InspectDocument } from '../src/commands/inspect.ts';
import { startLocalFleet, type LocalFleet } from '../src/local-fleet.ts';
import { capturedIo } from './captured-io.ts';

const url = testRedisUrl();
const prefix = uniquePrefix('cli-inspect');
const env = { REDIS_URL: url, THREADLINE_PREFIX: prefix, THREADLINE_PARTITIONS: '4' };
const sessionId = `trip-${prefix}`;
let fleet: LocalFleet;

beforeAll(async () => {
  fleet = await startLocalFleet({
    redis: { url },
    topology: { prefix, partitions: 4 },
    tenant: 'acme',
    logger: silentLogger,
  });
  const sm = new SessionManager({
    runtime: fleet.runtime,
    sessionId,
    systemPrompt: 'Be brief.',
    infiniteContext: true,
    maxTurnsPerSegment: 2,
  });
  await sm.userSays('Plan 3 days in Porto for 900 EUR.');
  await sm.toolUsed('search_hotels', { city: 'Porto' }, { hotel: 'Ribeira Inn', priceEur: 95 });
  await sm.aiResponds('Ribeira Inn costs 95 EUR a night.', {
    model: 'gpt-4o',
    usage: { promptTokens: 40, completionTokens: 9 },
  });
  await sm.userSays('Book it for 12 to 15 May.');
  const last = await sm.aiResponds('Booked: 285 EUR for three nights.', { model: 'gpt-4o' });
  await sm.getStats({ waitFor: last });
  await fleet.runtime.idle();
});

afterAll(async () => {
  await fleet?.close();
  const redis = new Redis(url);
  await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
});

describe('threadline inspect', () => {
  it('prints the chain with each segment, its status and its summary, and the stats', async () => {
    const io = capturedIo();
    expect(await runCli(['inspect', sessionId, '--tenant', 'acme'], env, io)).toBe(0);
    const text = io.stdout();
    expect(text).toContain(`session ${sessionId} (tenant acme)`);
    expect(text).toMatch(new RegExp(`${sessionId}\\.s0\\s+summarized\\s.*extractive`));
    expect(text).toMatch(new RegExp(`${sessionId}\\.s1\\s+open\\s`));
    expect(text).toMatch(/tool calls\s+1 \(0 failed\)/);
    expect(text).toMatch(/messages\s+4 \(2 user, 2 ai\)/);
    // The whole history fits the context's budget: it is shown verbatim, the summary would
    // only repeat it.
    expect(text).toMatch(/user\s+Plan 3 days in Porto for 900 EUR\./);
    expect(text).not.toContain('Summary of the earlier part of this conversation');
    expect(text).toMatch(/- Plan 3 days in Porto for 900 EUR\./);
  });

  it('prints one JSON document with --json', async () => {
    const io = capturedIo();
    expect(await runCli(['inspect', sessionId, '--tenant', 'acme', '--json'], env, io)).toBe(0);
    const doc = JSON.parse(io.stdout()) as InspectDocument;
    expect(doc).toMatchObject({ sessionId, tenant: 'acme', state: 'active' });
    expect(doc.chain.map((s) => [s.id, s.status, s.summary?.kind ?? null])).toEqual([
      [`${sessionId}.s0`, 'summarized', 'extractive'],
      [`${sessionId}.s1`, 'open', null],
    ]);
    expect(doc.stats).toMatchObject({
      scope: 'all_segments',
      toolCalls: 1,
      userMessages: 2,
      aiMessages: 2,
    });
    expect(doc.context.messages[0]).toMatchObject({ role: 'system', content: 'Be brief.' });
  });

  it('exits 2 naming the session and tenant when the session does not exist', async () => {
    const io = capturedIo();
    expect(await runCli(['inspect', sessionId, '--tenant', 'globex'], env, io)).toBe(2);
    expect(io.stderr()).toContain(`session "${sessionId}" of tenant "globex" does not exist`);
  });

  it('exits 2 when REDIS_URL is unset, and on a bad flag or id, naming it and the rule', async () => {
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [['inspect', sessionId], {}, /REDIS_URL: .*unset/],
      [
        ['inspect', sessionId, '--budget', 'lots'],
        env,
        /--budget: expected a whole number from 1 to 10000000, got "lots"/,
      ],
      [['inspect', 'a:b'], env, /<sessionId>: expected 1 to 128 characters/],
      [['inspect'], env, /missing <sessionId>/],
      [['inspect', sessionId, '--tenant'], env, /--tenant: expected a value/],
      [['inspect', sessionId, '--verbose'], env, /unknown option "--verbose"/],
    ];
    for (const [argv, e, message] of cases) {
      const io = capturedIo();
      expect(await runCli(argv, e, io), argv.join(' ')).toBe(2);
      expect(io.stderr()).toMatch(message);
    }
  });
});
