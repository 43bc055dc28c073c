/** A Temporal client of ours: the connection options of every process, and the encrypting data converter. */
import { Client, Connection } from '@temporalio/client';
import type { TemporalAccess } from '../config';
import { createDataConverter } from './dataConverter';
import { temporalConnectionOptions } from './temporalConnection';

export async function connectTemporalClient(
  access: TemporalAccess,
  options: { connectTimeout?: number } = {},
): Promise<Client> {
  const connection = await Connection.connect({
    ...temporalConnectionOptions(access.address, access.temporalSecurity),
    ...(options.connectTimeout ? { connectTimeout: options.connectTimeout } : {}),
  });
  return new Client({ connection, namespace: access.namespace, dataConverter: createDataConverter(access.codecKeys) });
}
