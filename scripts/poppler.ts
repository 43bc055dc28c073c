/**
 * `pdftoppm` (Debian's `poppler-utils`) for the label tests, which look at a rendered label as an
 * image (test/unit/labels/looked.test.ts): installed from here when missing
 * (`npm run poppler:install`, or by the test itself), the way scripts/chromium.ts installs Chromium:
 * `apt-get update`, then `apt-get install -y poppler-utils`. Where it cannot be installed (not root,
 * no apt, no network), the answer says why.
 */
import { aptInstall, onPath } from './debianPackage';

export type PdftoppmLookup = { path: string } | { missing: string };

const found = () => onPath('pdftoppm');

/** The `pdftoppm` binary, installing Debian's poppler-utils first when it is missing and we can. */
export function ensurePdftoppm(log: (line: string) => void = () => undefined): PdftoppmLookup {
  const present = found();
  if (present) return { path: present };
  const failed = aptInstall('poppler-utils', log);
  if (failed) return { missing: failed };
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
