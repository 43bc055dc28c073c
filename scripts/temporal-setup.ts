/**
 * Registers the delivery workflows' search attributes in a namespace, on the dev server or on a
 * real cluster alike. Safe to run at every start: only missing attributes are added.
 */
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { DELIVERY_SEARCH_ATTRIBUTES } from '../workflows/searchAttributes';

export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set([
    ...Object.keys(existing.customAttributes ?? {}),
    ...Object.keys(existing.systemAttributes ?? {}),
  ]);
  const missing = DELIVERY_SEARCH_ATTRIBUTES.filter((key) => !known.has(key.name));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(
      missing.map((key) => [key.name, temporal.api.enums.v1.IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`]]),
    ),
  });
  // Visibility picks new attributes up asynchronously; wait until listed so the first workflow can use them.
  for (let i = 0; i < 50; i += 1) {
    const now = await connection.operatorService.listSearchAttributes({ namespace });
    if (missing.every((key) => key.name in (now.customAttributes ?? {}))) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return missing.map((key) => key.name);
}

/** `node dist/scripts/temporal-setup.js`: registers the attributes on TEMPORAL_ADDRESS (docker-compose). */
if (require.main === module) {
  const address = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
  const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
  (async () => {
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        const connection = await Connection.connect({ address, connectTimeout: 2000 });
        const added = await ensureSearchAttributes(connection, namespace);
        console.log(`search attributes ready in ${namespace}${added.length ? ` (added ${added.join(', ')})` : ''}`);
        await connection.close();
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        console.log(`waiting for Temporal at ${address}: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
  })().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
