/**
 * Temporal's time-skipping test server for the workflow tests (test/workflow): the Java test server
 * from Maven Central (`io.temporal:temporal-test-server`), run with the machine's Java. The SDK would
 * download a native build from Temporal's CDN, which a machine that reaches only package registries
 * cannot; Maven Central it can.
 *
 * Once per version: a tiny generated pom, `mvn dependency:copy-dependencies` into a cache folder
 * outside the repo (~/.cache/delivery-bridge/temporal-test-server-<version>/lib), and a wrapper
 * executable that runs `java -cp lib/* io.temporal.testserver.TestServer <port>` (the jar's
 * Main-Class; the SDK passes the port as the first argument). Java and Maven come from Debian
 * (`default-jre-headless`, `maven`) when missing, as scripts/chromium.ts installs Chromium.
 * Concurrent callers (two test files at once) share one install through a lock directory.
 *
 * `TEMPORAL_TEST_SERVER_PATH` names an existing executable instead. Run directly
 * (`npm run test-server:install`) to install ahead of time; it prints the wrapper's path.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { aptInstall, onPath } from './debianPackage';

export const TEST_SERVER_VERSION = '1.38.0';
/** Pinned: the plugin Maven's super-POM picks varies with the Maven version. */
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.6.1';
const MAIN_CLASS = 'io.temporal.testserver.TestServer';
const WRAPPER = 'temporal-test-server';

type Log = (line: string) => void;
const stderrLog: Log = (line) => process.stderr.write(`${line}\n`);

function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'delivery-bridge', `temporal-test-server-${TEST_SERVER_VERSION}`);
}

