/**
 * Finds the Temporal CLI, or builds it once (docs/operations.md "The Temporal server"): a `temporal` on the PATH wins;
 * otherwise `go install github.com/temporalio/cli/cmd/temporal@v1.5.1` with the machine's Go, pinned,
 * into a cache folder outside the repo, reused by every later run. Concurrent callers (tests and
 * `npm start` at once) share one build through a lock directory.
 *
 * The same pinned, cached, locked build gives `npm run cluster` its Temporal server, the server's
 * SQL schema tool and the Web UI server (`ensureClusterBinaries`), at the versions the CLI embeds.
 *
 * Run directly (`npm run temporal:install`, `-- --cluster` for the cluster's binaries too) to build
 * ahead of time.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';
/** The Temporal server and UI server that CLI v1.5.1 embeds (its go.mod): the cluster runs the same. */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
export const TEMPORAL_UI_SERVER_VERSION = 'v2.42.1';

type Log = (line: string) => void;

/** One binary built from the Go module proxy: `go install <pkg>@<version>`, renamed to `binary`. */
export interface GoBinary {
  /** what the progress lines call it */
  label: string;
  /** package path of the command, without version */
  pkg: string;
  version: string;
  /** file name in the cache folder (several commands are all called `server`) */
  binary: string;
  /** how long a cold build takes here, for the first progress line */
  expected: string;
}

const CLI: GoBinary = {
  label: 'temporal CLI',
  pkg: 'github.com/temporalio/cli/cmd/temporal',
  version: TEMPORAL_CLI_VERSION,
  binary: 'temporal',
  expected: 'about 3 minutes on 2 cores',
};

export const TEMPORAL_SERVER: GoBinary = {
  label: 'temporal server',
  pkg: 'go.temporal.io/server/cmd/server',
  version: TEMPORAL_SERVER_VERSION,
  binary: 'temporal-server',
  expected: 'about 3 minutes on 2 cores',
};

export const TEMPORAL_SQL_TOOL: GoBinary = {
  label: 'temporal-sql-tool',
  pkg: 'go.temporal.io/server/cmd/tools/sql',
  version: TEMPORAL_SERVER_VERSION,
  binary: 'temporal-sql-tool',
  expected: 'under a minute once the server is built',
};

export const TEMPORAL_UI_SERVER: GoBinary = {
  label: 'temporal UI server',
  pkg: 'github.com/temporalio/ui-server/v2/cmd/server',
  version: TEMPORAL_UI_SERVER_VERSION,
  binary: 'temporal-ui-server',
  expected: 'about a minute on 2 cores',
};

function cacheBase(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'delivery-bridge');
}

export function temporalCacheDir(): string {
  return path.join(cacheBase(), `temporal-${TEMPORAL_CLI_VERSION}`);
}

/** One folder per module and version: `temporal-server-v1.29.1`, `temporal-ui-server-v2.42.1`. */
function cacheDirOf(target: GoBinary): string {
  if (target === CLI) return temporalCacheDir();
  const folder = target.pkg.startsWith('go.temporal.io/server/') ? 'temporal-server' : target.binary;
  return path.join(cacheBase(), `${folder}-${target.version}`);
}

function onPath(name: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const out = found.stdout.trim();
  return found.status === 0 && out ? out : undefined;
}

/** Returns the path of a usable `temporal` binary, building it when there is none. */
export async function ensureTemporalCli(log: Log = (l) => process.stderr.write(`${l}\n`)): Promise<string> {
  const explicit = process.env.TEMPORAL_CLI_PATH;
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`TEMPORAL_CLI_PATH=${explicit} does not exist`);
    return explicit;
  }
  const fromPath = onPath('temporal');
  if (fromPath) return fromPath;
  return ensureGoBinary(CLI, log);
}

export interface ClusterBinaries {
  server: string;
  sqlTool: string;
  uiServer: string;
}

/** The cluster's three binaries, built one after the other (two cores: never two Go builds at once). */
export async function ensureClusterBinaries(
  log: Log = (l) => process.stderr.write(`${l}\n`),
): Promise<ClusterBinaries> {
  const server = await ensureGoBinary(TEMPORAL_SERVER, log);
  const sqlTool = await ensureGoBinary(TEMPORAL_SQL_TOOL, log);
  const uiServer = await ensureGoBinary(TEMPORAL_UI_SERVER, log);
  return { server, sqlTool, uiServer };
}

