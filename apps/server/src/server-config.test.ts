import { describe, expect, it } from 'vitest';
import { serverConfigFrom, ServerConfigError } from './server-config.ts';

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
      apiKeys: { [KEY_A]: 'acme', [KEY_B]: 'globex' },
      adminKey: ADMIN,
      port: 8080,
      host: '127.0.0.1',
      bodyLimitBytes: 1024 * 1024,
      rateLimit: { ratePerSecond: 1000, burst: 2000 },
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
    expect(config).toMatchObject({ apiKeys: { [KEY_A]: 'acme' }, port: 9000, host: '0.0.0.0' });
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

  it('reads the four timeouts, and refuses headers slower than the request or an idle timeout under waitFor', () => {
    const config = serverConfigFrom({
      ...base,
      THREADLINE_API_KEYS: `${KEY_A}=acme`,
      THREADLINE_HEADERS_TIMEOUT_MS: '5000',
      THREADLINE_REQUEST_TIMEOUT_MS: '20000',
      THREADLINE_CONNECTION_TIMEOUT_MS: '45000',
      THREADLINE_KEEP_ALIVE_TIMEOUT_MS: '65000',
    });
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
});