/** The path of an executable that starts the test server on the port it is given. */
export async function ensureTestServer(log: Log = stderrLog): Promise<string> {
  const explicit = process.env.TEMPORAL_TEST_SERVER_PATH;
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`TEMPORAL_TEST_SERVER_PATH=${explicit} does not exist`);
    return explicit;
  }
  const dir = cacheDir();
  const wrapper = path.join(dir, WRAPPER);
  if (existsSync(wrapper)) return wrapper;

  mkdirSync(dir, { recursive: true });
  const lock = path.join(dir, '.installing');
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another process installs it; a lock older than 10 minutes is from an install that died.
      if (Date.now() - statSync(lock).mtimeMs > 10 * 60_000) rmSync(lock, { recursive: true, force: true });
      if (existsSync(wrapper)) return wrapper;
      log('temporal test server: another process is installing it, waiting...');
      await new Promise((r) => setTimeout(r, 3000));
    }
  }
  try {
    if (existsSync(wrapper)) return wrapper;
    await install(dir, wrapper, log);
    return wrapper;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

async function install(dir: string, wrapper: string, log: Log): Promise<void> {
  const java = onPath('java') ?? aptInstallBinary('java', 'default-jre-headless', log);
  const mvn = onPath('mvn') ?? aptInstallBinary('mvn', 'maven', log);
  const started = Date.now();
  const staging = path.join(dir, `staging-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  writeFileSync(path.join(staging, 'pom.xml'), pom());
  log(`temporal test server: resolving io.temporal:temporal-test-server:${TEST_SERVER_VERSION} from Maven Central...`);
  await run(
    mvn,
    ['-B', '-q', `${DEPENDENCY_PLUGIN}:copy-dependencies`, '-DincludeScope=runtime', '-DoutputDirectory=lib'],
    staging,
  );
  const jars = readdirSync(path.join(staging, 'lib')).filter((f) => f.endsWith('.jar'));
  if (!jars.some((f) => f.startsWith(`temporal-test-server-${TEST_SERVER_VERSION}`)))
    throw new Error(`mvn finished but lib/ holds no temporal-test-server jar (${jars.length} jars)`);
  const lib = path.join(dir, 'lib');
  rmSync(lib, { recursive: true, force: true });
  renameSync(path.join(staging, 'lib'), lib);
  // A quick JVM start (the server lives for one test file): no tiered C2 compile, serial GC.
  const jvm = [`'${java}'`, '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Xlog:cds=off', '-Xlog:cds+dynamic=off'];
  const classpath = ['-cp', `'${lib}/*'`, MAIN_CLASS];
  const archive = await classArchive(java, jvm, classpath, path.join(dir, 'test-server.jsa'), log);
  const script = [
    '#!/bin/sh',
    `# Temporal's Java test server ${TEST_SERVER_VERSION}, installed by scripts/test-server.ts. Usage: ${WRAPPER} <port>`,
    `exec ${[...jvm, ...(archive ? [`-XX:SharedArchiveFile='${archive}'`] : []), ...classpath].join(' ')} "$@"`,
    '',
  ].join('\n');
  const staged = path.join(staging, WRAPPER);
  writeFileSync(staged, script);
  chmodSync(staged, 0o755);
  renameSync(staged, wrapper);
  rmSync(staging, { recursive: true, force: true });
  log(`temporal test server: ${jars.length} jars in ${Math.round((Date.now() - started) / 1000)}s -> ${wrapper}`);
}

/**
 * A class-data archive of the server's start (Java's AppCDS): the JVM then starts the server in
 * under a second instead of about four, and the SDK gives a test server 5 s to listen, which a busy
 * machine missed. Made once by starting the server, waiting for its port, and stopping it; where
 * that fails the wrapper runs without it.
 */
async function classArchive(
  java: string,
  jvm: string[],
  classpath: string[],
  archive: string,
  log: Log,
): Promise<string | undefined> {
  const port = await freePort();
  const unquote = (arg: string) => arg.replace(/^'|'$/g, '');
  const args = [...jvm.slice(1), `-XX:ArchiveClassesAtExit=${archive}`, ...classpath, String(port)].map(unquote);
  const child = spawn(java, args, { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const deadline = Date.now() + 60_000;
    while (!(await listening(port))) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error('the test server did not listen');
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGTERM');
    await exited;
    if (!existsSync(archive)) throw new Error('no archive written at exit');
    return archive;
  } catch (err) {
    child.kill('SIGKILL');
    log(`temporal test server: no class-data archive (${(err as Error).message}); it starts without one`);
    return undefined;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The pom whose only dependency is the test server (slf4j-nop: no "no logger" warning at every start). */
function pom(): string {
  const dependency = (group: string, artifact: string, version: string) =>
    `<dependency><groupId>${group}</groupId><artifactId>${artifact}</artifactId><version>${version}</version></dependency>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>delivery-bridge</groupId>
  <artifactId>temporal-test-server-classpath</artifactId>
  <version>1</version>
  <dependencies>
    ${dependency('io.temporal', 'temporal-test-server', TEST_SERVER_VERSION)}
    ${dependency('org.slf4j', 'slf4j-nop', '1.7.36')}
  </dependencies>
</project>
`;
}

function run(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const keep = (chunk: Buffer) => {
      tail.push(...chunk.toString().split('\n').filter(Boolean));
      tail.splice(0, Math.max(0, tail.length - 30));
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${command} ${args.join(' ')} failed (exit ${code}):\n${tail.join('\n')}`)),
    );
  });
}

/** Installs the Debian package that provides `binary`, and returns the binary. */
function aptInstallBinary(binary: string, pkg: string, log: Log): string {
  const hint = `install ${pkg} (or set TEMPORAL_TEST_SERVER_PATH to a Temporal test server)`;
  log(`temporal test server: no ${binary}`);
  const failed = aptInstall(pkg, log);
  if (failed) throw new Error(`no ${binary}: ${failed}; ${hint}`);
  const installed = onPath(binary);
  if (!installed) throw new Error(`apt-get installed ${pkg} but no ${binary} is on the PATH: ${hint}`);
  return installed;
}

if (require.main === module) {
  ensureTestServer()
    .then((wrapper) => console.log(wrapper))
    .catch((err: Error) => {
      console.error(err.message);
      process.exit(1);
    });
}
