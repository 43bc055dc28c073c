/**
 * The Temporal Web UI in a real browser (headless Debian Chromium), against a dev server of this
 * file's own (the suite's runs headless) started as `npm start` starts it: with its Web UI and the
 * codec server as its codec endpoint.
 * - An operator signed in at the codec server reads a delivery's customer decoded; before signing
 *   in, the same page shows only ciphertext (docs/security.md).
 * - Deliveries listed by their DeliveryStatus search attribute, and the memo summary of one (docs/runbook.md "The Web UI").
 * Screenshots: test-output/web-ui-*.png.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { parseEnv, resolveCodecServer } from '../../config';
import { startCodecServer, type RunningCodecServer } from '../../scripts/codec-server';
import { freePort, startDevServer, type DevServer } from '../../scripts/dev-server';
import { SCENARIOS } from '../../sandboxes/deliveryEngine/scenarios';
import { chromiumForTests, launchBrowser, screenshot } from '../support/browser';
import { createServiceBody, createVtexDelivery, emit, finalView, type CreatedDelivery } from '../support/deliveries';
import { startTestStack, type TestStack } from '../support/stack';

const OPERATOR_TOKEN = 'web-ui-test-operator-token-0123456789';
const chromium = chromiumForTests();

if ('missing' in chromium) {
  describe('the Temporal Web UI in a browser', () => {
    it('cannot run on this machine: Chromium could not be installed', () => {
      // Visible in every run's output; the project's machines and CI install it (scripts/chromium.ts).
      process.stderr.write(`\n*** BROWSER TESTS NOT RUN: ${chromium.missing} ***\n\n`);
    });
  });
} else {
  let devServer: DevServer;
  let codecServer: RunningCodecServer;
  let stack: TestStack;
  let browser: Browser;
  let uiUrl: string;
  let customer: string;
  let delivered: CreatedDelivery;
  let pending: CreatedDelivery;

  beforeAll(async () => {
    const uiPort = await freePort();
    codecServer = await startCodecServer(
      resolveCodecServer(
        parseEnv({ OPERATOR_TOKENS: OPERATOR_TOKEN, CODEC_SERVER_PORT: '0', TEMPORAL_DEV_UI_PORT: String(uiPort) }),
      ),
    );
    devServer = await startDevServer({
      dbFile: path.join(mkdtempSync(path.join(os.tmpdir(), 'delivery-bridge-webui-')), 'temporal.sqlite'),
      uiPort,
      uiCodecEndpoint: codecServer.url,
    });
    uiUrl = devServer.uiUrl!;
    stack = await startTestStack({ temporalAddress: devServer.address, env: { OPERATOR_TOKENS: OPERATOR_TOKEN } });
    browser = await launchBrowser(chromium.path);

    customer = `Heloisa Webui ${Date.now().toString(36)}`;
    const body = createServiceBody();
    body.receiver = { ...body.receiver, name: customer };
    delivered = await createVtexDelivery(stack, { body });
    for (const type of SCENARIOS.happy) await emit(stack, delivered.jobId, type);
    await finalView(stack, delivered.serviceId);
    pending = await createVtexDelivery(stack, { waitFirstReport: false });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await devServer?.stop();
    await codecServer?.close();
  });

  /** A browser whose Web UI sends cookies to the codec server (the UI's "include cross-origin credentials"). */
  async function operatorBrowser(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    // The UI's own "Codec Server" settings (its browser storage): this endpoint, credentials
    // included, the browser's setting over the cluster's (the dev server cannot set credentials).
    await context.addInitScript(
      [
        `localStorage.setItem('endpoint', ${JSON.stringify(JSON.stringify(codecServer.url))});`,
        `localStorage.setItem('includeCredentials', 'true');`,
        `localStorage.setItem('overrideRemoteCodecConfiguration', 'true');`,
      ].join('\n'),
    );
    return { context, page: await context.newPage() };
  }

  /** The operator's sign-in at the codec server: its cookie is what the UI's codec calls carry. */
  async function signIn(page: Page): Promise<void> {
    await page.goto(`${codecServer.url}/login`);
    await page.fill('input[name=token]', OPERATOR_TOKEN);
    await page.click('button[type=submit]');
    await page.getByText('Signed in').waitFor();
  }

  const workflowPage = (serviceId: string) => `${uiUrl}/namespaces/default/workflows/${encodeURIComponent(serviceId)}`;

  describe('the Temporal Web UI in a browser, with the codec server', () => {
    it('shows an operator signed in at the codec server the decoded customer, and ciphertext before', async () => {
      const { context, page } = await operatorBrowser();
      try {
        await page.goto(workflowPage(delivered.serviceId));
        // The payloads as Temporal holds them: our encoding and key id, the data ciphertext.
        await page.getByText('"encryption-key-id"').first().waitFor({ timeout: 30_000 });
        const before = await page.locator('body').innerText();
        await screenshot(page, 'web-ui-before-sign-in');
        expect(before).not.toContain(customer);

        await signIn(page);

        await page.goto(workflowPage(delivered.serviceId));
        await page.getByText(customer).first().waitFor({ timeout: 30_000 });
        const file = await screenshot(page, 'web-ui-decoded');
        process.stderr.write(`[web ui] decoded delivery screenshot: ${file}\n`);
      } finally {
        await context.close();
      }
    });

    it('lists deliveries by DeliveryStatus and shows a delivery summary', async () => {
      const { context, page } = await operatorBrowser();
      try {
        await signIn(page);
        const query = encodeURIComponent(`DeliveryStatus = "DELIVERED"`);
        await page.goto(`${uiUrl}/namespaces/default/workflows?query=${query}`);
        await page.getByText(delivered.serviceId).first().waitFor({ timeout: 30_000 });
        expect(await page.locator('body').innerText()).not.toContain(pending.serviceId);
        await screenshot(page, 'web-ui-by-delivery-status');

        // The delivery from the list: its memo summary (job, pause, attention, last error), decoded.
        await page.getByRole('link', { name: delivered.serviceId }).first().click();
        await page.getByText('Memo', { exact: true }).first().click();
        await page.getByText('"needsAttention"').first().waitFor({ timeout: 30_000 });
        await screenshot(page, 'web-ui-summary');
        const memo = await page.locator('body').innerText();
        expect(memo).toContain('"summary"');
        expect(memo).toContain(delivered.jobId);
      } finally {
        await context.close();
      }
    });
  });
}
