/**
 * Finds the Temporal CLI, or builds it once (CONTRACT.md section 1): a `temporal` on the PATH wins;
 * otherwise `go install github.com/temporalio/cli/cmd/temporal@v1.5.1` with the machine's Go, pinned,
 * into a cache folder outside the repo, reused by every later run. Concurrent callers (tests and
 * `npm start` at once) share one build through a lock directory.
 *
 * Run directly (`npm run temporal:install`) to build ahead of time.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const MODULE = `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`;

type Log = (line: string) => void;

export function temporalCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'delivery-bridge', `temporal-${TEMPORAL_CLI_VERSION}`);
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

  const dir = temporalCacheDir();
  const binary = path.join(dir, 'temporal');
  if (existsSync(binary)) return binary;

  mkdirSync(dir, { recursive: true });
  const lock = path.join(dir, '.building');
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another process builds it; a lock older than 20 minutes is from a build that died.
      if (Date.now() - statSync(lock).mtimeMs > 20 * 60_000) rmSync(lock, { recursive: true, force: true });
      if (existsSync(binary)) return binary;
      log('temporal CLI: another process is building it, waiting...');
      await new Promise((r) => setTimeout(r, 5000));
    }
  }
  try {
    if (existsSync(binary)) return binary;
    await goInstall(dir, log);
    return binary;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

async function goInstall(dir: string, log: Log): Promise<void> {
  const go = onPath('go');
  if (!go) {
    throw new Error(
      'No `temporal` on the PATH and no Go toolchain to build it. Install Go (or the Temporal CLI), ' +
        'or set TEMPORAL_ADDRESS to an existing Temporal server. See README "Temporal server".',
    );
  }
  const staging = path.join(dir, `staging-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  log(`temporal CLI: not found; building ${MODULE} with ${go} (once, about 3 minutes on 2 cores)...`);
  const started = Date.now();
  let packages = 0;
  let last = '';
  await new Promise<void>((resolve, reject) => {
    const child = spawn(go, ['install', '-v', MODULE], {
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
      log(`temporal CLI: building... ${s}s, ${packages} packages compiled${last ? ` (last: ${last})` : ''}`);
    }, 10_000);
    child.on('error', (err) => {
      clearInterval(progress);
      reject(err);
    });
    child.on('exit', (code) => {
      clearInterval(progress);
      if (code === 0) resolve();
      else reject(new Error(`go install ${MODULE} failed (exit ${code}):\n${tail.join('\n')}`));
    });
  });
  renameSync(path.join(staging, 'temporal'), path.join(dir, 'temporal'));
  rmSync(staging, { recursive: true, force: true });
  log(`temporal CLI: built in ${Math.round((Date.now() - started) / 1000)}s -> ${path.join(dir, 'temporal')}`);
}

if (require.main === module) {
  ensureTemporalCli()
    .then((p) => {
      const version = spawnSync(p, ['--version'], { encoding: 'utf8' }).stdout.trim();
      console.log(`${p}\n${version}`);
    })
    .catch((err: Error) => {
      console.error(err.message);
      process.exit(1);
    });
}
