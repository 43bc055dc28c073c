/**
 * The Temporal runtime of a process: SDK and workflow logs (`log` in workflow code) go to pino,
 * the SDK's own metrics (workflow task and activity latencies, pollers, slots) are served by its
 * Prometheus exporter, and the process decides itself when to shut down (no SDK signal handlers),
 * so `npm start` can stop the API before the worker and the worker before the sandboxes.
 *
 * The SDK's exporter listens on its own address: loopback and a free port unless
 * WORKER_SDK_METRICS_ADDRESS says otherwise. The worker's health port serves it merged with ours
 * (worker/health.ts), so a scraper needs one target per worker (docs/observability.md "Metrics").
 */
import net from 'node:net';
import { IllegalStateError } from '@temporalio/common';
import { Runtime, type LogLevel, type LogMetadata } from '@temporalio/worker';
import { ConfigError } from '../config';
import type { Logger } from '../observability/logger';

let installing: Promise<void> | undefined;
let sdkMetricsAddress: string | undefined;
let requestedAddress: string | undefined;

/** Where the SDK's exporter should listen (`host:port`); call before the first worker or connection. */
export function setSdkMetricsAddress(address: string | undefined): void {
  requestedAddress = address;
}

/** `host:port` of the SDK's Prometheus exporter in this process; undefined before the runtime is installed. */
export function sdkMetricsEndpoint(): string | undefined {
  return sdkMetricsAddress;
}

/** Installs the runtime once per process; `sdkMetrics: false` (the API process) runs no exporter. */
export function installRuntime(logger: Logger, options: { sdkMetrics?: boolean } = {}): Promise<void> {
  installing ??= install(logger, options.sdkMetrics ?? true);
  return installing;
}

async function install(logger: Logger, withMetrics: boolean): Promise<void> {
  const forward = (level: LogLevel, message: string, meta?: LogMetadata) => {
    const target = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' }[level] as 'info';
    logger[target]({ ...meta }, message);
  };
  const options = (bindAddress: string | undefined) => ({
    shutdownSignals: [],
    logger: {
      log: forward,
      trace: (m: string, meta?: LogMetadata) => forward('TRACE', m, meta),
      debug: (m: string, meta?: LogMetadata) => forward('DEBUG', m, meta),
      info: (m: string, meta?: LogMetadata) => forward('INFO', m, meta),
      warn: (m: string, meta?: LogMetadata) => forward('WARN', m, meta),
      error: (m: string, meta?: LogMetadata) => forward('ERROR', m, meta),
    },
    ...(bindAddress
      ? {
          telemetryOptions: {
            metrics: {
              // Prometheus' conventions: seconds, unit and `_total` in the names.
              prometheus: { bindAddress, useSecondsForDurations: true, unitSuffix: true, countersTotalSuffix: true },
            },
          },
        }
      : {}),
  });
  // A free port found here may be taken before the SDK binds it: then another one.
  for (let tries = 1; ; tries++) {
    const bindAddress = withMetrics ? (requestedAddress ?? `127.0.0.1:${await freeLoopbackPort()}`) : undefined;
    try {
      Runtime.install(options(bindAddress));
      sdkMetricsAddress = bindAddress;
      return;
    } catch (err) {
      if (err instanceof IllegalStateError || (err as Error).name === 'IllegalStateError') {
        // Already installed in this process (tests create several workers): keep the first.
        logger.debug({ err }, 'Temporal runtime already installed: its SDK metrics stay where they were');
        return;
      }
      const inUse = err instanceof Error && /address already in use/i.test(err.message);
      if (!inUse) throw err;
      if (requestedAddress)
        throw new ConfigError('WORKER_SDK_METRICS_ADDRESS', `${requestedAddress} is already in use by another program`);
      if (tries >= 5) throw err;
    }
  }
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
