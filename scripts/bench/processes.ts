/**
 * The bench's child processes: entry points run the same way for ours and the bare, each with its
 * log in the run's folder, and what /proc says about them (CPU time, resident memory). Run as
 * production runs them, compiled JavaScript on plain node (`useCompiled`), or through tsx.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { openSync, readdirSync, readFileSync, closeSync } from 'node:fs';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
const CLOCK_TICKS_PER_SECOND = 100;

export interface Child {
  name: string;
  pid: number;
  process: ChildProcess;
  /** IPC messages from the child */
  messages: EventEmitter;
  /** resolves with the first IPC message of this kind */
  once<T = any>(kind: string, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

let compiledRoot: string | undefined;

/** From now on, `entry.ts` runs as `<root>/entry.js` on plain node (the output of `tsc --outDir root`). */
export function useCompiled(root: string): void {
  compiledRoot = root;
}

/** Where the compiled JavaScript is, once `useCompiled` was called (a second environment reuses it). */
export function compiledInto(): string | undefined {
  return compiledRoot;
}

export function spawnTs(
  name: string,
  entry: string,
  env: Record<string, string>,
  logFile: string,
  nodeArgs: string[] = [],
): Child {
  const log = openSync(logFile, 'a');
  const target = compiledRoot
    ? [path.join(compiledRoot, entry.replace(/\.ts$/, '.js'))]
    : ['--import', 'tsx', path.join(REPO_ROOT, entry)];
  const child = spawn(process.execPath, [...nodeArgs, ...target], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', log, log, 'ipc'],
  });
  closeSync(log);
  running.add(child);
  const messages = new EventEmitter();
  messages.setMaxListeners(0);
  child.on('message', (message: { kind?: string }) => messages.emit(message?.kind ?? 'message', message));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code, signal) => {
    running.delete(child);
    messages.emit('exit', { code, signal });
  });
  return {
    name,
    pid: child.pid!,
    process: child,
    messages,
    once<T>(kind: string, timeoutMs = 120_000) {
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${name}: no '${kind}' within ${timeoutMs} ms (log: ${logFile})`)),
          timeoutMs,
        );
        const onExit = ({ code }: { code: number | null }) => {
          clearTimeout(timer);
          reject(new Error(`${name} exited (${code}) before '${kind}' (log: ${logFile})`));
        };
        messages.once('exit', onExit);
        messages.once(kind, (m: T) => {
          clearTimeout(timer);
          messages.off('exit', onExit);
          resolve(m);
        });
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): utime is field 14, stime field 15.
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/** CPU seconds of a process and all its descendants (PostgreSQL serves each connection from a child process). */
export function treeCpuSeconds(root: number): number {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // gone meanwhile
    }
  }
  let total = 0;
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    const own = cpuSeconds(pid);
    if (Number.isFinite(own)) total += own;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

/** VmRSS in MiB. */
export function rssMiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return kb ? Number(kb[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** CPU seconds the whole machine spent busy (every core, anything but idle and iowait), from /proc/stat. */
export function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const [, ...ticks] = line.trim().split(/\s+/).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = ticks;
  return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS_PER_SECOND;
}

/**
 * Process CPU over a span: take a mark, run, then read %CPU of each process (100 % = one core),
 * of the bench itself, of the whole machine, and `other`: what the machine spent outside the
 * processes named and the bench (the kernel's share, and any load foreign to the bench).
 */
export class CpuMeter {
  private readonly start = new Map<string, number>();
  private readonly startedAt = performance.now();
  private readonly selfStart = process.cpuUsage();
  private readonly machineStart = machineBusySeconds();

  constructor(private readonly pids: Record<string, number>) {
    for (const [name, pid] of Object.entries(pids)) this.start.set(name, treeCpuSeconds(pid));
  }

  read(): Record<string, number> {
    const seconds = (performance.now() - this.startedAt) / 1000;
    const out: Record<string, number> = {};
    let named = 0;
    for (const [name, pid] of Object.entries(this.pids)) {
      out[name] = (100 * (treeCpuSeconds(pid) - this.start.get(name)!)) / seconds;
      named += out[name]!;
    }
    const self = process.cpuUsage(this.selfStart);
    out.bench = (100 * (self.user + self.system)) / 1e6 / seconds;
    out.machine = (100 * (machineBusySeconds() - this.machineStart)) / seconds;
    out.other = Math.max(0, out.machine - named - out.bench);
    return out;
  }
}

/** Before a measured run: no foreign load (another test run on the machine) may share the two cores. */
export function quietMachine(log: (line: string) => void): Promise<number> {
  // BENCH_QUIET_WAIT_S shortens the wait on a machine that is never quiet (the CPU tables then show the foreign load as `other`).
  return waitForQuietMachine(25, Number(process.env.BENCH_QUIET_WAIT_S ?? 180) * 1000, log);
}

/** Waits (up to `maxWaitMs`) until the machine is quiet: under `thresholdPercent` busy over a second. */
export async function waitForQuietMachine(
  thresholdPercent: number,
  maxWaitMs: number,
  log: (line: string) => void,
): Promise<number> {
  const deadline = Date.now() + maxWaitMs;
  let warned = false;
  for (;;) {
    const before = machineBusySeconds();
    await new Promise((r) => setTimeout(r, 1000));
    const busy = 100 * (machineBusySeconds() - before);
    if (busy < thresholdPercent || Date.now() > deadline) return busy;
    if (!warned)
      log(
        `  the machine is busy (${Math.round(busy)} % CPU) with load that is not the bench's: waiting for it to end...`,
      );
    warned = true;
  }
}

/** Foreign CPU (another test run on the machine) above this during a run makes the run count for nothing. */
const DISTURBED_OTHER_PERCENT = 30;

/**
 * Runs a measured run on a quiet machine; a run that foreign load disturbed anyway (its `other`
 * CPU above 30 %) is run again, at most twice (BENCH_MAX_ATTEMPTS: attempts in all, default 3), and
 * the last one is kept with its CPU figures showing.
 */
export async function undisturbed<T extends { cpu: Record<string, number> }>(
  what: string,
  log: (line: string) => void,
  run: () => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    await quietMachine(log);
    const result = await run();
    const other = result.cpu.other ?? 0;
    if (other <= DISTURBED_OTHER_PERCENT || attempt >= Number(process.env.BENCH_MAX_ATTEMPTS ?? 3)) {
      if (other > DISTURBED_OTHER_PERCENT)
        log(`  ${what}: foreign load ${Math.round(other)} % CPU in every attempt; kept the last one`);
      return result;
    }
    log(`  ${what}: foreign load ${Math.round(other)} % CPU during the run; running it again`);
  }
}
