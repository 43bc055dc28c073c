/**
 * Our worker (worker/main.ts) and intake API (api/main.ts) as processes of their own, as production
 * runs them, configured only through the environment, each logging to a file. `npm run cluster`
 * runs two of each; the cluster tests kill one worker with SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ClusterError } from './errors';

const ROOT = path.resolve(__dirname, '..', '..');

export interface BridgeProcess {
  name: string;
  kind: 'worker' | 'api';
  pid: number;
  process: ChildProcess;
  logFile: string;
  /** where it answers its health check (the worker's /healthz, the API's /readyz) */
  healthUrl: string;
  /** SIGTERM (graceful: the worker drains, the API finishes its requests), SIGKILL after 30 s */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export function spawnBridgeProcess(
  kind: 'worker' | 'api',
  name: string,
  env: Record<string, string>,
  logFile: string,
): BridgeProcess {
  const script = kind === 'worker' ? 'worker/main.ts' : 'api/main.ts';
  const healthUrl =
    kind === 'worker'
      ? `http://127.0.0.1:${required(env, 'WORKER_HEALTH_PORT')}/healthz`
      : `http://127.0.0.1:${required(env, 'PORT')}/readyz`;
  const out = openSync(logFile, 'a');
  // Its own process group: a terminal's Ctrl-C reaches only the cluster, which stops the APIs
  // first and the workers after them.
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: { ...process.env, ...env, LOG_FORMAT: 'json' },
    stdio: ['ignore', out, out],
    detached: true,
  });
  closeSync(out);
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => running.delete(child));
  return {
    name,
    kind,
    pid: child.pid!,
    process: child,
    logFile,
    healthUrl,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Resolves once the process answers 200 on its health URL; one clear line when it dies or hangs. */
export async function waitHealthy(p: BridgeProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (p.process.exitCode !== null || p.process.signalCode !== null) {
      throw new ClusterError(
        `${p.name} exited while starting (${p.process.exitCode ?? p.process.signalCode}): ${lastLogLine(p.logFile)} (log: ${p.logFile})`,
      );
    }
    try {
      if ((await fetch(p.healthUrl, { signal: AbortSignal.timeout(2000) })).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new ClusterError(
        `${p.name} did not answer ${p.healthUrl} within ${timeoutMs / 1000} s (log: ${p.logFile})`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}

function required(env: Record<string, string>, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

/** The last line a process wrote: its pino `msg` (and error) when it is JSON. */
export function lastLogLine(logFile: string): string {
  let text: string;
  try {
    text = readFileSync(logFile, 'utf8').slice(-8000);
  } catch {
    return '(no log)';
  }
  const line =
    text
      .split('\n')
      .filter((l) => l.trim())
      .pop() ?? '(empty log)';
  try {
    const entry = JSON.parse(line) as { msg?: string; err?: { message?: string } };
    return `${entry.msg ?? line}${entry.err?.message ? `: ${entry.err.message}` : ''}`;
  } catch {
    return line.trim();
  }
}
