/**
 * The one data converter of every Temporal client and worker of ours (API, worker, operator CLI,
 * codec server, tests, bench): the encryption codec over the default JSON payloads, and failures
 * with their messages and stacks encoded. A process without it would write plaintext or fail to
 * read what the others wrote.
 */
import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec, parseKeyRing, type CodecKey, type CodecOptions } from './codec';

/** For `bundleWorkflowCode` and the worker: the workflow sandbox loads the failure converter by path. */
export const FAILURE_CONVERTER_PATH = require.resolve('./failureConverter');

export function createDataConverter(keys: CodecKey[] | string, options: CodecOptions = {}): DataConverter {
  const ring = typeof keys === 'string' ? parseKeyRing(keys) : keys;
  return { payloadCodecs: [new EncryptionCodec(ring, options)], failureConverterPath: FAILURE_CONVERTER_PATH };
}
