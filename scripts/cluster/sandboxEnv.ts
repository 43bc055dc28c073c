/**
 * What `npm run cluster` hands its worker and API processes about the sandboxes it started: their
 * URLs and the keys each expects. Every process reads its configuration from the environment alone
 * (config/index.ts), and a partner URL that is set makes its key required, so a sandbox's URL
 * always travels with its key. With every URL set, a process is not in sandbox mode and refuses the
 * development intake token: the cluster hands it a token of its own, kept in its data folder.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SANDBOX_DEFAULTS, type Env } from '../../config';

/** The base URLs of the sandboxes the cluster started, by the variable that points the bridge at each. */
export interface SandboxUrls {
  VTEX_TRACKING_URL?: string;
  VTEX_AUTH_URL?: string;
  DELIVERY_ENGINE_URL?: string;
  MARKETPLACE_URL?: string;
}

/**
 * The intake token of a cluster whose user set none: made once, kept in `<dataDir>/intake-token`
 * (so a restart keeps it), printed in the banner.
 */
export function clusterIntakeToken(dataDir: string): string {
  const file = path.join(dataDir, 'intake-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = `cluster-${randomBytes(24).toString('base64url')}`;
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

/**
 * The environment of a cluster process for these sandboxes: each URL with its key, and the intake
 * token (the user's, else `intakeToken`).
 */
export function sandboxEnvironment(env: Env, urls: SandboxUrls, intakeToken: string): Record<string, string> {
  const set = Object.fromEntries(Object.entries(urls).filter(([, v]) => v !== undefined)) as Record<string, string>;
  return {
    ...set,
    ...(urls.VTEX_TRACKING_URL
      ? {
          VTEX_API_KEY: env.VTEX_API_KEY ?? SANDBOX_DEFAULTS.vtexApiKey,
          VTEX_CARRIER_ID: env.VTEX_CARRIER_ID ?? SANDBOX_DEFAULTS.vtexCarrierId,
        }
      : {}),
    ...(urls.DELIVERY_ENGINE_URL
      ? {
          DELIVERY_ENGINE_API_KEY: env.DELIVERY_ENGINE_API_KEY ?? SANDBOX_DEFAULTS.deliveryEngineApiKey,
          DELIVERY_ENGINE_WEBHOOK_SECRET:
            env.DELIVERY_ENGINE_WEBHOOK_SECRET ?? SANDBOX_DEFAULTS.deliveryEngineWebhookSecret,
          DELIVERY_ENGINE_STORE_REFERENCE:
            env.DELIVERY_ENGINE_STORE_REFERENCE ?? SANDBOX_DEFAULTS.deliveryEngineStoreReference,
        }
      : {}),
    ...(urls.MARKETPLACE_URL
      ? { MARKETPLACE_CARRIER_KEY: env.MARKETPLACE_CARRIER_KEY ?? SANDBOX_DEFAULTS.abbiamoCarrierKey }
      : {}),
    ...(Object.keys(set).length ? { INTAKE_TOKEN: env.INTAKE_TOKEN ?? intakeToken } : {}),
  };
}
