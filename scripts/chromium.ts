/**
 * Headless Chromium for the browser tests (test/security/webUi.test.ts): Debian's `chromium`
 * package, installed from here when missing (`npm run chromium:install`, or by the test itself):
 * `apt-get update` once, then `apt-get install -y chromium`. Where it cannot be installed (not
 * root, no apt, no network), the answer says why, and the browser tests say so loudly.
 */
import { existsSync } from 'node:fs';
import { aptInstall } from './debianPackage';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

export type ChromiumLookup = { path: string } | { missing: string };

function found(): string | undefined {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) return existsSync(configured) ? configured : undefined;
  return CANDIDATES.find((p) => existsSync(p));
}

/** The Chromium binary, installing Debian's package first when it is missing and we can. */
export function ensureChromium(log: (line: string) => void = () => undefined): ChromiumLookup {
  const present = found();
  if (present) return { path: present };
  if (process.env.CHROMIUM_PATH) return { missing: `CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist` };
  const failed = aptInstall('chromium', log);
  if (failed) return { missing: failed };
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
