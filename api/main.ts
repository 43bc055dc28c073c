/**
 * The intake API as its own process (production, docker-compose): TEMPORAL_ADDRESS required;
 * SIGINT/SIGTERM stop accepting requests and let the ones in flight finish.
 */
import { Client, Connection } from '@temporalio/client';
import { ConfigError, describeConfig, parseEnv, resolveConfig } from '../config';
import { createLogger } from '../observability/logger';
import { createApp } from './app';
import { listen } from './server';

async function main(): Promise<void> {
  const env = parseEnv();
  if (!env.TEMPORAL_ADDRESS) throw new ConfigError('TEMPORAL_ADDRESS', 'is required to run the API on its own (npm start runs a dev server for you)');
  const config = resolveConfig(env);
  const logger = createLogger({ level: config.logLevel, name: 'delivery-api' });
  // Lazy: the API starts (and answers /readyz 503) even while Temporal is not reachable yet.
  const connection = Connection.lazy({ address: env.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const app = createApp({ config, client, connection, logger });
  const server = await listen(app, config.port);
  logger.info({ url: server.url, config: describeConfig(config) }, 'intake API listening');
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'stopping intake API');
      void server
        .close()
        .then(() => (app.locals.drain as () => Promise<void>)())
        .then(() => connection.close())
        .then(() => process.exit(0));
    });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
