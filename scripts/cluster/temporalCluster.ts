/**
 * The Temporal side of `npm run cluster`, also what `npm run test:cluster` and the cluster bench
 * run against: PostgreSQL, the Temporal server on it, and (optionally) the Web UI server.
 * Stopped in reverse order.
 */
import path from 'node:path';
import { freePort } from '../dev-server';
import type { Log } from './errors';
import { startPostgres, type RunningPostgres } from './postgres';
import { startTemporalServer, startUiServer, type RunningTemporal, type RunningUi } from './temporalServer';

export interface TemporalClusterOptions {
  /** PostgreSQL's data and the processes' logs; a second start with the same folder reuses the database */
  dataDir: string;
  namespace?: string;
  /** frontend gRPC port; 0 or unset: a free one */
  port?: number;
  /** Web UI port; 0 or unset: a free one; false: no UI */
  uiPort?: number | false;
  /** PostgreSQL port; 0 or unset: a free one */
  postgresPort?: number;
  historyShards?: number;
  log: Log;
}

export interface TemporalCluster {
  address: string;
  namespace: string;
  uiUrl?: string;
  metricsUrl: string;
  historyShards: number;
  postgres: RunningPostgres;
  server: RunningTemporal;
  logDir: string;
  stop(): Promise<void>;
}

export async function startTemporalCluster(options: TemporalClusterOptions): Promise<TemporalCluster> {
  const { log } = options;
  const namespace = options.namespace ?? 'default';
  const dataDir = path.resolve(options.dataDir);
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const postgres = await startPostgres({ dataDir, port: options.postgresPort || (await freePort()), log });
    stops.push(() => postgres.stop());
    log(
      `PostgreSQL: ${postgres.version} on ${postgres.host}:${postgres.port} (${postgres.created ? 'new database' : 'database reused'}, ${path.join(dataDir, 'pg')})`,
    );

    const server = await startTemporalServer({
      pg: postgres,
      dataDir,
      namespace,
      port: options.port,
      historyShards: options.historyShards,
      log,
    });
    stops.push(() => server.stop());
    log(`Temporal server: ${server.address}, ${server.historyShards} history shards`);

    let ui: RunningUi | undefined;
    if (options.uiPort !== false) {
      ui = await startUiServer({
        temporalAddress: server.address,
        port: options.uiPort || (await freePort()),
        namespace,
        dataDir,
        log,
      });
      stops.push(() => ui!.stop());
    }
    return {
      address: server.address,
      namespace,
      uiUrl: ui?.url,
      metricsUrl: server.metricsUrl,
      historyShards: server.historyShards,
      postgres,
      server,
      logDir: dataDir,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
