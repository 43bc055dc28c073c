/**
 * The Temporal CLI dev server, started the way CONTRACT.md section 1 requires (WAL, raised poll
 * rates, one task-queue partition) so that tests and benchmarks measure us, not its demo defaults.
 * Used by `npm start`, jest's global setup and the benchmarks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { ensureTemporalCli } from './temporal-cli';
import { ensureSearchAttributes } from './temporal-setup';

/** The settings of CONTRACT.md section 1, in the CLI's flag form. */
export const DEV_SERVER_TUNING = [
  '--sqlite-pragma',
  'journal_mode=wal',
  '--sqlite-pragma',
  'synchronous=normal',
  '--dynamic-config-value',
  'history.transferProcessorMaxPollRPS=1000',
  '--dynamic-config-value',
  'history.timerProcessorMaxPollRPS=1000',
  '--dynamic-config-value',
  'history.visibilityProcessorMaxPollRPS=1000',
  '--dynamic-config-value',
  'matching.numTaskqueueReadPartitions=1',
  '--dynamic-config-value',
  'matching.numTaskqueueWritePartitions=1',
];

export interface DevServerOptions {
  /** gRPC port; 0 picks a free one */
  port?: number;
  /** Web UI port; 0 picks a free one; `false` runs headless */
  uiPort?: number | false;
  /** SQLite file of the server's state */
  dbFile: string;
  namespace?: string;
  log?: (line: string) => void;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function assertPortFree(port: number, what: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', () => reject(new Error(`${what} port ${port} is already in use`)));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve()));
  });
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const log = options.log ?? (() => undefined);
  const binary = await ensureTemporalCli(log);
  const port = options.port || (await freePort());
  const uiPort = options.uiPort === false ? undefined : options.uiPort || (await freePort());
  await assertPortFree(port, 'Temporal gRPC');
  if (uiPort) await assertPortFree(uiPort, 'Temporal Web UI');
  mkdirSync(path.dirname(path.resolve(options.dbFile)), { recursive: true });
  const namespace = options.namespace ?? 'default';

  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--db-filename',
    options.dbFile,
    '--log-level',
    'error',
    ...(uiPort ? ['--ui-port', String(uiPort)] : ['--headless']),
    ...(namespace !== 'default' ? ['--namespace', namespace] : []),
    ...DEV_SERVER_TUNING,
  ];
  // Its own process group: a terminal's Ctrl-C reaches us, and we stop the server last, after the
  // worker drained. If this process dies anyway, the server goes with it.
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  let ready = false;
  let lastError: Error | undefined;
  while (!ready) {
    if (child.exitCode !== null) throw new Error(`Temporal dev server exited (${child.exitCode}):\n${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `Temporal dev server did not answer on ${address} within 60s (${lastError?.message}):\n${stderr}`,
      );
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.healthService.check({});
        await ensureSearchAttributes(connection, namespace);
        ready = true;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err as Error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  return {
    address,
    uiUrl: uiPort ? `http://127.0.0.1:${uiPort}` : undefined,
    process: child,
    async stop() {
      process.off('exit', killOnExit);
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
