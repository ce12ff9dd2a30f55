/**
 * Keys rotated without a restart: the server process (src/main.ts) reads its keys from a file,
 * and reloads it on SIGHUP and when it changes. Through HTTP, on one keep-alive connection that
 * stays open throughout.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { deleteKeysWithPrefix, uniquePrefix } from '@threadline/testing';
import { testRedisUrl } from '@threadline/testing/vitest';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const url = testRedisUrl();
const prefix = uniquePrefix('key-rotation');
const dir = mkdtempSync(join(tmpdir(), 'threadline-keys-'));
const file = join(dir, 'keys.json');

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  const redis = new Redis(url);
  await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
});

const newKey = (name: string) => `${name}-${randomBytes(12).toString('hex')}`;

/** Writes the file the way deployment tools do: a new file renamed over the old one. */
function writeKeys(body: unknown): void {
  const next = `${file}.next`;
  writeFileSync(next, typeof body === 'string' ? body : JSON.stringify(body));
  renameSync(next, file);
}

/** One HTTP/1.1 connection, kept alive, sending one request at a time. */
class KeepAliveConnection {
  readonly socket: Socket;
  #buffer = '';
  #waiting: (() => void) | null = null;
  closed = false;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('data', (chunk: Buffer) => {
      this.#buffer += chunk.toString('utf8');
      this.#waiting?.();
    });
    this.socket.on('close', () => {
      this.closed = true;
      this.#waiting?.();
    });
  }

  /** GET `path` with `key`; resolves with the status once the whole answer is in. */
  async get(path: string, key: string): Promise<number> {
    this.socket.write(
      `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nAuthorization: Bearer ${key}\r\n\r\n`,
    );
    for (;;) {
      const match = /^HTTP\/1\.1 (\d{3})[^]*?\r\ncontent-length: (\d+)\r\n[^]*?\r\n\r\n/i.exec(
        this.#buffer,
      );
      if (match) {
        const headEnd = this.#buffer.indexOf('\r\n\r\n') + 4;
        const length = Number(match[2]);
        if (Buffer.byteLength(this.#buffer.slice(headEnd)) >= length) {
          this.#buffer = this.#buffer.slice(headEnd + length);
          return Number(match[1]);
        }
      }
      if (this.closed) throw new Error('the server closed the keep-alive connection');
      await new Promise<void>((resolve) => (this.#waiting = resolve));
    }
  }
}

describe('API key rotation without a restart', () => {
  it('reloads the keys file on SIGHUP and on change: during the rotation both keys work, then the old one is refused (removed, revoked or expired), a bad file keeps the keys in use, and a keep-alive connection survives it all', async () => {
    const oldKey = newKey('old');
    const nextKey = newKey('next');
    const laterKey = newKey('later');
    const adminKey = newKey('admin');
    // The older form ({ key: tenant }) at startup: still accepted.
    writeKeys({ [oldKey]: 'acme' });
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      env: {
        PATH: process.env['PATH'] ?? '',
        REDIS_URL: url,
        THREADLINE_PREFIX: prefix,
        THREADLINE_PARTITIONS: '2',
        THREADLINE_API_KEYS_FILE: file,
        THREADLINE_ADMIN_KEY: adminKey,
        PORT: '0',
        LOG_LEVEL: 'debug',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    /** Waits until the log has `count` lines matching `pattern`. */
    const logged = async (pattern: RegExp, count: number) => {
      const deadline = Date.now() + 30_000;
      while ((output.match(new RegExp(pattern, 'g')) ?? []).length < count) {
        if (child.exitCode !== null || Date.now() > deadline)
          throw new Error(`no ${count}× ${pattern} in the log:\n${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    let connection: KeepAliveConnection | null = null;
    try {
      await logged(/listening on http:\/\/\S+/, 1);
      const port = Number(/listening on http:\/\/[^:]+:(\d+)/.exec(output)![1]);
      const base = `http://127.0.0.1:${port}`;
      const created = await fetch(`${base}/v1/sessions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${oldKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ sessionId: 'rotating' }),
      });
      expect(created.status).toBe(201);
      connection = new KeepAliveConnection(port);
      const stats = '/v1/sessions/rotating/stats';
      expect(await connection.get(stats, oldKey)).toBe(200);
      expect(await connection.get(stats, nextKey)).toBe(401);

      // 1. Rotation begins: both keys listed, in the new form; SIGHUP.
      writeKeys({
        keys: [
          { id: 'acme-old', key: oldKey, tenant: 'acme' },
          { id: 'acme-next', key: nextKey, tenant: 'acme' },
        ],
      });
      child.kill('SIGHUP');
      await logged(/"reason":"SIGHUP"[^\n]*API keys reloaded/, 1);
      expect(await connection.get(stats, oldKey)).toBe(200);
      expect(await connection.get(stats, nextKey)).toBe(200);

      // 2. The old key is revoked, no signal: the change is seen.
      const reloadsBefore = (output.match(/API keys reloaded/g) ?? []).length;
      writeKeys({
        keys: [
          { id: 'acme-old', key: oldKey, tenant: 'acme', revoked: true },
          { id: 'acme-next', key: nextKey, tenant: 'acme' },
        ],
      });
      await logged(
        /"reason":"file changed"[^\n]*"revoked":\["acme-old"\][^\n]*API keys reloaded/,
        1,
      );
      await logged(/API keys reloaded/, reloadsBefore + 1);
      expect(await connection.get(stats, oldKey)).toBe(401);
      expect(await connection.get(stats, nextKey)).toBe(200);

      // 3. A broken file: refused, naming the entry, field and rule; the keys in use stay.
      writeKeys({
        keys: [{ id: 'acme-next', key: nextKey, tenant: 'acme', expiresAt: 'next tuesday' }],
      });
      child.kill('SIGHUP');
      await logged(/keys\[0\]\.expiresAt: expected an ISO 8601 date-time/, 1);
      expect(await connection.get(stats, nextKey)).toBe(200);

      // 4. The next rotation: a later key added, the next key given an expiry in the past
      //    (expired), the old one removed from the file.
      writeKeys({
        keys: [
          { id: 'acme-next', key: nextKey, tenant: 'acme', expiresAt: '2001-01-01T00:00:00Z' },
          { id: 'acme-later', key: laterKey, tenant: 'acme' },
        ],
      });
      child.kill('SIGHUP');
      await logged(/"expired":\["acme-next"\][^\n]*API keys reloaded/, 1);
      expect(await connection.get(stats, nextKey)).toBe(401);
      expect(await connection.get(stats, oldKey)).toBe(401);
      expect(await connection.get(stats, laterKey)).toBe(200);
      expect(connection.closed).toBe(false);

      // Metrics name keys by id.
      const metrics = await (
        await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${adminKey}` } })
      ).text();
      expect(metrics).toMatch(
        /threadline_api_key_requests_total\{key_id="acme-later",outcome="accepted"\} 1/,
      );
      expect(metrics).toMatch(
        /threadline_api_key_requests_total\{key_id="acme-next",outcome="expired"\} 1/,
      );
      expect(metrics).toMatch(/threadline_api_key_reloads_total\{result="refused"\} [1-9]/);
      expect(metrics).toMatch(/threadline_api_keys_loaded 2/);
    } finally {
      connection?.socket.destroy();
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    // Logs name the keys by id; no key appears in them.
    expect(output).toMatch(/"keyId":"acme-later"/);
    for (const key of [oldKey, nextKey, laterKey, adminKey]) {
      expect(output).not.toContain(key);
      expect(output).not.toContain(key.slice(-16));
    }
  });
});
