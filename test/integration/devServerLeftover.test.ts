/**
 * `npm start` after a hard kill: the dev server the killed start left running (its own process
 * group survives SIGKILL) is recognised by its pid file and stopped; a port held by anything else
 * stops start-up with one line naming what to set, never a stack trace.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { freeStartPorts } from '../../scripts/startPorts';
import { freePort, startDevServer, StartupError, type DevServer, type DevServerRecord } from '../../scripts/dev-server';
import { waitFor } from '../support/waitFor';

const REPO = path.resolve(__dirname, '../..');
const alive = (pid: number) =>
  existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');

function run(args: string[], env: Record<string, string> = {}): ChildProcess {
  // These children start their own dev server: never the suite's existing Temporal (test:cluster sets one).
  const { TEMPORAL_ADDRESS: _suiteTemporal, ...inherited } = process.env;
  return spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: REPO,
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function output(child: ChildProcess): { stdout: () => string; stderr: () => string; exit: Promise<number | null> } {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { stdout: () => stdout, stderr: () => stderr, exit };
}

async function answers(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 2000 });
  try {
    await connection.healthService.check({});
    return true;
  } finally {
    await connection.close();
  }
}

describe('a dev server left running by a hard-killed start', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'delivery-bridge-leftover-'));
  const pidFile = path.join(dir, 'temporal-dev-server.json');
  let port: number;
  let leftoverPid: number;
  let next: DevServer | undefined;

  beforeAll(async () => {
    port = await freePort();
    const first = run(['test/support/devServerChild.ts', String(port), dir]);
    const out = output(first);
    const ready = await waitFor(() => /ready (\d+)/.exec(out.stdout()), { what: 'the first start', timeoutMs: 60_000 });
    leftoverPid = Number(ready[1]);
    // The hard kill: no exit handler runs, the server (own process group) stays, so does its pid file.
    first.kill('SIGKILL');
    await out.exit;
  }, 90_000);
  afterAll(async () => {
    await next?.stop();
    if (alive(leftoverPid)) process.kill(leftoverPid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('is still running after the kill, recorded with its pid and port', async () => {
    expect(alive(leftoverPid)).toBe(true);
    // Answers, given time: the machine may be busy with other test files.
    expect(await waitFor(() => answers(`127.0.0.1:${port}`), { what: 'the leftover to answer' })).toBe(true);
    expect(JSON.parse(readFileSync(pidFile, 'utf8'))).toMatchObject({ pid: leftoverPid, port });
  });

  it('is stopped by the next start, which then runs its own server on the same port and file', async () => {
    const lines: string[] = [];
    next = await startDevServer({
      port,
      uiPort: false,
      dbFile: path.join(dir, 'temporal.sqlite'),
      pidFile,
      log: (line) => lines.push(line),
    });
    expect(alive(leftoverPid)).toBe(false);
    expect(lines).toContainEqual(
      `stopped the Temporal dev server an earlier npm start left running (pid ${leftoverPid}, port ${port})`,
    );
    expect(next.process.pid).not.toBe(leftoverPid);
    expect(await waitFor(() => answers(next!.address), { what: 'the new server to answer' })).toBe(true);
    const record = JSON.parse(readFileSync(pidFile, 'utf8')) as DevServerRecord;
    expect(record).toMatchObject({ pid: next.process.pid, owner: process.pid, port });
  }, 120_000); // a dev server start may take up to its own 60 s on a busy machine

  it('is left alone while the start that owns it runs: a second start says so in one line', async () => {
    await expect(
      startDevServer({ port: await freePort(), uiPort: false, dbFile: path.join(dir, 'temporal.sqlite'), pidFile }),
    ).rejects.toThrow(
      new StartupError(
        `another npm start (pid ${process.pid}) runs the Temporal dev server on port ${port} with ` +
          `${path.join(dir, 'temporal.sqlite')}: stop it first, or set TEMPORAL_DATA_DIR and TEMPORAL_DEV_PORT to run a second one`,
      ),
    );
    expect(await waitFor(() => answers(next!.address), { what: 'the new server to answer' })).toBe(true);
  });

  it('forgets its record once stopped', async () => {
    await next!.stop();
    next = undefined;
    expect(existsSync(pidFile)).toBe(false);
  });
});

describe('a port held by another program', () => {
  let foreign: net.Server;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    foreign = net.createServer((socket) => socket.end());
    await new Promise<void>((resolve) => foreign.listen(port, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => foreign.close(resolve));
  });

  const line = (p: number) =>
    `Temporal gRPC port ${p} is in use by another program (not a dev server npm start left here): ` +
    `set TEMPORAL_ADDRESS=127.0.0.1:${p} to use the Temporal server there, or TEMPORAL_DEV_PORT to start ours on another port`;

  it('stops the dev server start with the line saying what to set', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'delivery-bridge-foreign-'));
    await expect(
      startDevServer({
        port,
        uiPort: false,
        dbFile: path.join(dir, 'temporal.sqlite'),
        pidFile: path.join(dir, 'temporal-dev-server.json'),
      }),
    ).rejects.toThrow(new StartupError(line(port)));
  });

  it('makes npm start exit 1 with that one line on stderr, no stack trace, nothing left running', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'delivery-bridge-foreign-'));
    const start = output(
      run(['scripts/start.ts'], {
        // Every other port npm start binds is a free one too: a test file beside this one runs npm start.
        ...(await freeStartPorts({ TEMPORAL_DEV_PORT: String(port) })),
        TEMPORAL_DATA_DIR: dir,
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
      }),
    );
    expect(await start.exit).toBe(1);
    expect(start.stderr().trim().split('\n')).toEqual([line(port)]);
    expect(existsSync(path.join(dir, 'temporal-dev-server.json'))).toBe(false);
  }, 120_000);
});
