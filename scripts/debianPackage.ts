/**
 * Installing a Debian package the project needs when it is missing (Chromium for the browser check,
 * poppler-utils for the label images, Java and Maven for the time-skipping test server): one
 * `apt-get update` and `apt-get install -y --no-install-recommends <package>`, as root only, waiting
 * for the dpkg lock another install may hold. Each caller says what it looks for and what to do
 * when this cannot run.
 */
import { spawnSync } from 'node:child_process';

/** The path of `binary` on the PATH, or undefined. */
export function onPath(binary: string): string | undefined {
  const which = spawnSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' });
  const path = which.status === 0 ? which.stdout.trim() : '';
  return path || undefined;
}

/** Installs `pkg`; undefined when apt-get took it, else why it could not (one line). */
export function aptInstall(pkg: string, log: (line: string) => void = () => undefined): string | undefined {
  if (!onPath('apt-get')) return `no apt-get on this machine: install ${pkg}`;
  if (process.getuid?.() !== 0) return `not root: run \`sudo apt-get install -y ${pkg}\` once`;
  const apt = (args: string[]): string | undefined => {
    const out = spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', ...args], {
      encoding: 'utf8',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      maxBuffer: 64 * 1024 * 1024,
    });
    if (out.status === 0) return undefined;
    return `apt-get ${args.join(' ')} failed: ${(out.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`;
  };
  log(`installing Debian ${pkg}: apt-get update ...`);
  const updated = apt(['update']);
  if (updated) return updated;
  log(`apt-get install -y ${pkg} ...`);
  return apt(['install', '-y', '--no-install-recommends', pkg]);
}
