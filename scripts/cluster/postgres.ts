/**
 * PostgreSQL for `npm run cluster`: Debian's `postgresql` package (installed with apt-get when
 * missing), a database cluster in a folder of ours (initdb once, reused on every later start), on a
 * free loopback port, started and stopped by us. PostgreSQL refuses to run as root: as root, it
 * runs as the package's `postgres` system user.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ClusterError, type Log } from './errors';
import { CLUSTER } from './topology';

export const PG_USER = 'temporal';

export interface RunningPostgres {
  host: string;
  port: number;
  user: string;
  password: string;
  version: string;
  /** true when this start ran initdb (a first start); false when it reused the database */
  created: boolean;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** The bin folder of the newest PostgreSQL Debian installed (/usr/lib/postgresql/<major>/bin). */
export function findPostgresBin(root = '/usr/lib/postgresql'): string | undefined {
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter(
      (name) =>
        /^\d+$/.test(name) &&
        existsSync(path.join(root, name, 'bin', 'initdb')) &&
        existsSync(path.join(root, name, 'bin', 'postgres')),
    )
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] ? path.join(root, majors[0], 'bin') : undefined;
}

/** Installs Debian's `postgresql` when no server binaries are there: apt-get update once, then install. */
export function ensurePostgresInstalled(log: Log): string {
  const found = findPostgresBin();
  if (found) return found;
  if (process.getuid?.() !== 0) {
    throw new ClusterError(
      'PostgreSQL is not installed and this is not root: run `sudo apt-get install -y postgresql` (Debian), then npm run cluster again',
    );
  }
  log('PostgreSQL: not installed; apt-get update && apt-get install -y postgresql (once)...');
  const started = Date.now();
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'postgresql']]) {
    const run = spawnSync('apt-get', args, {
      encoding: 'utf8',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (run.status !== 0)
      throw new ClusterError(
        `apt-get ${args.join(' ')} failed (exit ${run.status}): ${lastLine(run.stderr || run.stdout)}`,
      );
  }
  const bin = findPostgresBin();
  if (!bin)
    throw new ClusterError('apt-get installed postgresql but no /usr/lib/postgresql/<major>/bin/postgres was found');
  log(`PostgreSQL: installed in ${Math.round((Date.now() - started) / 1000)}s (${bin})`);
  return bin;
}

/**
 * Where PostgreSQL keeps its files (its data folder, password file and log) when it runs as the
 * postgres user: our data folder when that user can walk down to it; else, since a clone in root's
 * home or under a mkdtemp folder is closed to it, a folder of that user's home named after ours.
 * The same data folder always maps to the same place, so the next start finds its database.
 */
export function postgresHomeFor(dataDir: string, reachable: boolean, userHome: string): string {
  if (reachable) return dataDir;
  const key = createHash('sha256').update(dataDir).digest('hex').slice(0, 12);
  return path.join(userHome, 'delivery-bridge', `${path.basename(dataDir)}-${key}`);
}

/** Who PostgreSQL runs as: ourselves, or the `postgres` system user when we are root. */
function runAs(): { uid: number; gid: number; name: string; home: string } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const uid = id('-u');
  const gid = id('-g');
  if (uid.status !== 0 || gid.status !== 0) {
    throw new ClusterError(
      "running as root, and there is no `postgres` system user to run PostgreSQL as (it comes with Debian's postgresql package: apt-get install -y postgresql)",
    );
  }
  const entry = spawnSync('getent', ['passwd', 'postgres'], { encoding: 'utf8' }).stdout.trim().split(':');
  return {
    uid: Number(uid.stdout.trim()),
    gid: Number(gid.stdout.trim()),
    name: 'postgres',
    home: entry[5] || '/var/lib/postgresql',
  };
}

