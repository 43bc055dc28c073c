import { rmSync } from 'node:fs';
import type { TemporalCluster } from '../../scripts/cluster/temporalCluster';
import globalTeardown from '../support/globalTeardown';

export default async function clusterGlobalTeardown(): Promise<void> {
  await globalTeardown();
  const cluster = (globalThis as Record<string, unknown>).__CLUSTER__ as TemporalCluster | undefined;
  await cluster?.stop();
  // Kept when asked for, to read the server's and PostgreSQL's logs after a failure.
  if (process.env.TEST_CLUSTER_DATA_DIR && process.env.KEEP_CLUSTER_DATA !== '1')
    rmSync(process.env.TEST_CLUSTER_DATA_DIR, { recursive: true, force: true });
}
