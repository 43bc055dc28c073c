/**
 * The Temporal CLI dev server, started the way CONTRACT.md section 1 requires (WAL, raised poll
 * rates, one task-queue partition) so that tests and benchmarks measure us, not its demo defaults.
 * Used by `npm start`, jest's global setup and the benchmarks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { parse as parseYaml } from 'yaml';
import { DYNAMIC_CONFIG_FILE } from './cluster/topology';
import { ensureTemporalCli } from './temporal-cli';
import { ensureSearchAttributes } from './temporal-setup';

/**
 * The server's dynamic config, one file for the dev server, `npm run cluster` and docker-compose:
 * each key with one unconstrained value, as `--dynamic-config-value KEY=JSON` flags here.
 */
export function dynamicConfigValues(file = DYNAMIC_CONFIG_FILE): Record<string, unknown> {
  const parsed = parseYaml(readFileSync(file, 'utf8')) as Record<string, Array<{ value: unknown; constraints?: unknown }>>;
  return Object.fromEntries(
    Object.entries(parsed).map(([key, entries]) => {
      if (entries.length !== 1 || entries[0]!.constraints !== undefined) throw new Error(`${file}: ${key} must have one value without constraints (the dev server takes no others)`);
      return [key, entries[0]!.value];
    }),
  );
}

/** The settings of CONTRACT.md section 1, in the CLI's flag form: SQLite pragmas, then the dynamic config. */
export const DEV_SERVER_TUNING = [
  '--sqlite-pragma', 'journal_mode=wal',
  '--sqlite-pragma', 'synchronous=normal',
  ...Object.entries(dynamicConfigValues()).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]),
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

export async function assertPortFree(port: number, what: string): Promise<void> {
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
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--db-filename', options.dbFile,
    '--log-level', 'error',
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
      throw new Error(`Temporal dev server did not answer on ${address} within 60s (${lastError?.message}):\n${stderr}`);
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
