import { createServer } from 'node:net';

/** Loopback address every harness server binds to: never reachable from outside the machine. */
export const LOOPBACK_HOST = '127.0.0.1';

/**
 * A TCP port on 127.0.0.1 that was free a moment ago: the kernel picks it for a listener on
 * port 0, which is then closed. Another process may take it before the caller binds it, so
 * callers retry with a new port when their bind fails with EADDRINUSE.
 */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, LOOPBACK_HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** Whether `port` can be bound on 127.0.0.1 right now (it is closed again at once). */
export async function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, LOOPBACK_HOST, () => server.close(() => resolve(true)));
  });
}