export async function startPostgres(options: { dataDir: string; port: number; log: Log }): Promise<RunningPostgres> {
  const { log } = options;
  const bin = ensurePostgresInstalled(log);
  const version = spawnSync(path.join(bin, 'postgres'), ['--version'], { encoding: 'utf8' }).stdout.trim();
  const user = runAs();
  const dataDir = path.resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  // Our folder (a mkdtemp one is 0700): the postgres user needs to walk into it.
  if (user) chmodSync(dataDir, 0o755);
  const home = user ? postgresHomeFor(dataDir, canReach(dataDir, user.name), user.home) : dataDir;
  if (home !== dataDir) {
    log(`PostgreSQL: the ${user!.name} user cannot reach ${dataDir}; its database lives in ${home}`);
    mkdirSync(home, { recursive: true, mode: 0o755 });
  }
  if (user) assertReachable(home, user.name);
  const pgData = path.join(home, 'pg');

  const passwordFile = path.join(home, 'pg-password');
  const created = !existsSync(path.join(pgData, 'PG_VERSION'));
  if (created) {
    rmSync(pgData, { recursive: true, force: true });
    mkdirSync(pgData, { mode: 0o700 });
    writeFileSync(passwordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
    if (user) {
      chownSync(pgData, user.uid, user.gid);
      chownSync(passwordFile, user.uid, user.gid);
    }
    log(`PostgreSQL: initdb ${pgData} (first start)...`);
    const init = spawnSync(
      path.join(bin, 'initdb'),
      [
        '-D',
        pgData,
        '-U',
        PG_USER,
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
      ],
      {
        encoding: 'utf8',
        cwd: home,
        ...(user ? { uid: user.uid, gid: user.gid } : {}),
        env: { ...process.env, HOME: home },
      },
    );
    if (init.status !== 0) {
      rmSync(pgData, { recursive: true, force: true });
      throw new ClusterError(`initdb failed (exit ${init.status}): ${lastLine(init.stderr || init.stdout)}`);
    }
  } else if (!existsSync(passwordFile)) {
    throw new ClusterError(
      `${pgData} exists but ${passwordFile} is gone: remove ${home} to start over with an empty database`,
    );
  }
  const password = readFileSync(passwordFile, 'utf8').trim();

  const logFile = path.join(home, 'postgres.log');
  const out = openSync(logFile, 'a');
  if (user) chownSync(logFile, user.uid, user.gid);
  // Loopback TCP only (no Unix socket: nothing else of ours needs one). Its own process group: the
  // terminal's Ctrl-C reaches us, and we stop PostgreSQL last, after the server that uses it.
  const child = spawn(
    path.join(bin, 'postgres'),
    [
      '-D',
      pgData,
      '-p',
      String(options.port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      `max_connections=${CLUSTER.postgresMaxConnections}`,
    ],
    {
      cwd: home,
      stdio: ['ignore', out, out],
      detached: true,
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
      env: { ...process.env, HOME: home },
    },
  );
  closeSync(out);
  // If we die anyway, an immediate shutdown (SIGQUIT) takes PostgreSQL's backends with it, so the
  // next start finds no shared memory still in use.
  const quitOnExit = () => child.kill('SIGQUIT');
  process.once('exit', quitOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const deadline = Date.now() + 60_000;
  while (!(await accepting(bin, options.port))) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new ClusterError(
        `PostgreSQL exited while starting (${child.exitCode ?? child.signalCode}): ${lastLine(readTail(logFile))} (log: ${logFile})`,
      );
    }
    if (Date.now() > deadline) {
      child.kill('SIGQUIT');
      throw new ClusterError(
        `PostgreSQL did not accept connections on 127.0.0.1:${options.port} within 60 s (log: ${logFile})`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    host: '127.0.0.1',
    port: options.port,
    user: PG_USER,
    password,
    version,
    created,
    process: child,
    async stop() {
      process.off('exit', quitOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      // SIGINT: PostgreSQL's fast shutdown (sessions closed, a checkpoint, then exit).
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGQUIT'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function canReach(dir: string, name: string): boolean {
  return spawnSync('runuser', ['-u', name, '--', 'test', '-x', dir]).status === 0;
}

/** The postgres user must be able to walk down to its folder (its own files in it are chowned to it). */
function assertReachable(dir: string, name: string): void {
  if (canReach(dir, name)) return;
  throw new ClusterError(
    `the ${name} user cannot reach ${dir} (a folder above it is closed to it): set CLUSTER_DATA_DIR to a folder it can reach`,
  );
}

async function accepting(bin: string, port: number): Promise<boolean> {
  const isReady = path.join(bin, 'pg_isready');
  if (existsSync(isReady)) {
    return (
      spawnSync(isReady, ['-q', '-h', '127.0.0.1', '-p', String(port), '-U', PG_USER, '-d', 'postgres', '-t', '1'])
        .status === 0
    );
  }
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function readTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-2000);
  } catch {
    return '';
  }
}

function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines[lines.length - 1] ?? '(no output)';
}
