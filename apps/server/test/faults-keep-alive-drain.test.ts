import { describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import Fastify from 'fastify';
import { drainKeepAliveOnClose } from '../src/keep-alive-drain.ts';

/**
 * A SIGTERM while a keep-alive client is still sending a request body: Node's `server.close()`
 * leaves that connection alone (it is not idle), the request is answered, and then the
 * connection stays open, kept alive, until the client lets it go (undici: the server's
 * Keep-Alive timeout, 72 s with Fastify's defaults), so the close does not finish and the
 * process's grace period ends it instead. With the drain, the connection is closed once its
 * response is out. faults-graceful-shutdown.test.ts shows the same through the real server
 * process under load.
 */
describe('closing the server while a keep-alive request is still arriving', () => {
  it(
    'answers the request, then closes its connection, so the close completes',
    { timeout: 15_000 },
    async () => {
      const app = Fastify();
      let headersIn!: () => void;
      const headersReceived = new Promise<void>((resolve) => (headersIn = resolve));
      app.addHook('onRequest', async () => headersIn());
      app.post('/events', async (request) => ({ accepted: request.body }));
      await app.listen({ port: 0, host: '127.0.0.1' });
      const drain = drainKeepAliveOnClose(app.server);
      const { port } = app.server.address() as { port: number };

      // A client that never closes a kept-alive connection by itself.
      const socket = connect(port, '127.0.0.1');
      let received = '';
      socket.on('data', (d: Buffer) => (received += d.toString()));
      const closedByServer = new Promise<void>((resolve) => socket.on('end', () => resolve()));
      await new Promise((resolve) => socket.once('connect', resolve));
      const body = '{"n":1}';
      socket.write(
        `POST /events HTTP/1.1\r\nHost: threadline\r\nConnection: keep-alive\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
      );
      await headersReceived;

      // SIGTERM now, with the body still on its way.
      drain.closing();
      const closed = app.close();
      socket.write(body);
      await closed;
      await closedByServer;
      expect(received).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(received).toMatch(/\r\nconnection: keep-alive\r\n/i);
      expect(received).toMatch(/\{"accepted":\{"n":1\}\}$/);
      socket.destroy();
    },
  );
});
