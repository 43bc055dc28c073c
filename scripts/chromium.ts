/**
 * Headless Chromium for the browser tests (test/security/webUi.test.ts): Debian's `chromium`
 * package, installed from here when missing (`npm run chromium:install`, or by the test itself):
 * `apt-get update` once, then `apt-get install -y chromium`. Where it cannot be installed (not
 * root, no apt, no network), the answer says why, and the browser tests say so loudly.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

export type ChromiumLookup = { path: string } | { missing: string };

function found(): string | undefined {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) return existsSync(configured) ? configured : undefined;
  return CANDIDATES.find((p) => existsSync(p));
}

function hasApt(): boolean {
  return spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
}

/** The Chromium binary, installing Debian's package first when it is missing and we can. */
export function ensureChromium(log: (line: string) => void = () => undefined): ChromiumLookup {
  const present = found();
  if (present) return { path: present };
  if (process.env.CHROMIUM_PATH) return { missing: `CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist` };
  if (!hasApt()) return { missing: 'no apt-get on this machine: install Chromium and set CHROMIUM_PATH' };
  if (process.getuid?.() !== 0) return { missing: 'not root: run `sudo apt-get install -y chromium` once' };
  // Other processes may hold the dpkg lock (another install): wait for it rather than fail.
  const apt = (args: string[]) =>
    execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      maxBuffer: 64 * 1024 * 1024,
    });
  try {
    log('installing Debian chromium: apt-get update ...');
    apt(['update']);
    log('apt-get install -y chromium ...');
    apt(['install', '-y', '--no-install-recommends', 'chromium']);
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim().split('\n').slice(-3).join(' | ');
    return { missing: `apt-get could not install chromium (${stderr || (err as Error).message})` };
  }
  const installed = found();
  return installed ? { path: installed } : { missing: 'apt-get finished but no chromium binary was found' };
}

if (require.main === module) {
  const result = ensureChromium((line) => console.log(line));
  if ('path' in result) console.log(`chromium: ${result.path}`);
  else {
    console.error(`chromium is missing: ${result.missing}`);
    process.exitCode = 1;
  }
}
