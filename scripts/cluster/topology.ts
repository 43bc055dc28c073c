/**
 * What `npm run cluster` stands up, written once: docker-compose.yml mirrors it, and
 * test/unit/dockerCompose.test.ts compares the two.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TEMPORAL_SERVER_VERSION, TEMPORAL_UI_SERVER_VERSION } from '../temporal-cli';

const DEPLOY = path.resolve(__dirname, '..', '..', 'deploy', 'temporal');

/** The server's settings that do not depend on where it runs (its config template's variables). */
export const SERVER_ENV_FILE = path.join(DEPLOY, 'server.env');
/** The server's dynamic config: the same file for the dev server, the cluster and compose. */
export const DYNAMIC_CONFIG_FILE = path.join(DEPLOY, 'dynamicconfig.yaml');
/** Creates or updates the two databases with the server's SQL tool (cluster and compose alike). */
export const SCHEMA_SCRIPT = path.join(DEPLOY, 'setup-schema.sh');

export const CLUSTER = {
  serverVersion: TEMPORAL_SERVER_VERSION.replace(/^v/, ''),
  uiVersion: TEMPORAL_UI_SERVER_VERSION.replace(/^v/, ''),
  /** Debian 12's PostgreSQL, the major the cluster was proven on; compose pins the same. */
  postgresMajor: 15,
  /** Temporal opens 4 services x (20 + 10) connections (server.env's pools), plus the SQL tool. */
  postgresMaxConnections: 200,
  workers: 2,
  apis: 2,
  /** Days a closed delivery's history stays queryable (the namespace's retention). */
  retentionDays: 7,
} as const;

/**
 * The health checks, as commands or HTTP paths: the cluster waits on these before it reports
 * ready, and compose's `healthcheck`s run the same.
 */
export const HEALTH_CHECKS = {
  postgresql: ['pg_isready', '-U', 'temporal'],
  temporal: ['temporal', 'operator', 'cluster', 'health'],
  ui: 'GET /',
  worker: 'GET /healthz',
  api: 'GET /readyz',
} as const;

/** deploy/temporal/server.env as a map (`KEY=value` lines, `#` comments). */
export function serverEnv(file = SERVER_ENV_FILE): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq < 1) throw new Error(`${file}: not KEY=value: ${line}`);
    out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}
