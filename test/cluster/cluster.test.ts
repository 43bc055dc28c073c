/**
 * The server `npm run test:cluster` runs against is the one `npm run cluster` promises: the Temporal
 * server the pinned CLI embeds, on PostgreSQL for both stores, with more than one history shard,
 * and the delivery search attributes registered in its namespace.
 */
import { execFileSync } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { serverEnv } from '../../scripts/cluster/topology';
import { ensureTemporalCli } from '../../scripts/temporal-cli';
import { DELIVERY_SEARCH_ATTRIBUTES } from '../../workflows/searchAttributes';

let connection: Connection;

beforeAll(async () => {
  connection = await Connection.connect({ address: process.env.TEST_TEMPORAL_ADDRESS! });
});
afterAll(async () => {
  await connection?.close();
});

it('is the Temporal server version the pinned CLI embeds, on PostgreSQL, with the shards of deploy/temporal/server.env', async () => {
  const info = await connection.workflowService.getClusterInfo({});
  // `temporal --version` prints e.g. "temporal version 1.5.1 (Server 1.29.1, UI 2.42.1)".
  const cliVersion = execFileSync(await ensureTemporalCli(), ['--version'], { encoding: 'utf8' });
  const embedded = /Server (\d+\.\d+\.\d+)/.exec(cliVersion)?.[1];
  expect(embedded).toBeDefined();
  expect(info.serverVersion).toBe(embedded);
  expect(info.persistenceStore).toBe('postgres12');
  expect(info.visibilityStore).toBe('postgres12');
  expect(info.historyShardCount).toBe(Number(serverEnv().NUM_HISTORY_SHARDS));
  expect(info.historyShardCount).toBeGreaterThan(1);
});

it('has the delivery search attributes registered in the namespace', async () => {
  const listed = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
  for (const key of DELIVERY_SEARCH_ATTRIBUTES)
    expect([key.name, key.name in (listed.customAttributes ?? {})]).toEqual([key.name, true]);
});