/**
 * The folder of a module in Go's module cache (downloaded by the build): the server's config
 * template and schema files ship there.
 */
export function goModuleDir(module: string, version: string): string {
  const go = requireGo();
  const out = spawnSync(go, ['mod', 'download', '-json', `${module}@${version}`], {
    encoding: 'utf8',
    cwd: os.tmpdir(),
    env: { ...process.env, GOTOOLCHAIN: 'local' },
  });
  const dir = out.status === 0 ? (JSON.parse(out.stdout) as { Dir?: string }).Dir : undefined;
  if (!dir || !existsSync(dir))
    throw new Error(`go mod download ${module}@${version} failed: ${out.stderr.trim() || out.stdout.trim()}`);
  return dir;
}

function requireGo(): string {
  const go = onPath('go');
  if (!go) {
    throw new Error(
      'No Go toolchain to build the Temporal binaries. Install Go (or the Temporal CLI), ' +
        'or set TEMPORAL_ADDRESS to an existing Temporal server. See docs/operations.md "The Temporal server".',
    );
  }
  return go;
}

/** The cached binary of `target`, built once when missing; concurrent callers wait for one build. */
export async function ensureGoBinary(target: GoBinary, log: Log): Promise<string> {
  const dir = cacheDirOf(target);
  const binary = path.join(dir, target.binary);
  if (existsSync(binary)) return binary;

  mkdirSync(dir, { recursive: true });
  // The CLI keeps the lock name of earlier versions of this file: their builds and ours exclude each other.
  const lock = path.join(dir, target === CLI ? '.building' : `.building-${target.binary}`);
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another process builds it; a lock older than 20 minutes is from a build that died.
      if (Date.now() - statSync(lock).mtimeMs > 20 * 60_000) rmSync(lock, { recursive: true, force: true });
      if (existsSync(binary)) return binary;
      log(`${target.label}: another process is building it, waiting...`);
      await new Promise((r) => setTimeout(r, 5000));
    }
  }
  try {
    if (existsSync(binary)) return binary;
    await goInstall(target, dir, log);
    return binary;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

async function goInstall(target: GoBinary, dir: string, log: Log): Promise<void> {
  const go = requireGo();
  const module = `${target.pkg}@${target.version}`;
  // Each build installs into a staging folder of its own: `go install` names the file after the
  // package (`server` for both the Temporal server and the UI server), renamed once complete.
  const staging = path.join(dir, `staging-${target.binary}-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  log(`${target.label}: not found; building ${module} with ${go} (once, ${target.expected})...`);
  const started = Date.now();
  let packages = 0;
  let last = '';
  await new Promise<void>((resolve, reject) => {
    const child = spawn(go, ['install', '-v', module], {
      env: { ...process.env, GOTOOLCHAIN: 'local', GOBIN: staging, GOFLAGS: process.env.GOFLAGS ?? '-trimpath' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tail: string[] = [];
    const onLine = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (!line.trim()) continue;
        tail.push(line);
        if (tail.length > 30) tail.shift();
        if (line.startsWith('go: downloading')) continue;
        packages += 1;
        last = line.trim();
      }
    };
    child.stdout.on('data', onLine);
    child.stderr.on('data', onLine);
    const progress = setInterval(() => {
      const s = Math.round((Date.now() - started) / 1000);
      log(`${target.label}: building... ${s}s, ${packages} packages compiled${last ? ` (last: ${last})` : ''}`);
    }, 10_000);
    child.on('error', (err) => {
      clearInterval(progress);
      reject(err);
    });
    child.on('exit', (code) => {
      clearInterval(progress);
      if (code === 0) resolve();
      else reject(new Error(`go install ${module} failed (exit ${code}):\n${tail.join('\n')}`));
    });
  });
  renameSync(path.join(staging, path.basename(target.pkg)), path.join(dir, target.binary));
  rmSync(staging, { recursive: true, force: true });
  log(`${target.label}: built in ${Math.round((Date.now() - started) / 1000)}s -> ${path.join(dir, target.binary)}`);
}

if (require.main === module) {
  (async () => {
    const cli = await ensureTemporalCli();
    const version = spawnSync(cli, ['--version'], { encoding: 'utf8' }).stdout.trim();
    console.log(`${cli}\n${version}`);
    if (process.argv.includes('--cluster')) {
      const binaries = await ensureClusterBinaries();
      for (const p of Object.values(binaries)) console.log(p);
    }
  })().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
}
