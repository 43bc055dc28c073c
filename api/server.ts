/** Listens with the intake app and closes without dropping requests in flight. */
import http from 'node:http';
import type { Express } from 'express';

export interface RunningServer {
  url: string;
  port: number;
  /** Serves the next requests with another app (the real one, once Temporal is connected). */
  use(app: Express): void;
  close(): Promise<void>;
}

export async function listen(app: Express, port: number, host = '0.0.0.0'): Promise<RunningServer> {
  let current = app;
  const server = http.createServer((req, res) => current(req, res));
  // Longer than common load balancer idle timeouts, so they close first.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    use(next) {
      current = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Requests still running get a few seconds, then their sockets go.
        setTimeout(() => server.closeAllConnections(), 5000).unref();
      }),
  };
}
