/**
 * `pdftoppm` (Debian's `poppler-utils`) for the label tests, which look at a rendered label as an
 * image (test/unit/labels/looked.test.ts): installed from here when missing
 * (`npm run poppler:install`, or by the test itself), the way scripts/chromium.ts installs Chromium:
 * `apt-get update`, then `apt-get install -y poppler-utils`. Where it cannot be installed (not root,
 * no apt, no network), the answer says why.
 */
import { execFileSync, spawnSync } from 'node:child_process';

export type PdftoppmLookup = { path: string } | { missing: string };

function found(): string | undefined {
  const which = spawnSync('sh', ['-c', 'command -v pdftoppm'], { encoding: 'utf8' });
  const path = which.status === 0 ? which.stdout.trim() : '';
  return path || undefined;
}

function hasApt(): boolean {
  return spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
}

/** The `pdftoppm` binary, installing Debian's poppler-utils first when it is missing and we can. */
export function ensurePdftoppm(log: (line: string) => void = () => undefined): PdftoppmLookup {
  const present = found();
  if (present) return { path: present };
  if (!hasApt()) return { missing: 'no apt-get on this machine: install poppler-utils (pdftoppm)' };
  if (process.getuid?.() !== 0) return { missing: 'not root: run `sudo apt-get install -y poppler-utils` once' };
  // Other processes may hold the dpkg lock (another install): wait for it rather than fail.
  const apt = (args: string[]) =>
    execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      maxBuffer: 64 * 1024 * 1024,
    });
  try {
    log('installing Debian poppler-utils: apt-get update ...');
    apt(['update']);
    log('apt-get install -y poppler-utils ...');
    apt(['install', '-y', '--no-install-recommends', 'poppler-utils']);
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim().split('\n').slice(-3).join(' | ');
    return { missing: `apt-get could not install poppler-utils (${stderr || (err as Error).message})` };
  }
  const installed = found();
  return installed ? { path: installed } : { missing: 'apt-get finished but no pdftoppm was found' };
}

if (require.main === module) {
  const result = ensurePdftoppm((line) => console.log(line));
  if ('path' in result) console.log(`pdftoppm: ${result.path}`);
  else {
    console.error(`pdftoppm is missing: ${result.missing}`);
    process.exitCode = 1;
  }
}
