/**
 * A Temporal client of ours: the connection options of every process, the encrypting data
 * converter, and the tracing interceptors when traces are on (observability/tracing.ts).
 */
import { Client, Connection, type ConnectionLike } from '@temporalio/client';
import type { TemporalAccess } from '../config';
import { activeTracing } from '../observability/tracing';
import type { CodecKey } from './codec';
import { createDataConverter } from './dataConverter';
import { temporalConnectionOptions } from './temporalConnection';

/** The client of the API and the bridge: every start, signal and update carries the trace context. */
export function createDeliveryClient(
  connection: ConnectionLike,
  options: { namespace: string; codecKeys: CodecKey[] },
): Client {
  return new Client({
    connection,
    namespace: options.namespace,
    dataConverter: createDataConverter(options.codecKeys),
    interceptors: activeTracing().clientInterceptors(),
  });
}

export async function connectTemporalClient(
  access: TemporalAccess,
  options: { connectTimeout?: number } = {},
): Promise<Client> {
  const connection = await Connection.connect({
    ...temporalConnectionOptions(access.address, access.temporalSecurity),
    ...(options.connectTimeout ? { connectTimeout: options.connectTimeout } : {}),
  });
  return createDeliveryClient(connection, { namespace: access.namespace, codecKeys: access.codecKeys });
}
