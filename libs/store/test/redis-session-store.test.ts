import { Cluster, Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  deleteKeysWithPrefix,
  startRedisCluster,
  uniquePrefix,
  type RedisClusterHandle,
} from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';
import {
  RedisSessionStore,
  sessionDataKeyList,
  sessionKeyList,
  sessionKeys,
  subjectKey,
  type SessionKey,
} from '@threadline/store';
import { ErrorCode } from '../src/error-code.ts';
import { loadLuaScript, runLuaScript } from '../src/lua-scripts.ts';
import { describeSessionStoreContract } from './session-store-contract.ts';
import { SessionScript } from './session-fixtures.ts';

/** CRC16-XMODEM of the key's hash tag, mod 16384: the Redis Cluster slot (cluster spec, appendix A). */
function clusterSlot(key: string): number {
  const open = key.indexOf('{');
  const close = open === -1 ? -1 : key.indexOf('}', open + 1);
  const hashed = open !== -1 && close > open + 1 ? key.slice(open + 1, close) : key;
  let crc = 0;
  for (const byte of Buffer.from(hashed, 'utf8')) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

describeSessionStoreContract('RedisSessionStore', async () => {
  const redis = new Redis(testRedisUrl());
  const prefix = uniquePrefix('store');
  return {
    store: new RedisSessionStore({ redis, prefix }),
    cleanup: async () => {
      await deleteKeysWithPrefix(redis, prefix);
      await redis.quit();
    },
  };
});

describe('RedisSessionStore on one Redis', () => {
  let redis: Redis;
  let prefix: string;
  let store: RedisSessionStore;
  const key: SessionKey = { tenant: 'acme', sessionId: 'chat-7' };

  beforeEach(() => {
    redis = new Redis(testRedisUrl());
    prefix = uniquePrefix('store');
    store = new RedisSessionStore({ redis, prefix });
  });
  afterEach(async () => {
    await deleteKeysWithPrefix(redis, prefix);
    await redis.quit();
  });

  it('lays a session out as five data keys and its life key (the tombstone) under one hash tag that names the tenant', async () => {
    expect(sessionKeys('tl', key)).toEqual({
      state: 'tl:{acme:chat-7}:state',
      events: 'tl:{acme:chat-7}:events',
      ids: 'tl:{acme:chat-7}:ids',
      segments: 'tl:{acme:chat-7}:segments',
      summaries: 'tl:{acme:chat-7}:summaries',
      life: 'tl:{acme:chat-7}:life',
    });
    const keys = sessionKeys('tl', key);
    expect(sessionKeyList(keys)).toEqual([
      keys.state,
      keys.events,
      keys.ids,
      keys.segments,
      keys.summaries,
      keys.life,
    ]);
    expect(sessionDataKeyList(keys)).toEqual(sessionKeyList(keys).slice(0, 5));
    expect(new RedisSessionStore({ redis }).keysOf(key).state).toBe('tl:{acme:chat-7}:state');

    const script = new SessionScript(key.sessionId, { maxTurnsPerSegment: 1 });
    await store.commit(key, script.create());
    await store.commit(
      key,
      script.batch(1, [script.user(), script.user(), script.summaryOf(0)]).request,
    );
    const written = (await redis.keys(`${prefix}:*`)).sort();
    expect(written).toEqual(sessionKeyList(store.keysOf(key)).sort());

    // A delete leaves only the tombstone.
    expect(await store.deleteSession(key)).toBe(true);
    expect(await redis.keys(`${prefix}:*`)).toEqual([store.keysOf(key).life]);
  });

  it('gives every key of a session the expiry of its retention at each commit, the life key the tombstone TTL longer, and none without retention', async () => {
    const script = new SessionScript(key.sessionId, {
      maxTurnsPerSegment: 1,
      retentionSeconds: 100,
    });
    await store.commit(key, script.create());
    const batch = script.batch(1, [script.user(), script.user(), script.summaryOf(0)]);
    expect(await store.commit(key, batch.request)).toEqual({ ok: true, version: 2 });
    const keys = store.keysOf(key);
    const ttls = await Promise.all(sessionDataKeyList(keys).map((k) => redis.pttl(k)));
    for (const ttl of ttls) {
      expect(ttl).toBeGreaterThan(95_000);
      expect(ttl).toBeLessThanOrEqual(100_000);
    }
    const week = store.tombstoneTtlSeconds * 1000;
    expect(await redis.pttl(keys.life)).toBeGreaterThan(week + 95_000);
    expect(await redis.pttl(keys.life)).toBeLessThanOrEqual(week + 100_000);

    const kept = {
      ...script.session,
      context: {
        ...script.session.context,
        config: { ...script.session.context.config, retentionSeconds: null },
      },
    };
    expect(
      await store.commit(key, { ...script.create(), expectedVersion: 2, session: kept }),
    ).toEqual({ ok: true, version: 3 });
    for (const k of sessionKeyList(keys)) expect(await redis.pttl(k)).toBe(-1);
  });

  it("keeps a subject's index as long as the longest-lived of its sessions: renewed by their commits, never shortened, longest with one kept forever", async () => {
    const index = subjectKey(prefix, 'acme', 'user-7');
    const withRetention = (sessionId: string, retentionSeconds: number | null) => {
      const script = new SessionScript(sessionId, { retentionSeconds });
      script.session = {
        ...script.session,
        context: { ...script.session.context, subjectId: 'user-7' },
      };
      return script;
    };
    const week = store.tombstoneTtlSeconds;
    await store.commit({ tenant: 'acme', sessionId: 'long' }, withRetention('long', 1000).create());
    expect(await redis.ttl(index)).toBeGreaterThan(week + 990);
    await store.commit({ tenant: 'acme', sessionId: 'short' }, withRetention('short', 10).create());
    expect(await redis.ttl(index)).toBeGreaterThan(week + 990);
    // Kept forever counts as the longest retention there is (10 years).
    await store.commit({ tenant: 'acme', sessionId: 'kept' }, withRetention('kept', null).create());
    expect(await redis.ttl(index)).toBeGreaterThan(week + 315_359_990);
    expect(await redis.smembers(index)).toHaveLength(3);
  });

  it('leaves a tombstone with a TTL on delete (7 days by default, or tombstoneTtlSeconds)', async () => {
    const deleted = store.keysOf(key).life;
    const script = new SessionScript(key.sessionId);
    expect(await store.commit(key, script.create())).toEqual({ ok: true, version: 1 });
    expect(await redis.get(deleted)).toBe(script.session.context.life);
    expect(await store.deleteSession(key)).toBe(true);
    const week = 7 * 24 * 60 * 60 * 1000;
    const pttl = await redis.pttl(deleted);
    expect(pttl).toBeGreaterThan(week - 60_000);
    expect(pttl).toBeLessThanOrEqual(week);
    const marker = (await redis.get(deleted))!;
    expect(marker).toMatch(/^deleted /);
    expect(Number.isNaN(Date.parse(marker.slice('deleted '.length)))).toBe(false);

    // An explicit create replaces it with the new life; a second delete sets it again.
    const again = new SessionScript(key.sessionId);
    expect(await store.commit(key, { ...again.create(), create: 'explicit' })).toEqual({
      ok: true,
      version: 1,
    });
    expect(await redis.get(deleted)).toBe(again.session.context.life);

    const short = new RedisSessionStore({ redis, prefix, tombstoneTtlSeconds: 60 });
    expect(short.tombstoneTtlSeconds).toBe(60);
    expect(await short.deleteSession(key)).toBe(true);
    const shortTtl = await redis.pttl(deleted);
    expect(shortTtl).toBeGreaterThan(50_000);
    expect(shortTtl).toBeLessThanOrEqual(60_000);

    // Once the tombstone is gone (expired), a late event creates the session again.
    await redis.pexpire(deleted, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const late = new SessionScript(key.sessionId);
    expect(await store.commit(key, late.batch(0, [late.user()]).request)).toEqual({
      ok: true,
      version: 1,
    });

    for (const ttl of [0, -1, 1.5, Number.NaN])
      expect(() => new RedisSessionStore({ redis, prefix, tombstoneTtlSeconds: ttl })).toThrow(
        /tombstoneTtlSeconds must be a positive integer/,
      );
  });

  it('puts every key of a session in the same cluster slot, whatever the ids', () => {
    const keys: SessionKey[] = [
      key,
      { tenant: 'T0', sessionId: 'a' },
      { tenant: 'tenant.with-dots_and-dashes', sessionId: 'x'.repeat(128) },
      { tenant: 'x'.repeat(128), sessionId: '0.0-_' },
    ];
    for (const k of keys) {
      const slots = new Set(Object.values(sessionKeys('tl', k)).map(clusterSlot));
      expect(slots.size).toBe(1);
      // The slot is the one of `{tenant:sessionId}`, not of the prefix or the part.
      expect([...slots][0]).toBe(clusterSlot(`${k.tenant}:${k.sessionId}`));
      expect(clusterSlot(sessionKeys('another-prefix', k).events)).toBe([...slots][0]);
    }
    // Known vector from the cluster spec: CRC16("123456789") = 0x31C3.
    expect(clusterSlot('123456789')).toBe(0x31c3 % 16384);
  });

  it('refuses ids and prefixes that would break the hash tag, with a clear error', () => {
    // Core's one id rule, whoever calls: a ValidationError naming the id and the rule.
    for (const [tenant, sessionId, field] of [
      ['ac{me', 's', 'tenant'],
      ['acme', 's}1', 'sessionId'],
      ['a:b', 's', 'tenant'],
      ['', 's', 'tenant'],
      ['acme', '', 'sessionId'],
      ['acme', 'b:c', 'sessionId'],
    ] as const)
      expect(() => sessionKeys('tl', { tenant, sessionId }), `${tenant}/${sessionId}`).toThrow(
        new RegExp(`^${field}: expected 1 to 128 characters of letters, digits`),
      );
    expect(() => new RedisSessionStore({ redis, prefix: 'tl{x}' })).toThrow(
      /must not contain '\{' or '}'/,
    );
    return expect(store.load({ tenant: 'acme', sessionId: '{evil}' })).rejects.toThrow(
      /^sessionId: expected/,
    );
  });

  it('lands a stale writer (two connections read version v, both commit) exactly once', async () => {
    const other = new Redis(testRedisUrl());
    try {
      const writerA = new RedisSessionStore({ redis, prefix });
      const writerB = new RedisSessionStore({ redis: other, prefix });
      const script = new SessionScript(key.sessionId);
      expect(await writerA.commit(key, script.create())).toEqual({ ok: true, version: 1 });

      const readByA = await writerA.load(key);
      const readByB = await writerB.load(key);
      expect(readByA).toEqual(readByB);
      const event = script.user({ eventId: 'redelivered-1' });
      const a = script.batch(readByA!.version, [event]);
      const b = script.batch(readByB!.version, [event]);
      expect(await writerA.commit(key, a.request)).toEqual({ ok: true, version: 2 });
      expect(await writerB.commit(key, b.request)).toEqual({
        ok: false,
        reason: 'version_conflict',
        currentVersion: 2,
      });
      // Retrying B at the new version finds the event consumed.
      expect(await writerB.commit(key, { ...b.request, expectedVersion: 2 })).toEqual({
        ok: false,
        reason: 'duplicate_event',
        currentVersion: 2,
        eventId: 'redelivered-1',
      });
      expect(await redis.llen(store.keysOf(key).events)).toBe(1);
      expect(await redis.scard(store.keysOf(key).ids)).toBe(1);
    } finally {
      await other.quit();
    }
  });

  it('commits batches larger than what Lua can unpack at once', async () => {
    const script = new SessionScript(key.sessionId, { maxTurnsPerSegment: 1_000_000 });
    await store.commit(key, script.create());
    const batch = script.batch(
      1,
      Array.from({ length: 9_000 }, () => script.tool()),
    );
    expect(await store.commit(key, batch.request)).toEqual({ ok: true, version: 2 });
    expect(await redis.llen(store.keysOf(key).events)).toBe(9_000);
    const consumed = await store.consumedEventIds(key, batch.request.eventIds);
    expect(consumed.size).toBe(9_000);
    const tail = await store.readEvents(key, 8_998, 9_000);
    expect(tail.map((e) => e.seq)).toEqual([8_998, 8_999]);
    // A replay of the whole batch names its first id.
    expect(await store.commit(key, { ...batch.request, expectedVersion: 2 })).toMatchObject({
      reason: 'duplicate_event',
      eventId: batch.request.eventIds[0],
    });
  });

  it('throws before any round trip on a batch whose own seqs are not contiguous', async () => {
    const script = new SessionScript(key.sessionId);
    await store.commit(key, script.create());
    const batch = script.batch(1, [script.user(), script.assistant()]);
    const [first, second] = batch.request.appendEvents;
    await expect(
      store.commit(key, { ...batch.request, appendEvents: [first!, { ...second!, seq: 5 }] }),
    ).rejects.toThrow(/appendEvents\[1\]\.seq is 5, expected 1/);
    expect(await redis.llen(store.keysOf(key).events)).toBe(0);
  });

  it('has the commit script refuse ARGV that does not match its header, writing nothing', async () => {
    const commit = loadLuaScript('commit-session-6.lua');
    const keys = sessionKeyList(store.keysOf(key));
    // One event announced, none sent.
    const tail = ['l1', 0, 1000];
    expect(
      await runLuaScript(redis, commit, keys, [0, 'implicit', '{}', 0, 1, 0, 0, 0, ...tail]),
    ).toEqual([ErrorCode.MalformedArguments, 0, 'ARGV has 11 values, the counts announce 12']);
    expect(
      await runLuaScript(redis, commit, keys, [0, 'implicit', '{}', 0, 'x', 0, 0, 0, ...tail]),
    ).toEqual([
      ErrorCode.MalformedArguments,
      0,
      'expectedVersion, the four counts and the two durations must be numbers',
    ]);
    expect(
      await runLuaScript(redis, commit, keys, [0, 'sometimes', '{}', 0, 0, 0, 0, 0, ...tail]),
    ).toEqual([ErrorCode.MalformedArguments, 0, "create must be 'implicit' or 'explicit'"]);
    expect(
      await runLuaScript(redis, commit, keys, [0, 'implicit', '{}', 0, 0, 0, 0, 0, '', 0, 1000]),
    ).toEqual([
      ErrorCode.MalformedArguments,
      0,
      'life must be set, retentionMs >= 0 and tombstoneMs >= 1',
    ]);
    expect(await redis.exists(...keys)).toBe(0);
    await expect(runLuaScript(redis, commit, keys.slice(1), [])).rejects.toThrow(
      /takes 6 keys, got 5/,
    );
  });

  it('has the commit script answer Deleted (-5, 0) to an implicit create of a tombstoned session', async () => {
    const commit = loadLuaScript('commit-session-6.lua');
    const keys = sessionKeyList(store.keysOf(key));
    expect(await store.deleteSession(key)).toBe(false);
    const tail = ['l2', 0, 1000];
    expect(
      await runLuaScript(redis, commit, keys, [0, 'implicit', '{}', 0, 0, 0, 0, 0, ...tail]),
    ).toEqual([ErrorCode.Deleted, 0]);
    expect(await redis.exists(...sessionDataKeyList(store.keysOf(key)))).toBe(0);
    expect(
      await runLuaScript(redis, commit, keys, [0, 'explicit', '{}', 0, 0, 0, 0, 0, ...tail]),
    ).toEqual([ErrorCode.Ok, 1]);
    expect(await redis.get(store.keysOf(key).life)).toBe('l2');
  });

  it('leaves a shared connection open on close, and quits one it owns', async () => {
    await store.close();
    expect(await redis.ping()).toBe('PONG');

    const owned = new Redis(testRedisUrl());
    const ended = new Promise<void>((resolve) => owned.once('end', () => resolve()));
    const owner = new RedisSessionStore({ redis: owned, prefix, ownsConnection: true });
    expect(await owner.load(key)).toBeNull();
    await owner.close();
    await owner.close();
    await ended;
    expect(owned.status).toBe('end');
  });
});

describe('RedisSessionStore on a 3-node Redis Cluster', () => {
  let cluster: RedisClusterHandle;
  let client: Cluster;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    client = new Cluster(cluster.startupNodes);
  }, 120_000);
  afterAll(async () => {
    await client?.quit();
    await cluster?.stop();
  });

  describeSessionStoreContract('RedisSessionStore over Cluster', async () => {
    const prefix = uniquePrefix('cluster');
    return {
      store: new RedisSessionStore({ redis: client, prefix }),
      cleanup: async () => {
        await deleteKeysWithPrefix(client, prefix);
      },
    };
  });

  it('creates, commits, reads and deletes sessions spread over every master, without CROSSSLOT', async () => {
    const prefix = uniquePrefix('cluster');
    const store = new RedisSessionStore({ redis: client, prefix });
    const keys: SessionKey[] = Array.from({ length: 24 }, (_, i) => ({
      tenant: `tenant-${i % 3}`,
      sessionId: `s-${i}`,
    }));
    const nodesUsed = new Set<string>();
    for (const key of keys) {
      const script = new SessionScript(key.sessionId, { maxTurnsPerSegment: 1 });
      expect(await store.commit(key, script.create())).toEqual({ ok: true, version: 1 });
      const batch = script.batch(1, [
        script.user(),
        script.user({ content: '✓ réponse' }),
        script.summaryOf(0),
      ]);
      expect(await store.commit(key, batch.request)).toEqual({ ok: true, version: 2 });
      batch.accept();

      expect(await store.load(key)).toEqual({ session: script.session, version: 2 });
      expect(await store.consumedEventIds(key, batch.request.eventIds)).toEqual(
        new Set(batch.request.eventIds),
      );
      expect((await store.readEvents(key, 0, 10)).map((e) => e.seq)).toEqual([0, 1]);
      expect((await store.readSealedSegments(key)).map((s) => s.status)).toEqual(['summarized']);
      expect(await store.readSummary(key, 0)).toEqual(batch.request.summaries[0]);

      // Redis' own answer: every key of the session is in one slot.
      const keyNames = Object.values(store.keysOf(key));
      const slots = await Promise.all(keyNames.map((name) => client.cluster('KEYSLOT', name)));
      expect(new Set(slots).size).toBe(1);
      expect(slots[0]).toBe(clusterSlot(keyNames[0]!));
      const [range] = (await client.cluster('SLOTS')).filter(
        ([from, to]) => from <= Number(slots[0]) && Number(slots[0]) <= to,
      );
      nodesUsed.add(String(range![2]![1]));
    }
    expect(nodesUsed.size).toBe(3);

    for (const key of keys) {
      expect(await store.deleteSession(key)).toBe(true);
      expect(await store.load(key)).toBeNull();
      expect(await store.readEvents(key, 0, 10)).toEqual([]);
    }
    // Only the tombstones are left, one per session.
    expect(await deleteKeysWithPrefix(client, prefix)).toBe(keys.length);
  });

  it('falls back to EVAL when a node has lost its script cache (restart, failover)', async () => {
    const prefix = uniquePrefix('cluster');
    const store = new RedisSessionStore({ redis: client, prefix });
    const key: SessionKey = { tenant: 'acme', sessionId: 'flushed' };
    const script = new SessionScript(key.sessionId);
    expect(await store.commit(key, script.create())).toEqual({ ok: true, version: 1 });
    const { sha } = loadLuaScript('commit-session-6.lua');
    const masters = client.nodes('master');
    await Promise.all(masters.map((node) => node.script('FLUSH')));
    const cached = async () =>
      (await Promise.all(masters.map((node) => node.script('EXISTS', sha)))).flat();
    expect(await cached()).toEqual([0, 0, 0]);

    const batch = script.batch(1, [script.user()]);
    expect(await store.commit(key, batch.request)).toEqual({ ok: true, version: 2 });
    // EVAL cached it on the node of the session's slot only.
    expect((await cached()).sort()).toEqual([0, 0, 1]);
    await deleteKeysWithPrefix(client, prefix);
  });
});
