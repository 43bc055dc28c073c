/**
 * Every port `npm start` binds, each a free one: for the checks that run `npm start` while the
 * test suite (or a developer's own `npm start`) holds the defaults.
 */
import { freePort } from './dev-server';

/** The environment variables of every port `npm start` listens on. */
export const START_PORT_VARIABLES = [
  'PORT',
  'TEMPORAL_DEV_PORT',
  'TEMPORAL_DEV_UI_PORT',
  'SANDBOX_VTEX_PORT',
  'SANDBOX_ENGINE_PORT',
  'SANDBOX_MARKETPLACE_PORT',
  'WORKER_HEALTH_PORT',
  'CODEC_SERVER_PORT',
] as const;

export type StartPortVariable = (typeof START_PORT_VARIABLES)[number];

/** A free port for each of them; `fixed` keeps the ones a check chooses itself. */
export async function freeStartPorts(
  fixed: Partial<Record<StartPortVariable, string>> = {},
): Promise<Record<StartPortVariable, string>> {
  const env = {} as Record<StartPortVariable, string>;
  for (const name of START_PORT_VARIABLES) env[name] = fixed[name] ?? String(await freePort());
  return env;
}
