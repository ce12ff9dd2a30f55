import { describe, expect, it } from 'vitest';
import { derivedKeyId, KeyRing } from './api-keys.ts';
import { parseApiKeysFileText, serverConfigFrom, ServerConfigError } from './server-config.ts';

const ADMIN = 'admin-key-0123456789abcdef';
const KEY_A = 'tenant-a-key-0123456789';
const KEY_B = 'tenant-b-key-0123456789';
const base = { REDIS_URL: 'redis://127.0.0.1:6379', THREADLINE_ADMIN_KEY: ADMIN };

const refusal = (env: Record<string, string>, readFile?: (p: string) => string): string => {
  try {
    serverConfigFrom(env, readFile);
  } catch (error) {
    expect(error).toBeInstanceOf(ServerConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ServerConfigError');
};

describe('serverConfigFrom', () => {
  it('reads keys as key=tenant pairs (or key:tenant), with the defaults', () => {
    const config = serverConfigFrom({
      ...base,
      THREADLINE_API_KEYS: `${KEY_A}=acme, ${KEY_B}:globex`,
    });
    expect(config).toMatchObject({
      apiKeys: [
        { id: derivedKeyId(KEY_A), key: KEY_A, tenant: 'acme' },
        { id: derivedKeyId(KEY_B), key: KEY_B, tenant: 'globex' },
      ],
      apiKeysFile: null,
      adminKey: ADMIN,
      port: 8080,
      host: '127.0.0.1',
      bodyLimitBytes: 1024 * 1024,
      rateLimit: { ratePerSecond: 1000, burst: 2000 },
      maxWaitingReadsPerTenant: 100,
      streams: { maxPerTenant: 10, maxDurationMs: 900_000 },
      retention: {},
      timeouts: { headersMs: 10_000, requestMs: 30_000, connectionMs: 60_000, keepAliveMs: 72_000 },
      redis: { url: 'redis://127.0.0.1:6379' },
      runtime: { topology: { prefix: 'tl', partitions: 16 } },
    });
  });

  it('reads keys from a JSON file', () => {
    const config = serverConfigFrom(
      { ...base, THREADLINE_API_KEYS_FILE: '/etc/keys.json', PORT: '9000', HOST: '0.0.0.0' },
      (path) => {
        expect(path).toBe('/etc/keys.json');
        return JSON.stringify({ [KEY_A]: 'acme' });
      },
    );
    expect(config).toMatchObject({
      apiKeys: [{ id: derivedKeyId(KEY_A), key: KEY_A, tenant: 'acme' }],
      apiKeysFile: '/etc/keys.json',
      port: 9000,
      host: '0.0.0.0',
    });
  });

  it('reports every problem at once, naming variables and entries but never a key', () => {
    const message = refusal({
      THREADLINE_ADMIN_KEY: 'short-secret',
      THREADLINE_API_KEYS: `tiny-secret=acme,${KEY_A}=bad tenant,${KEY_B}`,
      PORT: 'http',
      THREADLINE_PARTITIONS: '0',
    });
    expect(message).toMatch(/REDIS_URL or REDIS_CLUSTER_NODES: required/);
    expect(message).toMatch(/THREADLINE_ADMIN_KEY: expected at least 16 visible ASCII characters/);
    expect(message).toMatch(/THREADLINE_API_KEYS entry 1: key: expected at least 16/);
    expect(message).toMatch(/THREADLINE_API_KEYS entry 2: tenant: expected 1 to 128 characters/);
    expect(message).toMatch(/THREADLINE_API_KEYS entry 3: expected key=tenant/);
    expect(message).toMatch(/PORT: expected a whole number from 0 to 65535/);
    expect(message).toMatch(/THREADLINE_PARTITIONS/);
    for (const secret of ['short-secret', 'tiny-secret', KEY_A, KEY_B])
      expect(message).not.toContain(secret);
  });

  it('requires the admin key and some API keys, and refuses both key sources at once or a shared key', () => {
    expect(refusal({ REDIS_URL: base.REDIS_URL, THREADLINE_API_KEYS: `${KEY_A}=acme` })).toMatch(
      /THREADLINE_ADMIN_KEY: required/,
    );
    expect(refusal(base)).toMatch(/THREADLINE_API_KEYS or THREADLINE_API_KEYS_FILE: required/);
    expect(
      refusal({
        ...base,
        THREADLINE_API_KEYS: `${KEY_A}=acme`,
        THREADLINE_API_KEYS_FILE: '/k.json',
      }),
    ).toMatch(/set one of them, not both/);
    expect(refusal({ ...base, THREADLINE_API_KEYS: `${ADMIN}=acme` })).toMatch(
      /THREADLINE_ADMIN_KEY: must not also be an API key/,
    );
  });

  it('names a keys file it cannot read or parse, without quoting it', () => {
    const missing = refusal({ ...base, THREADLINE_API_KEYS_FILE: '/nope.json' }, () => {
      throw Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
    });
    expect(missing).toMatch(/THREADLINE_API_KEYS_FILE: cannot read \/nope.json \(ENOENT\)/);
    const garbled = refusal(
      { ...base, THREADLINE_API_KEYS_FILE: '/k.json' },
      () => `{"${KEY_A}": acme}`,
    );
    expect(garbled).toMatch(/not valid JSON/);
    expect(garbled).not.toContain(KEY_A);
    expect(refusal({ ...base, THREADLINE_API_KEYS_FILE: '/k.json' }, () => '["a"]')).toMatch(
      /expected a JSON object/,
    );
  });

  it('reads the price file once, through the same reader, and names its bad fields', () => {
    const config = serverConfigFrom(
      { ...base, THREADLINE_API_KEYS: `${KEY_A}=acme`, THREADLINE_PRICES_FILE: '/etc/prices.json' },
      (path) => {
        expect(path).toBe('/etc/prices.json');
        return '{"models":{"mistral-large":{"inputUsdPerMTok":2,"outputUsdPerMTok":6}}}';
      },
    );
    expect(config.runtime.prices.resolve('mistral-large-2411').inputPicoPerToken).toBe(2_000_000);
    expect(
      refusal(
        { ...base, THREADLINE_API_KEYS: `${KEY_A}=acme`, THREADLINE_PRICES_FILE: '/etc/p.json' },
        () => '{"models":{"m":{"inputUsdPerMTok":"2","outputUsdPerMTok":6}}}',
      ),
    ).toBe(
      'environment: THREADLINE_PRICES_FILE: models.m.inputUsdPerMTok: expected a non-negative number (in /etc/p.json)',
    );
  });

  it('reads the four timeouts, and refuses headers slower than the request or an idle timeout under waitFor', () => {
    const config = serverConfigFrom({
      ...base,
      THREADLINE_API_KEYS: `${KEY_A}=acme`,
      THREADLINE_HEADERS_TIMEOUT_MS: '5000',
      THREADLINE_REQUEST_TIMEOUT_MS: '20000',
      THREADLINE_CONNECTION_TIMEOUT_MS: '45000',
      THREADLINE_KEEP_ALIVE_TIMEOUT_MS: '65000',
      THREADLINE_MAX_WAITING_READS_PER_TENANT: '7',
      THREADLINE_MAX_STREAMS_PER_TENANT: '3',
      THREADLINE_STREAM_MAX_DURATION_MS: '60000',
    });
    expect(config.maxWaitingReadsPerTenant).toBe(7);
    expect(config.streams).toEqual({ maxPerTenant: 3, maxDurationMs: 60_000 });
    expect(config.timeouts).toEqual({
      headersMs: 5000,
      requestMs: 20_000,
      connectionMs: 45_000,
      keepAliveMs: 65_000,
    });
    expect(
      refusal({
        ...base,
        THREADLINE_API_KEYS: `${KEY_A}=acme`,
        THREADLINE_HEADERS_TIMEOUT_MS: '20000',
        THREADLINE_REQUEST_TIMEOUT_MS: '10000',
      }),
    ).toMatch(
      /THREADLINE_HEADERS_TIMEOUT_MS: expected at most THREADLINE_REQUEST_TIMEOUT_MS \(10000\)/,
    );
    const message = refusal({
      ...base,
      THREADLINE_API_KEYS: `${KEY_A}=acme`,
      THREADLINE_CONNECTION_TIMEOUT_MS: '30000',
      THREADLINE_KEEP_ALIVE_TIMEOUT_MS: '0',
    });
    expect(message).toMatch(/THREADLINE_CONNECTION_TIMEOUT_MS: expected a whole number from 31000/);
    expect(message).toMatch(/THREADLINE_KEEP_ALIVE_TIMEOUT_MS: expected a whole number from 100/);
  });

  it('reads the retention defaults, for all tenants and per tenant, and names each bad entry', () => {
    const config = serverConfigFrom({
      ...base,
      THREADLINE_API_KEYS: `${KEY_A}=acme`,
      THREADLINE_RETENTION_SECONDS: '86400',
      THREADLINE_TENANT_RETENTION_SECONDS: 'acme=none, globex=3600',
    });
    expect(config.retention).toEqual({
      defaultSeconds: 86400,
      byTenant: { acme: null, globex: 3600 },
    });
    expect(
      serverConfigFrom({
        ...base,
        THREADLINE_API_KEYS: `${KEY_A}=acme`,
        THREADLINE_RETENTION_SECONDS: 'none',
      }).retention,
    ).toEqual({ defaultSeconds: null });
    const message = refusal({
      ...base,
      THREADLINE_API_KEYS: `${KEY_A}=acme`,
      THREADLINE_RETENTION_SECONDS: '0',
      THREADLINE_TENANT_RETENTION_SECONDS: 'acme=forever,a:b=10,acme=5,globex',
    });
    expect(message).toMatch(
      /THREADLINE_RETENTION_SECONDS: expected whole seconds from 1 to 315360000, or "none"/,
    );
    expect(message).toMatch(/THREADLINE_TENANT_RETENTION_SECONDS entry 1: expected whole seconds/);
    expect(message).toMatch(/THREADLINE_TENANT_RETENTION_SECONDS entry 2: tenant: /);
    expect(message).toMatch(
      /THREADLINE_TENANT_RETENTION_SECONDS entry 3: tenant acme is given twice/,
    );
    expect(message).toMatch(
      /THREADLINE_TENANT_RETENTION_SECONDS entry 4: expected tenant=seconds or tenant=none/,
    );
  });

  it('refuses a stream cap of 0 or a stream duration under a second, naming the variable', () => {
    const message = refusal({
      ...base,
      THREADLINE_API_KEYS: `${KEY_A}=acme`,
      THREADLINE_MAX_STREAMS_PER_TENANT: '0',
      THREADLINE_STREAM_MAX_DURATION_MS: '10',
    });
    expect(message).toMatch(/THREADLINE_MAX_STREAMS_PER_TENANT: expected a whole number from 1/);
    expect(message).toMatch(/THREADLINE_STREAM_MAX_DURATION_MS: expected a whole number from 1000/);
  });

  it('reads the keys file with ids, expiries and revocations, and names each bad field and its rule, never a key', () => {
    const config = serverConfigFrom({ ...base, THREADLINE_API_KEYS_FILE: '/k.json' }, () =>
      JSON.stringify({
        keys: [
          { id: 'acme-1', key: KEY_A, tenant: 'acme', expiresAt: '2030-01-01T00:00:00Z' },
          { id: 'globex-1', key: KEY_B, tenant: 'globex', revoked: true },
        ],
      }),
    );
    expect(config.apiKeys).toEqual([
      { id: 'acme-1', key: KEY_A, tenant: 'acme', expiresAt: new Date('2030-01-01T00:00:00Z') },
      { id: 'globex-1', key: KEY_B, tenant: 'globex', revoked: true },
    ]);
    const problems: string[] = [];
    parseApiKeysFileText(
      JSON.stringify({
        keys: [
          { id: 'a b', key: 'short-secret', tenant: 'acme', expiresAt: 'tomorrow' },
          { id: 'x', key: KEY_A, tenant: 'acme', revoked: 'yes', extra: 1 },
          { id: 'x', key: KEY_A, tenant: 'acme' },
          { id: 'y', key: ADMIN, tenant: 'bad tenant' },
        ],
      }),
      problems,
    );
    const message = problems.join('\n');
    expect(message).toMatch(/keys\[0\]\.expiresAt: expected an ISO 8601 date-time/);
    expect(message).toMatch(/keys\[1\]\.revoked: expected true or false/);
    expect(message).toMatch(/keys\[1\]: unknown field\(s\) extra/);
    const second: string[] = [];
    parseApiKeysFileText(
      JSON.stringify({
        keys: [
          { id: 'a b', key: 'short-secret', tenant: 'acme' },
          { id: 'x', key: KEY_A, tenant: 'acme' },
          { id: 'x', key: KEY_A, tenant: 'bad tenant' },
        ],
      }),
      second,
    );
    const text = second.join('\n');
    expect(text).toMatch(/keys\[0\]\.id: expected 1 to 128 characters/);
    expect(text).toMatch(/keys\[0\]\.key: expected at least 16 visible ASCII/);
    expect(text).toMatch(/keys\[2\]\.id: the id x is used twice/);
    expect(text).toMatch(/keys\[2\]\.key: the same key as an earlier entry/);
    expect(text).toMatch(/keys\[2\]\.tenant: expected 1 to 128 characters/);
    for (const secret of ['short-secret', KEY_A, ADMIN]) {
      expect(message).not.toContain(secret);
      expect(text).not.toContain(secret);
    }
  });
});

describe('KeyRing', () => {
  it('refuses an expired key as expired, leaves a revoked one out, and takes new keys without losing the admin key', () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    const ring = new KeyRing(
      [
        { id: 'a-1', key: KEY_A, tenant: 'acme', expiresAt: new Date('2030-01-01T00:00:01Z') },
        { id: 'b-1', key: KEY_B, tenant: 'globex', revoked: true },
      ],
      ADMIN,
      () => now,
    );
    expect(ring.identify(KEY_A)).toEqual({ kind: 'tenant', tenant: 'acme', keyId: 'a-1' });
    expect(ring.identify(KEY_B)).toBeNull();
    now += 1000;
    expect(ring.identify(KEY_A)).toEqual({ kind: 'expired', keyId: 'a-1' });
    ring.replace([{ id: 'b-2', key: KEY_B, tenant: 'globex' }]);
    expect(ring.keyIds()).toEqual(['b-2']);
    expect(ring.identify(KEY_A)).toBeNull();
    expect(ring.identify(KEY_B)).toEqual({ kind: 'tenant', tenant: 'globex', keyId: 'b-2' });
    expect(ring.identify(ADMIN)).toEqual({ kind: 'admin' });
    expect(() => ring.replace([{ id: 'c', key: ADMIN, tenant: 'x' }])).toThrow(
      /apiKeys\[0\]\.key: the admin key may not be an API key too/,
    );
    expect(ring.keyIds()).toEqual(['b-2']);
  });
});
