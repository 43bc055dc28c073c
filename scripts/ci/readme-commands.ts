/**
 * `npm run test:readme-commands`: the commands the README offers a user, run as a user runs them,
 * from this clone with no environment but a shell's (PATH, HOME): `npm start`, then `npm run
 * cluster`; each up to its banner and `/readyz`, one Create service through it (VTEX's sandbox
 * sends its example, and the intake is called directly with VTEX's own example), the operators'
 * CLI (`npm run delivery -- ...`) against it, then Ctrl-C to the process group, which must stop it
 * cleanly. The CI runs it from a fresh clone in a mkdtemp folder, which is also the case of a clone
 * the PostgreSQL user cannot reach (scripts/cluster/postgres.ts).
 *
 * `--only start|cluster` runs one; `--free-ports` moves every port off its default (a machine
 * where something else holds 3000 or 7233), which the CLI then reaches through TEMPORAL_ADDRESS.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import createExample from '../../contracts/examples/vtex.create-service.openapi.json';
import { bareEnvironment, portsBelowEphemeral, runUserCommand } from './userCommand';

const REPO = path.resolve(__dirname, '..', '..');

interface Target {
  name: 'start' | 'cluster';
  npmArgs: string[];
  banner: RegExp;
  /** Up to the banner: a cold machine builds the Temporal CLI (start) or the server (cluster) first. */
  readyWithinMs: number;
  stopWithinMs: number;
}

const TARGETS: Target[] = [
  {
    name: 'start',
    npmArgs: ['start'],
    banner: /delivery-bridge is running[^\n]*\n([\s\S]*?)\n\s*\n/,
    readyWithinMs: 15 * 60_000,
    stopWithinMs: 60_000,
  },
  {
    name: 'cluster',
    npmArgs: ['run', 'cluster'],
    banner: /delivery-bridge cluster is running[^\n]*\n([\s\S]*?Ctrl-C stops everything)/,
    readyWithinMs: 30 * 60_000,
    stopWithinMs: 120_000,
  },
];

const log = (line: string) => console.log(`[readme-commands] ${line}`);

function field(banner: string, pattern: RegExp, what: string): string {
  const match = pattern.exec(banner);
  if (!match?.[1]) throw new Error(`the banner does not say ${what}:\n${banner}`);
  return match[1];
}

