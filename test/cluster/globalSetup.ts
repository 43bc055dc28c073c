/**
 * Once per `npm run test:cluster`: the Temporal cluster of `npm run cluster` (PostgreSQL, the
 * Temporal server with its schema, namespace and search attributes; no Web UI) in a fresh folder,
 * then the usual test setup pointed at it through TEMPORAL_ADDRESS.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTemporalCluster } from '../../scripts/cluster/temporalCluster';
import globalSetup from '../support/globalSetup';

export default async function clusterGlobalSetup(): Promise<void> {
  const started = Date.now();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'delivery-bridge-cluster-test-'));
  const cluster = await startTemporalCluster({
    dataDir,
    uiPort: false,
    log: (l) => process.stderr.write(`[cluster] ${l}\n`),
  });
  (globalThis as Record<string, unknown>).__CLUSTER__ = cluster;
  process.env.TEMPORAL_ADDRESS = cluster.address;
  process.env.TEST_CLUSTER_DATA_DIR = dataDir;
  process.env.TEST_CLUSTER_HISTORY_SHARDS = String(cluster.historyShards);
  process.stderr.write(`[cluster] ready in ${Date.now() - started} ms (data and logs in ${dataDir})\n`);
  await globalSetup();
}
