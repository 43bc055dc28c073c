/**
 * The whole bridge for an integration test: the three sandboxes on free loopback ports, and the
 * worker and intake API against the test run's Temporal dev server, on a task queue of its own
 * (test files run in parallel and must not pick up each other's tasks).
 */
import { randomUUID } from 'node:crypto';
import { parseEnv, resolveConfig, SANDBOX_DEFAULTS, type ServiceConfig } from '../../config';
import { createLogger } from '../../observability/logger';
import { startBridge, type Bridge } from '../../scripts/bridge';
import { freePort } from '../../scripts/dev-server';
import {
  startDeliveryEngineSandbox,
  startAbbiamoSandbox,
  startVtexSandbox,
  type EngineSandbox,
  type EngineSandboxOptions,
  type AbbiamoSandbox,
  type AbbiamoSandboxOptions,
  type VtexSandbox,
  type VtexSandboxOptions,
} from '../../sandboxes';
import { startProcessBridge } from './processBridge';

export const TEST_INTAKE_TOKEN = 'test-intake-token';
export const TEST_VTEX_API_KEY = 'test-vtex-api-key';
export const TEST_ENGINE_API_KEY = 'test-engine-api-key';
export const TEST_ENGINE_WEBHOOK_SECRET = 'test-instaleap-webhook-secret';
export const TEST_STORE_REFERENCE = 'test-store';
export const TEST_VTEX_CARRIER_ID = 'servientrega-50461c9f3335';

export interface TestStackOptions {
  vtex?: Partial<VtexSandboxOptions>;
  engine?: Partial<EngineSandboxOptions>;
  abbiamo?: Partial<AbbiamoSandboxOptions>;
  /** Environment variables of the bridge (docs/configuration.md names), over the test defaults. */
  env?: Record<string, string>;
  /** Run the API and the worker as their own processes, as in production (default: in this process). */
  processes?: boolean;
  /** Another Temporal server than the test run's (a test with its own dev server, e.g. with a Web UI). */
  temporalAddress?: string;
}

export interface TestStack {
  vtex: VtexSandbox;
  engine: EngineSandbox;
  abbiamo: AbbiamoSandbox;
  bridge: Pick<Bridge, 'apiUrl' | 'client' | 'stop' | 'workerMetricsUrl' | 'apiMetricsUrl'>;
  config: ServiceConfig;
  apiUrl: string;
  /** An intake call with the test token (or the given headers), answered as {status, body}. */
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const temporalAddress = options.temporalAddress ?? process.env.TEST_TEMPORAL_ADDRESS;
  if (!temporalAddress)
    throw new Error('TEST_TEMPORAL_ADDRESS is not set: run the tests through jest (globalSetup starts the dev server)');
  const port = await freePort();
  const intake = { url: `http://127.0.0.1:${port}`, token: TEST_INTAKE_TOKEN };
  const quiet = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

  const vtex = await startVtexSandbox({ apiKey: TEST_VTEX_API_KEY, intake, logger: quiet, ...options.vtex });
  const engine = await startDeliveryEngineSandbox({
    apiKey: TEST_ENGINE_API_KEY,
    webhookSecret: TEST_ENGINE_WEBHOOK_SECRET,
    logger: quiet,
    ...options.engine,
    // The account's webhook URL, registered once (as the carrier does at Instaleap).
    webhook: { urls: [`${intake.url}/delivery-engine/webhooks`], ...options.engine?.webhook },
  });
  const abbiamo = await startAbbiamoSandbox({ intake, logger: quiet, ...options.abbiamo });

  const envVars: Record<string, string> = {
    PORT: String(port),
    INTAKE_TOKEN: TEST_INTAKE_TOKEN,
    VTEX_API_KEY: TEST_VTEX_API_KEY,
    // The carrierId of both VTEX example bodies (contracts/examples): Create service is for ours only.
    VTEX_CARRIER_ID: TEST_VTEX_CARRIER_ID,
    DELIVERY_ENGINE_API_KEY: TEST_ENGINE_API_KEY,
    DELIVERY_ENGINE_WEBHOOK_SECRET: TEST_ENGINE_WEBHOOK_SECRET,
    DELIVERY_ENGINE_STORE_REFERENCE: TEST_STORE_REFERENCE,
    TEMPORAL_TASK_QUEUE: `deliveries-test-${randomUUID()}`,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...options.env,
  };
  const config = resolveConfig(parseEnv(envVars), {
    vtex: vtex.url,
    deliveryEngine: engine.url,
    abbiamo: abbiamo.url,
  });
  const bridge = options.processes
    ? await startProcessBridge(
        {
          ...envVars,
          VTEX_TRACKING_URL: vtex.url,
          VTEX_AUTH_URL: vtex.url,
          DELIVERY_ENGINE_URL: engine.url,
          MARKETPLACE_URL: abbiamo.url,
          // A partner URL given explicitly is not a sandbox to the bridge: its key must be given too.
          MARKETPLACE_CARRIER_KEY: options.abbiamo?.carrierKey ?? SANDBOX_DEFAULTS.abbiamoCarrierKey,
        },
        temporalAddress,
      )
    : await startBridge({
        config,
        temporalAddress,
        logger: quiet,
        workflowBundlePath: process.env.TEST_WORKFLOW_BUNDLE,
        host: '127.0.0.1',
      });

  return {
    vtex,
    engine,
    abbiamo,
    bridge,
    config,
    apiUrl: bridge.apiUrl,
    async call(method, path, body, headers) {
      const response = await fetch(`${bridge.apiUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_INTAKE_TOKEN}`, ...headers },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, body: parsed };
    },
    async stop() {
      await bridge.stop();
      await Promise.all([vtex.close(), engine.close(), abbiamo.close()]);
    },
  };
}

/**
 * The stack of one describe block: started before its tests, stopped after them. Returns a handle
 * that forwards to the running stack (read it inside tests and hooks, not at definition time).
 */
export function useTestStack(options: TestStackOptions = {}): TestStack {
  let running: TestStack | undefined;
  beforeAll(async () => {
    running = await startTestStack(options);
  });
  afterAll(async () => {
    await running?.stop();
  });
  return new Proxy({} as TestStack, {
    get(_target, key) {
      if (!running) throw new Error('the test stack is used before beforeAll started it');
      return Reflect.get(running, key) as unknown;
    },
  });
}