async function call(method: string, url: string, token: string | undefined, body?: unknown) {
  const answer = await fetch(url, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await answer.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  return { status: answer.status, body: json as Record<string, unknown> };
}

function expectStatus(what: string, answer: { status: number; body: unknown }, status: number): void {
  if (answer.status !== status)
    throw new Error(`${what}: expected ${status}, got ${answer.status} ${JSON.stringify(answer.body).slice(0, 400)}`);
  log(`${what}: ${status}`);
}

/** `npm run delivery -- <args>` as an operator types it; fails unless it exits 0. */
function operatorCli(args: string[], env: NodeJS.ProcessEnv): string {
  const result = spawnSync('npm', ['run', '--silent', 'delivery', '--', ...args], {
    cwd: REPO,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (result.status !== 0)
    throw new Error(
      `npm run delivery -- ${args.join(' ')} exited ${result.status}: ${(result.stderr || result.stdout).trim()}`,
    );
  log(`npm run delivery -- ${args.join(' ')}: ok`);
  return result.stdout;
}

async function portsOffDefaults(): Promise<Record<string, string>> {
  const names = [
    'TEMPORAL_DEV_PORT',
    'TEMPORAL_DEV_UI_PORT',
    'SANDBOX_VTEX_PORT',
    'SANDBOX_ENGINE_PORT',
    'SANDBOX_MARKETPLACE_PORT',
    'CODEC_SERVER_PORT',
    'WORKER_HEALTH_PORT',
  ];
  // PORT first, with PORT+1 (the cluster's second API) kept free beside it.
  const [port, , ...others] = await portsBelowEphemeral(names.length + 2, { pairFirst: true });
  return { PORT: String(port), ...Object.fromEntries(names.map((name, i) => [name, String(others[i])])) };
}

async function exercise(target: Target, freePorts: boolean, workDir: string): Promise<void> {
  const started = Date.now();
  const ports = freePorts ? await portsOffDefaults() : {};
  const env = bareEnvironment(ports);
  log(`npm ${target.npmArgs.join(' ')} (env: ${Object.keys(env).sort().join(', ')})`);
  const run = runUserCommand('npm', target.npmArgs, {
    cwd: REPO,
    env,
    logFile: path.join(workDir, `${target.name}.log`),
  });
  let failure: unknown;
  let api: string | undefined;
  try {
    const banner = (await run.waitForOutput(target.banner, target.readyWithinMs))[0];
    log(`${target.name}: banner after ${Math.round((Date.now() - started) / 1000)} s`);
    api = field(banner, /Intake API(?: 1)?\s+(http:\/\/[\d.:]+)/, 'the intake URL');
    const vtex = field(banner, /VTEX sandbox\s+(http:\/\/[\d.:]+)/, "the VTEX sandbox's URL");
    const token = field(banner, /Intake token[^\n]*Bearer (\S+)/, 'the intake token');
    const temporal = field(banner, /^\s+Temporal\s+([\d.]+:\d+)/m, "Temporal's address");

    expectStatus('GET /readyz', await call('GET', `${api}/readyz`, undefined), 200);
    // The README's walk-through: VTEX's sandbox sends its Create service example to the intake.
    const relayed = await call('POST', `${vtex}/_sandbox/services`, undefined);
    expectStatus('POST /_sandbox/services (VTEX sends Create service)', relayed, 200);
    expectStatus("  the intake's answer to it", relayed.body as { status: number; body: unknown }, 200);
    // And straight to the intake, with VTEX's own example, as the README shows with curl.
    const orderId = `README-${target.name}-${Date.now()}`;
    const created = await call('POST', `${api}/vtex/services`, token, {
      ...createExample,
      carrierId: 'sandbox-carrier',
      orderId,
    });
    expectStatus('POST /vtex/services', created, 200);
    const serviceId = created.body.serviceId as string;
    const other = ((relayed.body as { body: { serviceId: string } }).body ?? {}).serviceId;
    expectStatus(`GET /deliveries/${serviceId}`, await call('GET', `${api}/deliveries/${serviceId}`, token), 200);

    // The operators' CLI, as docs/runbook.md "Operators" shows it, against this Temporal.
    const cli = bareEnvironment({ ...(freePorts ? { TEMPORAL_ADDRESS: temporal } : {}) });
    operatorCli(['status', serviceId], cli);
    operatorCli(['list', '--stuck-for', '1s'], cli);
    operatorCli(['pause', serviceId, '--reason', 'README check: road closed'], cli);
    operatorCli(['resume', serviceId, '--reason', 'README check: road open'], cli);
    operatorCli(['force-status', serviceId, 'ON_ROUTE', '--why', 'README check: driver reported by phone'], cli);
    operatorCli(['resend', serviceId, '--why', 'README check'], cli);
    operatorCli(['clear-flag', serviceId, '--why', 'README check'], cli);
    const bulk = operatorCli(
      ['bulk', 'pause', '--query', `OrderId = "${orderId}"`, '--why', 'README check: hold it', '--wait'],
      cli,
    );
    const jobId = /bulk-pause-[0-9a-f-]{36}/.exec(bulk)?.[0];
    if (!jobId) throw new Error(`npm run delivery -- bulk printed no batch job id:\n${bulk}`);
    operatorCli(['bulk-status', jobId], cli);
    operatorCli(['bulk', 'resume', '--query', `OrderId = "${orderId}"`, '--why', 'README check: go on', '--wait'], cli);
    operatorCli(['reconcile', '--wait'], cli);
    operatorCli(['event', serviceId, 'CLIENT_RECEIVED'], cli);
    if (other) operatorCli(['cancel', other, '--reason', 'README check: duplicate order'], cli);
  } catch (err) {
    failure = err;
  }
  const stopped = await run.stop(target.stopWithinMs);
  log(
    `${target.name}: Ctrl-C -> exit ${stopped.code ?? stopped.signal}${stopped.forced ? ' (forced with SIGKILL)' : ''}`,
  );
  if (failure) throw failure;
  // npm re-raises the Ctrl-C it got once its script has exited: SIGINT (or 130) is npm's clean stop.
  // Clean means the script stopped every part itself, in time, and let go of the intake's port.
  const output = run.output();
  const unclean =
    stopped.forced ||
    !(stopped.code === 0 || stopped.code === 130 || stopped.signal === 'SIGINT') ||
    /did not stop cleanly|Forced exit/.test(output) ||
    (api !== undefined && (await reachable(`${api}/healthz`)));
  if (unclean)
    throw new Error(
      `npm ${target.npmArgs.join(' ')} did not stop cleanly on Ctrl-C (see ${workDir}/${target.name}.log)`,
    );
  log(`${target.name}: green in ${Math.round((Date.now() - started) / 1000)} s`);
}

async function reachable(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const opts = new Command()
    .name('test:readme-commands')
    .option('--only <name>', 'start or cluster')
    .option('--free-ports', 'every port off its default')
    .parse()
    .opts<{ only?: string; freePorts?: boolean }>();
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'delivery-bridge-readme-commands-'));
  log(`logs in ${workDir}`);
  for (const target of TARGETS.filter((t) => !opts.only || t.name === opts.only)) {
    await exercise(target, opts.freePorts ?? false, workDir);
  }
}

main().catch((err: unknown) => {
  console.error(`[readme-commands] FAILED: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
