/**
 * The parts the chaos run kills: the intake API and the worker, each its own process (api/main.ts,
 * worker/main.ts, as production runs them), and the Temporal dev server, restarted on the same port
 * and the same SQLite file. Each keeps its log in the run's folder.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import path from 'node:path';
import { startDevServer, type DevServer } from '../dev-server';

const ROOT = path.resolve(__dirname, '..', '..');

export interface Restartable {
  name: string;
  /** SIGKILL, then start again; resolves once it is ready again */
  killAndRestart(pauseMs?: number): Promise<number>;
  kills: number;
  /** When each SIGKILL was sent (epoch ms) */
  killedAt: number[];
  /** false from a SIGKILL until the process is ready again */
  up: boolean;
  /** pid of the current process */
  pid(): number | undefined;
  stop(): Promise<void>;
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await probe()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${what} not ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function answers(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
  return response.ok;
}

/**
 * A node entry point of this repository, restartable by SIGKILL: through tsx, or as compiled
 * JavaScript under `compiledRoot` (the output of `tsc --outDir`), which starts several times faster.
 */
export function nodeProcess(
  name: string,
  entry: string,
  env: Record<string, string>,
  logFile: string,
  readyUrl: string,
  compiledRoot?: string,
): Restartable & { start(): Promise<void> } {
  let child: ChildProcess | undefined;
  const target = compiledRoot
    ? [path.join(compiledRoot, entry.replace(/\.ts$/, '.js'))]
    : ['--import', 'tsx', path.join(ROOT, entry)];
  const start = async () => {
    const log = openSync(logFile, 'a');
    child = spawn(process.execPath, target, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    const mine = child;
    await until(
      name,
      async () => {
        if (mine.exitCode !== null || mine.signalCode !== null) throw new Error(`${name} exited`);
        return answers(readyUrl);
      },
      60_000,
    );
  };
  const self = {
    name,
    kills: 0,
    killedAt: [] as number[],
    /** false from a SIGKILL until the process answers its readiness URL again */
    up: true,
    pid: () => child?.pid,
    start,
    async killAndRestart(pauseMs = 0) {
      const started = Date.now();
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child!.once('exit', r));
        self.up = false;
        self.killedAt.push(Date.now());
        child.kill('SIGKILL');
        await exited;
      }
      self.kills += 1;
      if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
      await start();
      self.up = true;
      return Date.now() - started;
    },
    async stop() {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child?.kill('SIGKILL'), 25_000);
      await exited;
      clearTimeout(timer);
    },
  };
  return self;
}

/** The Temporal dev server on a fixed port and SQLite file, so a restart finds every workflow again. */
export function temporalServer(
  port: number,
  dbFile: string,
  log: (line: string) => void,
): Restartable & { start(): Promise<DevServer>; address: string } {
  let server: DevServer | undefined;
  const start = async () => {
    server = await startDevServer({ port, dbFile, uiPort: false, log });
    return server;
  };
  const self = {
    name: 'temporal',
    address: `127.0.0.1:${port}`,
    kills: 0,
    killedAt: [] as number[],
    up: true,
    pid: () => server?.process.pid,
    start,
    async killAndRestart(pauseMs = 0) {
      const started = Date.now();
      const child = server?.process;
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        self.up = false;
        self.killedAt.push(Date.now());
        child.kill('SIGKILL');
        await exited;
      }
      self.kills += 1;
      if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
      await start();
      self.up = true;
      return Date.now() - started;
    },
    async stop() {
      await server?.stop();
    },
  };
  return self;
}

/** Compiles the repository into `outDir` (what the Docker image runs), for processes restarted often. */
export function compileRepository(outDir: string): string {
  execFileSync(
    process.execPath,
    [
      require.resolve('typescript/bin/tsc'),
      '-p',
      path.join(ROOT, 'tsconfig.json'),
      '--outDir',
      outDir,
      '--sourceMap',
      'false',
    ],
    { stdio: 'inherit' },
  );
  return outDir;
}
