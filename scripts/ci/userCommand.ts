/**
 * A command run the way a user runs it in a terminal: in its own process group (the terminal's
 * foreground job), its output kept (and copied to a log file), stopped with Ctrl-C, which the
 * terminal sends to the whole group. Used by the CI phases that run the README's commands
 * (scripts/ci/readme-commands.ts) and start the intake for the API property test
 * (scripts/ci/api-properties.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';

export interface UserCommand {
  readonly process: ChildProcess;
  /** Everything it printed so far, stdout and stderr interleaved. */
  output(): string;
  /** Waits until its output matches `pattern`; fails when it exits first or the time is up. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Ctrl-C to its process group, then waits for it to exit; SIGKILL to the group past `timeoutMs`. */
  stop(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; forced: boolean }>;
}

/**
 * The environment a new user's shell has: where programs and home are, nothing of the project's.
 * `XDG_CACHE_HOME` is kept when the machine sets it: it says where the machine's caches live.
 */
export function bareEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'TERM', 'TMPDIR', 'XDG_CACHE_HOME'];
  return {
    ...Object.fromEntries(keep.flatMap((k) => (process.env[k] ? [[k, process.env[k]]] : []))),
    ...extra,
  };
}

export function runUserCommand(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; logFile: string },
): UserCommand {
  writeFileSync(options.logFile, `$ ${[command, ...args].join(' ')}\n`);
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const listeners = new Set<() => void>();
  const take = (chunk: Buffer) => {
    text += chunk.toString();
    appendFileSync(options.logFile, chunk);
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const group = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // Already gone.
    }
  };

  return {
    process: child,
    output: () => text,
    waitForOutput(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(text);
          if (match) done(() => resolve(match));
        };
        const timer = setTimeout(
          () =>
            done(() =>
              reject(new Error(`no ${pattern} in the output within ${timeoutMs / 1000} s (${options.logFile})`)),
            ),
          timeoutMs,
        );
        const onExit = ({ code, signal }: { code: number | null; signal: NodeJS.Signals | null }) =>
          done(() => {
            const tail = text.trim().split('\n').slice(-5).join('\n');
            reject(new Error(`${command} ${args.join(' ')} exited (${code ?? signal}) before ${pattern}:\n${tail}`));
          });
        const done = (then: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          then();
        };
        listeners.add(check);
        void exited.then((result) => {
          if (listeners.has(check)) onExit(result);
        });
        check();
      });
    },
    async stop(timeoutMs) {
      if (child.exitCode !== null || child.signalCode !== null) return { ...(await exited), forced: false };
      group('SIGINT');
      let forced = false;
      const timer = setTimeout(() => {
        forced = true;
        group('SIGKILL');
      }, timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return { ...result, forced };
    },
  };
}

/**
 * `count` distinct free loopback ports below Linux's ephemeral range (32768 up), where the ports the
 * started programs pick for themselves (the dev server's own, every outgoing connection's) never
 * land: a port found free stays free until the program listens on it. `pairs` keeps port + 1 free
 * too for the first one (the cluster's second API listens on PORT+1).
 */
export async function portsBelowEphemeral(count: number, options: { pairFirst?: boolean } = {}): Promise<number[]> {
  const net = await import('node:net');
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  const picked: number[] = [];
  while (picked.length < count) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const pair = options.pairFirst && picked.length === 0;
    if (picked.includes(port) || (pair && picked.includes(port + 1))) continue;
    if (!(await free(port)) || (pair && !(await free(port + 1)))) continue;
    picked.push(port);
    if (pair) picked.push(port + 1);
  }
  return picked;
}
