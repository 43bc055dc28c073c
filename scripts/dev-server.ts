/**
 * The Temporal CLI dev server, started the way docs/operations.md "The Temporal server" requires (WAL, raised poll
 * rates, one task-queue partition) so that tests and benchmarks measure us, not its demo defaults.
 * Used by `npm start`, jest's global setup and the benchmarks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  const parsed = parseYaml(readFileSync(file, 'utf8')) as Record<
    string,
    Array<{ value: unknown; constraints?: unknown }>
  >;
  return Object.fromEntries(
    Object.entries(parsed).map(([key, entries]) => {
      if (entries.length !== 1 || entries[0]!.constraints !== undefined) {
        throw new Error(`${file}: ${key} must have one value without constraints (the dev server takes no others)`);
      }
      return [key, entries[0]!.value];
    }),
  );
}

/** The settings of docs/operations.md "The Temporal server", in the CLI's flag form: SQLite pragmas, then the dynamic config. */
export const DEV_SERVER_TUNING = [
  '--sqlite-pragma',
  'journal_mode=wal',
  '--sqlite-pragma',
  'synchronous=normal',
  ...Object.entries(dynamicConfigValues()).flatMap(([key, value]) => [
    '--dynamic-config-value',
    `${key}=${JSON.stringify(value)}`,
  ]),
];

export interface DevServerOptions {
  /** gRPC port; 0 picks a free one */
  port?: number;
  /** Web UI port; 0 picks a free one; `false` runs headless */
  uiPort?: number | false;
  /** SQLite file of the server's state */
  dbFile: string;
  namespace?: string;
  /** The Web UI's codec server (scripts/codec-server.ts), so operators read decoded payloads. */
  uiCodecEndpoint?: string;
  log?: (line: string) => void;
  /**
   * Where this server is recorded (`npm start`: `.data/temporal-dev-server.json`), so that a server
   * left running by a hard-killed start is recognised and stopped by the next one. Unset: no record.
   */
  pidFile?: string;
}

/** A start-up failure told in one line that says what to do (npm start prints it as it is). */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
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

async function assertPortFree(port: number, inUse: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', () => reject(new StartupError(inUse)));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve()));
  });
}

/** What the pid file holds: the server, the start that owns it, and what it was started with. */
export interface DevServerRecord {
  pid: number;
  /** Start time of the process (/proc/<pid>/stat), so a reused pid is not taken for it. */
  pidStart: string;
  owner: number;
  ownerStart: string;
  port: number;
  uiPort?: number;
  dbFile: string;
  binary: string;
  startedAt: string;
}

/** A process's start time in clock ticks since boot, from /proc (Linux); undefined when it is gone or a zombie. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

function commandLine(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

function readRecord(pidFile: string): DevServerRecord | undefined {
  try {
    return JSON.parse(readFileSync(pidFile, 'utf8')) as DevServerRecord;
  } catch {
    return undefined;
  }
}

/** The recorded server still runs, and is our temporal binary on the recorded SQLite file. */
function isRecordedServer(record: DevServerRecord): boolean {
  if (processStart(record.pid) !== record.pidStart) return false;
  const args = commandLine(record.pid);
  return (
    args[0] === record.binary && args.includes('start-dev') && args[args.indexOf('--db-filename') + 1] === record.dbFile
  );
}

async function waitGone(pid: number, pidStart: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (processStart(pid) === pidStart) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal); // its own process group (detached), as we started it
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // gone already
    }
  }
}

/**
 * A server recorded in the pid file whose start is gone (hard-killed: SIGKILL, a closed terminal)
 * is stopped, not reused: a fresh one is ours to stop on Ctrl-C, runs this checkout's binary and
 * settings, and loses nothing (the state is in the SQLite file). A server whose start still runs is
 * left alone: that start owns it.
 */
async function stopLeftover(pidFile: string, log: (line: string) => void): Promise<void> {
  const record = readRecord(pidFile);
  if (!record) return;
  if (!isRecordedServer(record)) {
    rmSync(pidFile, { force: true }); // stale: that server is gone (or its pid now belongs to another program)
    return;
  }
  if (processStart(record.owner) === record.ownerStart) {
    throw new StartupError(
      `another npm start (pid ${record.owner}) runs the Temporal dev server on port ${record.port} ` +
        `with ${record.dbFile}: stop it first, or set TEMPORAL_DATA_DIR and TEMPORAL_DEV_PORT to run a second one`,
    );
  }
  signalGroup(record.pid, 'SIGTERM');
  if (!(await waitGone(record.pid, record.pidStart, 10_000))) {
    signalGroup(record.pid, 'SIGKILL');
    await waitGone(record.pid, record.pidStart, 5_000);
  }
  rmSync(pidFile, { force: true });
  log(`stopped the Temporal dev server an earlier npm start left running (pid ${record.pid}, port ${record.port})`);
}

function lastLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .pop() ?? '(no output)'
  );
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const log = options.log ?? (() => undefined);
  const binary = await ensureTemporalCli(log);
  const port = options.port || (await freePort());
  const uiPort = options.uiPort === false ? undefined : options.uiPort || (await freePort());
  if (options.pidFile) await stopLeftover(options.pidFile, log);
  await assertPortFree(
    port,
    `Temporal gRPC port ${port} is in use by another program (not a dev server npm start left here): ` +
      `set TEMPORAL_ADDRESS=127.0.0.1:${port} to use the Temporal server there, or TEMPORAL_DEV_PORT to start ours on another port`,
  );
  if (uiPort)
    await assertPortFree(
      uiPort,
      `Temporal Web UI port ${uiPort} is in use by another program: set TEMPORAL_DEV_UI_PORT to another port`,
    );
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
    ...(uiPort && options.uiCodecEndpoint ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
    ...(namespace !== 'default' ? ['--namespace', namespace] : []),
    ...DEV_SERVER_TUNING,
  ];
  // Its own process group: a terminal's Ctrl-C reaches us, and we stop the server last, after the
  // worker drained. If this process exits anyway, the server goes with it; if it is killed hard,
  // the pid file lets the next start recognise the server and stop it.
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const pidFile = options.pidFile;
  if (pidFile && child.pid !== undefined) {
    const record: DevServerRecord = {
      pid: child.pid,
      pidStart: processStart(child.pid) ?? '',
      owner: process.pid,
      ownerStart: processStart(process.pid) ?? '',
      port,
      uiPort,
      dbFile: options.dbFile,
      binary,
      startedAt: new Date().toISOString(),
    };
    mkdirSync(path.dirname(path.resolve(pidFile)), { recursive: true });
    writeFileSync(pidFile, `${JSON.stringify(record, null, 2)}\n`);
  }
  const forget = () => {
    if (pidFile && readRecord(pidFile)?.pid === child.pid) rmSync(pidFile, { force: true });
  };
  const killOnExit = () => {
    child.kill('SIGKILL');
    forget();
  };
  process.once('exit', killOnExit);

  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  let ready = false;
  let lastError: Error | undefined;
  while (!ready) {
    if (child.exitCode !== null) {
      forget();
      throw new StartupError(`Temporal dev server exited (code ${child.exitCode}): ${lastLine(stderr)}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      forget();
      throw new StartupError(
        `Temporal dev server did not answer on ${address} within 60 s (${lastError?.message ?? 'no answer'}; ` +
          `its last words: ${lastLine(stderr)})`,
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
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      forget();
    },
  };
}
