/**
 * `npm start` and Ctrl-C: one Ctrl-C often arrives twice (the terminal signals the whole process
 * group, and npm or its shell relays it); that is one request to stop cleanly, not a forced exit.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freeStartPorts } from '../../scripts/startPorts';
import { waitFor } from '../support/waitFor';

const REPO = path.resolve(__dirname, '../..');

it('stops everything cleanly when one Ctrl-C is delivered twice', async () => {
  const data = mkdtempSync(path.join(os.tmpdir(), 'delivery-bridge-signals-'));
  const env: Record<string, string> = { ...(await freeStartPorts()), TEMPORAL_DATA_DIR: data, LOG_FORMAT: 'json' };
  // npm start here runs its own dev server, never the suite's existing Temporal (test:cluster sets one).
  const { TEMPORAL_ADDRESS: _suiteTemporal, ...inherited } = process.env;
  const start = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: REPO,
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  start.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  start.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => start.once('exit', (code) => resolve(code)));
  try {
    await waitFor(() => stdout.includes('delivery-bridge is running'), {
      what: 'the banner',
      timeoutMs: 120_000,
    }).catch((err: Error) => {
      throw new Error(`${err.message}; stderr: ${stderr.slice(-2000)}; stdout: ${stdout.slice(-2000)}`);
    });
    expect(existsSync(path.join(data, 'temporal-dev-server.json'))).toBe(true);
    // The banner lists every metrics URL (API, worker, the SDK's exporter), and each answers.
    const metricsUrls = [...stdout.matchAll(/metrics\s+(http:\/\/\S+\/metrics)/gi)].map((m) => m[1]!);
    expect(metricsUrls).toHaveLength(3);
    for (const url of metricsUrls) expect((await fetch(url)).status).toBe(200);

    start.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 50));
    start.kill('SIGINT');

    expect(await exited).toBe(0);
    expect(stderr).not.toContain('Forced exit');
    expect(stdout).toContain('"msg":"Temporal dev server stopped"');
    expect(existsSync(path.join(data, 'temporal-dev-server.json'))).toBe(false);
  } finally {
    if (start.exitCode === null) start.kill('SIGKILL');
    rmSync(data, { recursive: true, force: true });
  }
}, 180_000);
