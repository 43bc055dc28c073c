/**
 * Runs sandboxes of the external systems on their own, for manual testing and demos:
 *
 *   npm run sandbox -- <vtex|engine|abbiamo|all> [--port N] [--intake-url URL] [--intake-token T]
 *                      [--autoplay <scenario>] [--step-ms N]
 *
 * Credentials are the SANDBOX_DEFAULTS of config/index.ts, or VTEX_API_KEY / DELIVERY_ENGINE_API_KEY /
 * INTAKE_TOKEN / VTEX_CARRIER_ID from the environment. Default ports 3101 (VTEX), 3102 (engine),
 * 3103 (Abbiamo); with `all`, --port N gives N, N+1, N+2. Ctrl-C stops them cleanly.
 */
import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import { SANDBOX_DEFAULTS, parseEnv } from '../config';
import { createLogger, type Logger } from '../observability/logger';
import {
  SCENARIOS,
  startDeliveryEngineSandbox,
  startAbbiamoSandbox,
  startVtexSandbox,
  type Started,
} from '../sandboxes';

export type SandboxName = 'vtex' | 'engine' | 'abbiamo';
const NAMES: SandboxName[] = ['vtex', 'engine', 'abbiamo'];

export interface SandboxRunOptions {
  which: SandboxName | 'all';
  /** the single sandbox's port, or the first of three with `all`; default per sandbox */
  port?: number;
  host?: string;
  intake: { url: string; token: string };
  vtexApiKey: string;
  vtexCarrierId: string;
  engineApiKey: string;
  /** the secret the engine signs its webhooks with (`InstaLeap-Signature`) */
  engineWebhookSecret: string;
  autoplay?: { scenario: string; stepMs: number };
  logger: Logger;
}

export interface RunningSandbox {
  name: SandboxName;
  url: string;
  close(): Promise<void>;
}

const DEFAULT_PORTS: Record<SandboxName, number> = { vtex: 3101, engine: 3102, abbiamo: 3103 };

/** What each sandbox offers an operator, printed at start. */
const ADMIN_PATHS: Record<SandboxName, string[]> = {
  vtex: [
    'POST /_sandbox/services',
    'POST /_sandbox/services/:serviceId/cancel|pause',
    'GET /_sandbox/services',
    'POST /_sandbox/token/expire-now',
  ],
  engine: [
    'GET /_sandbox/jobs',
    'POST /_sandbox/jobs/:jobId/events',
    'POST /_sandbox/jobs/:jobId/scenario',
    'GET /_sandbox/deliveries',
    'GET|PUT /_sandbox/webhook-urls',
    'PUT /_sandbox/webhooks',
    'POST /_sandbox/slots/expire-now',
  ],
  abbiamo: [
    'POST /_sandbox/events',
    'GET /_sandbox/deliveries[/:delivery_id[/events]]',
    'POST /_sandbox/deliveries/:delivery_id/cancel',
    'PUT /_sandbox/confirmation-timeout',
  ],
};
const COMMON_ADMIN = ['GET /_sandbox/health', 'GET|DELETE /_sandbox/calls', 'GET|PUT|DELETE /_sandbox/faults'];

export async function startSandboxes(options: SandboxRunOptions): Promise<RunningSandbox[]> {
  const names = options.which === 'all' ? NAMES : [options.which];
  const portOf = (name: SandboxName, index: number): number => {
    if (options.port === undefined) return DEFAULT_PORTS[name];
    return options.port === 0 ? 0 : options.port + index;
  };
  const running: RunningSandbox[] = [];
  try {
    for (const [index, name] of names.entries()) {
      // Each sandbox names itself in its log lines (child logger with `sandbox`).
      const logger = options.logger;
      const listenAt = { port: portOf(name, index), host: options.host };
      let started: Started;
      if (name === 'vtex') {
        started = await startVtexSandbox({
          ...listenAt,
          apiKey: options.vtexApiKey,
          carrierId: options.vtexCarrierId,
          intake: options.intake,
          logger,
        });
      } else if (name === 'engine') {
        started = await startDeliveryEngineSandbox({
          ...listenAt,
          apiKey: options.engineApiKey,
          webhookSecret: options.engineWebhookSecret,
          // The account's webhook: our intake's route, registered once.
          webhook: { urls: [`${options.intake.url}/delivery-engine/webhooks`] },
          autoplay: options.autoplay,
          logger,
        });
      } else {
        started = await startAbbiamoSandbox({ ...listenAt, intake: options.intake, logger });
      }
      running.push({ name, url: started.url, close: () => started.close() });
      logger.info(
        { sandbox: name, url: started.url, admin: [...COMMON_ADMIN, ...ADMIN_PATHS[name]] },
        `SANDBOX ${name} listening at ${started.url}`,
      );
    }
  } catch (error) {
    await Promise.all(running.map((r) => r.close()));
    throw error;
  }
  return running;
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number (0-65535)');
  return n;
}

async function main(argv: string[]): Promise<void> {
  const env = parseEnv();
  const program = new Command()
    .name('npm run sandbox --')
    .description('Runs fake VTEX, Delivery Engine and Abbiamo servers (SANDBOX: not the real systems).')
    .addArgument(new Argument('<which>', 'sandbox to run').choices(['vtex', 'engine', 'abbiamo', 'all']))
    .option('--port <n>', 'port (with all: first of three consecutive ports)', integer)
    .option('--host <host>', 'interface to listen on (the admin API has no auth: keep loopback)', '127.0.0.1')
    .option(
      '--intake-url <url>',
      'our intake, where the VTEX and Abbiamo sandboxes send requests',
      `http://127.0.0.1:${env.PORT}`,
    )
    .option('--intake-token <token>', 'Bearer token for the intake (default: INTAKE_TOKEN or the sandbox token)')
    .addOption(
      new Option('--autoplay <scenario>', 'engine: every new job plays this scenario').choices(Object.keys(SCENARIOS)),
    )
    .option('--step-ms <n>', 'engine: milliseconds between autoplayed events', integer, 2000)
    .parse(argv);
  const which = program.args[0] as SandboxName | 'all';
  const opts = program.opts<{
    port?: number;
    host: string;
    intakeUrl: string;
    intakeToken?: string;
    autoplay?: string;
    stepMs: number;
  }>();
  const logger = createLogger({ name: 'sandbox', level: env.LOG_LEVEL });
  logger.warn('SANDBOX mode: fake external systems for development and tests; never point production traffic here');

  const running = await startSandboxes({
    which,
    port: opts.port,
    host: opts.host,
    intake: { url: opts.intakeUrl, token: opts.intakeToken ?? env.INTAKE_TOKEN ?? SANDBOX_DEFAULTS.intakeToken },
    vtexApiKey: env.VTEX_API_KEY ?? SANDBOX_DEFAULTS.vtexApiKey,
    vtexCarrierId: env.VTEX_CARRIER_ID ?? SANDBOX_DEFAULTS.vtexCarrierId,
    engineApiKey: env.DELIVERY_ENGINE_API_KEY ?? SANDBOX_DEFAULTS.deliveryEngineApiKey,
    engineWebhookSecret: env.DELIVERY_ENGINE_WEBHOOK_SECRET ?? SANDBOX_DEFAULTS.deliveryEngineWebhookSecret,
    autoplay: opts.autoplay ? { scenario: opts.autoplay, stepMs: opts.stepMs } : undefined,
    logger,
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'SANDBOX stopping');
    await Promise.all(running.map((r) => r.close()));
    logger.info('SANDBOX stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

if (require.main === module) {
  main(process.argv).catch((error: unknown) => {
    process.stderr.write(`sandbox: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
