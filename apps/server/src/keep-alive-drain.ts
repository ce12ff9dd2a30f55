import type { Server } from 'node:http';

export interface KeepAliveDrain {
  /** Call when closing begins: idle connections close now, busy ones once their response is sent. */
  closing(): void;
}

/**
 * Lets a closing HTTP server end its keep-alive connections as soon as they fall idle.
 *
 * `server.close()` (Fastify's `close()` calls it) closes the connections that are idle at that
 * moment, and Fastify answers requests that start afterwards with a 503 and `Connection: close`.
 * A connection whose request was still arriving (its body on the way) is neither: it is left
 * open, its request is answered with keep-alive, and it then stays open until the client lets
 * it go (undici keeps it for the server's Keep-Alive timeout, 72 s with Fastify's defaults). The
 * close waits for it, and a SIGTERM under load ends in the grace period instead of a clean stop.
 * With this, every response sent while closing is followed by closing the idle connections.
 * Call it once, as soon as the server listens; call `closing()` when closing begins.
 */
export function drainKeepAliveOnClose(server: Server): KeepAliveDrain {
  let closing = false;
  server.on('request', (_request, response) => {
    response.once('finish', () => {
      // Once the response is out, the connection is idle from the next turn of the loop.
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
  });
  return {
    closing() {
      closing = true;
      server.closeIdleConnections();
    },
  };
}
