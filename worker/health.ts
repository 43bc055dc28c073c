/**
 * The worker's health port: `GET /healthz` (200 while the worker runs: container health checks) and
 * `GET /metrics`, the worker's own registry followed by what the Temporal SDK's exporter serves
 * (worker/runtime.ts), fetched from it over loopback on each scrape. One target per worker for
 * Prometheus; the SDK's address stays reachable on its own too (docs/observability.md "Metrics").
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WorkerMetrics } from '../observability/metrics/worker';

/** A scrape waits at most this long for the SDK's exporter; it answers in milliseconds. */
const SDK_SCRAPE_TIMEOUT_MS = 2000;

export interface WorkerHealthOptions {
  port: number;
  host?: string;
  /** The worker's state (`RUNNING` is healthy). */
  state: () => string;
  metrics: Pick<WorkerMetrics, 'registry' | 'sdkScraped'>;
  /** `host:port` of the SDK's exporter, when the runtime has one. */
  sdkMetrics: () => string | undefined;
}

export interface WorkerHealthServer {
  /** e.g. http://127.0.0.1:3001 */
  url: string;
  close(): Promise<void>;
}

export async function serveWorkerHealth(options: WorkerHealthOptions): Promise<WorkerHealthServer> {
  const { registry } = options.metrics;
  /** The SDK exporter's page; undefined when there is none or it did not answer. */
  const sdkText = async (): Promise<string | undefined> => {
    const address = options.sdkMetrics();
    if (!address) return undefined;
    try {
      const response = await fetch(`http://${address}/metrics`, { signal: AbortSignal.timeout(SDK_SCRAPE_TIMEOUT_MS) });
      return response.ok ? await response.text() : undefined;
    } catch {
      return undefined;
    }
  };
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      void (async () => {
        const sdk = await sdkText();
        options.metrics.sdkScraped(sdk !== undefined);
        const ours = await registry.metrics();
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(sdk ? `${ours}\n${sdk}` : ours);
      })().catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`metrics failed: ${err instanceof Error ? err.message : String(err)}`);
      });
      return;
    }
    const current = options.state();
    res.writeHead(current === 'RUNNING' ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ worker: current }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
