/**
 * The bridge as production runs it: the intake API and the worker as two processes of their own
 * (api/main.ts, worker/main.ts), configured only through the environment. Used where a test's load
 * would otherwise share one event loop with the sandboxes and the test itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { freePort } from '../../scripts/dev-server';
import { testTemporalClient } from './temporal';
import { waitFor } from './waitFor';

export interface ProcessBridge {
  apiUrl: string;
  client: Client;
  /** The worker process's GET /metrics (its health port). */
  workerMetricsUrl: string;
  /** The API process's GET /metrics (API_METRICS_PORT). */
  apiMetricsUrl: string;
  stop(): Promise<void>;
}

const ROOT = path.resolve(__dirname, '../..');

function run(script: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: { ...process.env, ...env, LOG_FORMAT: 'json' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  child.once('exit', (code) => {
    if (code && code !== 0) process.stderr.write(`[${script}] exited ${code}:\n${stderr}\n`);
  });
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
  await exited;
  clearTimeout(timer);
}

export async function startProcessBridge(env: Record<string, string>, temporalAddress: string): Promise<ProcessBridge> {
  const healthPort = await freePort();
  const apiMetricsPort = await freePort();
  const common = {
    ...env,
    TEMPORAL_ADDRESS: temporalAddress,
    WORKFLOW_BUNDLE_PATH: process.env.TEST_WORKFLOW_BUNDLE ?? '',
  };
  const worker = run('worker/main.ts', { ...common, WORKER_HEALTH_PORT: String(healthPort) });
  const api = run('api/main.ts', { ...common, API_METRICS_PORT: String(apiMetricsPort) });
  const apiUrl = `http://127.0.0.1:${env.PORT}`;
  await waitFor(async () => (await fetch(`http://127.0.0.1:${healthPort}/healthz`)).ok, {
    what: 'the worker process',
    timeoutMs: 30_000,
    intervalMs: 200,
  });
  await waitFor(async () => (await fetch(`${apiUrl}/readyz`)).ok, {
    what: 'the API process',
    timeoutMs: 30_000,
    intervalMs: 200,
  });
  const client = await testTemporalClient({ address: temporalAddress, env });
  return {
    apiUrl,
    client,
    workerMetricsUrl: `http://127.0.0.1:${healthPort}/metrics`,
    apiMetricsUrl: `http://127.0.0.1:${apiMetricsPort}/metrics`,
    async stop() {
      await stopChild(api);
      await stopChild(worker);
      await client.connection.close();
    },
  };
}
