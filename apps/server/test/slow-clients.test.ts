/**
 * Slow and idle clients cannot hold the server's connections: headers that never finish, a body
 * dribbled a byte at a time, an idle keep-alive connection, a connection that sends nothing.
 * Each is a raw TCP socket against a listening server with short timeouts; the bounds on how
 * soon the server closes are generous (a loaded machine), the behaviour is exact.
 */
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedisUrl } from '@threadline/testing/vitest';
import { keys, startTestApi, type TestApi } from './api-harness.ts';
import { JSON_CSP } from '../src/security-headers.ts';

const url = testRedisUrl();
const timeouts = { headersMs: 1000, requestMs: 2000, connectionMs: 4000, keepAliveMs: 1000 };
let api: TestApi;
let port: number;

beforeAll(async () => {
  api = await startTestApi(url, { label: 'slow-clients', workers: false, timeouts });
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  port = (api.app.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await api?.close();
});

interface Watched {
  socket: Socket;
  /** Everything the server sent. */
  received(): string;
  /** Resolves with the ms from connecting to the server closing the socket. */
  closed: Promise<number>;
}

/** A raw connection whose close (by the server) is timed; `send` runs once connected. */
function rawConnection(send: (socket: Socket) => void): Watched {
  const started = Date.now();
  let text = '';
  const socket = connect(port, '127.0.0.1', () => send(socket));
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  const closed = new Promise<number>((resolve) => {
    socket.on('close', () => resolve(Date.now() - started));
    socket.on('error', () => undefined);
  });
  return { socket, received: () => text, closed };
}

/** Writes `piece` every `everyMs` until the socket closes. */
function dribble(socket: Socket, piece: string, everyMs: number): void {
  const timer = setInterval(() => {
    if (socket.destroyed || !socket.writable) clearInterval(timer);
    else socket.write(piece);
  }, everyMs);
  socket.on('close', () => clearInterval(timer));
}

/** The server must close within this long of a timeout (it checks at a quarter of it). */
const GENEROUS_MS = 20_000;

describe('slow clients', () => {
  it('closes a connection whose headers never finish, with a 408, even though it keeps sending', async () => {
    const conn = rawConnection((socket) => {
      socket.write(`GET /healthz HTTP/1.1\r\nHost: x\r\n`);
      dribble(socket, 'X-Slow: y\r\n', 100);
    });
    const ms = await conn.closed;
    expect(ms).toBeGreaterThanOrEqual(timeouts.headersMs - 50);
    expect(ms).toBeLessThan(GENEROUS_MS);
    expect(conn.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(conn.received()).toContain('Connection: close');
    expect(conn.received()).toContain('X-Content-Type-Options: nosniff');
    expect(conn.received()).toContain(`Content-Security-Policy: ${JSON_CSP}`);
  });

  it('closes a connection that sends its headers and then dribbles the body, with a 408', async () => {
    const conn = rawConnection((socket) => {
      socket.write(
        `POST /v1/sessions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${keys.tenantA}\r\n` +
          `Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"sessionId":"`,
      );
      dribble(socket, 'a', 100);
    });
    const ms = await conn.closed;
    expect(ms).toBeGreaterThanOrEqual(timeouts.requestMs - 50);
    expect(ms).toBeLessThan(GENEROUS_MS);
    expect(conn.received()).toMatch(/^HTTP\/1\.1 408 /);
    // Nothing was created: the request never completed.
    const read = await api.as(keys.tenantA, { method: 'GET', url: '/v1/sessions/aaaa/stats' });
    expect(read.statusCode).toBe(404);
  });

  it('closes a connection that never sends a byte', async () => {
    const conn = rawConnection(() => undefined);
    const ms = await conn.closed;
    expect(ms).toBeLessThan(GENEROUS_MS);
    expect(conn.socket.bytesWritten).toBe(0);
  });

  it('closes an idle keep-alive connection after the keep-alive timeout, once its answer is sent', async () => {
    const conn = rawConnection((socket) =>
      socket.write(`GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n`),
    );
    const ms = await conn.closed;
    expect(conn.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(conn.received()).toContain('"status":"ok"');
    expect(ms).toBeGreaterThanOrEqual(timeouts.keepAliveMs - 50);
    expect(ms).toBeLessThan(GENEROUS_MS);
  });

  it('lets a read wait past the request timeout: the timeouts bound receiving a request, not answering it', async () => {
    const created = await fetch(`http://127.0.0.1:${port}/v1/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.tenantA}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sessionId: 'slow-read' }),
    });
    expect(created.status).toBe(201);
    const waited = Date.now();
    const slow = await fetch(
      `http://127.0.0.1:${port}/v1/sessions/slow-read/stats?waitFor=no-such-event&waitTimeoutMs=3000`,
      { headers: { authorization: `Bearer ${keys.tenantA}` } },
    );
    expect(slow.status).toBe(504);
    expect(slow.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Date.now() - waited).toBeGreaterThanOrEqual(timeouts.requestMs);
  });
});
