/**
 * `npm run cluster` from a clone with no environment: the workers and APIs it spawns get every
 * sandbox's URL with the key that goes with it, so their configuration parses (scripts/cluster/).
 */
import { mkdtempSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseEnv, resolveConfig } from '../../config';
import { postgresHomeFor } from '../../scripts/cluster/postgres';
import { clusterIntakeToken, sandboxEnvironment } from '../../scripts/cluster/sandboxEnv';

const CLUSTER_TOKEN = 'cluster-token-made-for-this-test-0123456789';
const ALL_SANDBOXES = {
  VTEX_TRACKING_URL: 'http://127.0.0.1:3101',
  VTEX_AUTH_URL: 'http://127.0.0.1:3101',
  DELIVERY_ENGINE_URL: 'http://127.0.0.1:3102',
  MARKETPLACE_URL: 'http://127.0.0.1:3103',
};

/** What a spawned worker or API parses: the cluster's environment over the user's (none here). */
const processConfig = (userEnv: NodeJS.ProcessEnv, urls = ALL_SANDBOXES) =>
  resolveConfig(
    parseEnv({
      ...userEnv,
      ...sandboxEnvironment(parseEnv(userEnv), urls, CLUSTER_TOKEN),
      TEMPORAL_ADDRESS: '127.0.0.1:7233',
    }),
  );

test('with no environment, every process of the cluster parses its configuration, the sandboxes keys included', () => {
  const config = processConfig({});
  expect(config.abbiamo).toMatchObject({
    url: ALL_SANDBOXES.MARKETPLACE_URL,
    carrierKey: 'sandbox-abbiamo-carrier-key',
  });
  expect(config.vtex).toMatchObject({ carrierId: 'sandbox-carrier' });
  // Every URL is set, so the processes are not in sandbox mode: the cluster's own token, not the dev one.
  expect(config.callers.vtex).toEqual([CLUSTER_TOKEN]);
});

test('the cluster keeps its intake token in its data folder: made once, the same on the next start', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cluster-token-'));
  const first = clusterIntakeToken(dir);
  expect(first).toMatch(/^cluster-[\w-]{32}$/);
  expect(clusterIntakeToken(dir)).toBe(first);
  expect(statSync(path.join(dir, 'intake-token')).mode & 0o777).toBe(0o600);
});

test("the user's own keys reach the processes", () => {
  const config = processConfig({ MARKETPLACE_CARRIER_KEY: 'carrier-key-of-ours', VTEX_CARRIER_ID: 'our-carrier' });
  expect(config.abbiamo.carrierKey).toBe('carrier-key-of-ours');
  expect(config.vtex.carrierId).toBe('our-carrier');
});

test('a partner the user points at a real URL gets no sandbox key', () => {
  const env = sandboxEnvironment(
    parseEnv({}),
    { DELIVERY_ENGINE_URL: ALL_SANDBOXES.DELIVERY_ENGINE_URL },
    CLUSTER_TOKEN,
  );
  expect(Object.keys(env).sort()).toEqual([
    'DELIVERY_ENGINE_API_KEY',
    'DELIVERY_ENGINE_STORE_REFERENCE',
    'DELIVERY_ENGINE_URL',
    'DELIVERY_ENGINE_WEBHOOK_SECRET',
    'INTAKE_TOKEN',
  ]);
});

describe("PostgreSQL's folder when it runs as the postgres user", () => {
  it('is the data folder when that user can reach it', () => {
    expect(postgresHomeFor('/srv/clone/.data/cluster', true, '/var/lib/postgresql')).toBe('/srv/clone/.data/cluster');
  });

  it("is a folder of that user's home, the same for the same data folder, when it cannot (root's home, mkdtemp)", () => {
    const home = postgresHomeFor('/root/clone/.data/cluster', false, '/var/lib/postgresql');
    expect(home).toMatch(/^\/var\/lib\/postgresql\/delivery-bridge\/cluster-[0-9a-f]{12}$/);
    expect(postgresHomeFor('/root/clone/.data/cluster', false, '/var/lib/postgresql')).toBe(home);
    expect(postgresHomeFor('/root/other/.data/cluster', false, '/var/lib/postgresql')).not.toBe(home);
  });
});
