/**
 * A stand-in for `npm start`'s first step, run as its own process so a test can kill it hard:
 * starts the dev server with a pid file (as scripts/start.ts does), says `ready <server pid>`, waits.
 * Usage: node --import tsx test/support/devServerChild.ts <port> <data dir>
 */
import path from 'node:path';
import { startDevServer } from '../../scripts/dev-server';

const [port, dataDir] = process.argv.slice(2) as [string, string];
startDevServer({
  port: Number(port),
  uiPort: false,
  dbFile: path.join(dataDir, 'temporal.sqlite'),
  pidFile: path.join(dataDir, 'temporal-dev-server.json'),
}).then(
  (server) => {
    process.stdout.write(`ready ${server.process.pid}\n`);
    setInterval(() => undefined, 60_000);
  },
  (err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  },
);
