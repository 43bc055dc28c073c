/**
 * Headless Chromium for the browser tests: Debian's `chromium` (installed by scripts/chromium.ts
 * when missing), driven by playwright-core. Screenshots go to test-output/ (not committed).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureChromium, type ChromiumLookup } from '../../scripts/chromium';

export const TEST_OUTPUT_DIR = path.resolve(__dirname, '../../test-output');

let lookup: ChromiumLookup | undefined;

/** Once per test file, at collection time: the binary, or why there is none on this machine. */
export function chromiumForTests(): ChromiumLookup {
  lookup ??= ensureChromium((line) => process.stderr.write(`[chromium] ${line}\n`));
  return lookup;
}

export async function launchBrowser(executablePath: string): Promise<Browser> {
  // --no-sandbox: the tests run as root (CI and this machine), where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(TEST_OUTPUT_DIR, { recursive: true });
  const file = path.join(TEST_OUTPUT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
