/**
 * A Temporal client for tests, as the service's own: the same key ring (the environment's
 * CODEC_KEYS, else the development ring) and data converter, so what a test reads or sends
 * is what the worker wrote or reads.
 */
import type { Client } from '@temporalio/client';
import { parseEnv, resolveTemporalAccess } from '../../config';
import { connectTemporalClient } from '../../security/temporalClient';

export async function testTemporalClient(
  options: { address?: string; env?: Record<string, string | undefined> } = {},
): Promise<Client> {
  const address = options.address ?? process.env.TEST_TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEST_TEMPORAL_ADDRESS is not set: run the tests through jest');
  const access = resolveTemporalAccess(parseEnv({ ...options.env, TEMPORAL_ADDRESS: address }));
  return connectTemporalClient(access);
}
