/**
 * The skeleton every sandbox is built on, in the order that matters: the call recorder first (so even
 * a body that is not JSON is recorded), the JSON parser, the admin API (never faulted), the fault
 * injector, then the sandbox's own routes, then 404 and error answers (`seal`).
 */
import express, { Router, type Express } from 'express';
import pino, { type Logger } from 'pino';
import { createAdminRouter } from './adminRouter';
import { CallRecorder } from './callRecorder';
import type { SandboxControls } from './controls';
import { errorHandler, notFound } from './errors';
import { FaultInjector, type PartialFaultSettings } from './faults';
import { ADMIN_PREFIX } from './paths';

export interface SandboxKitOptions {
  name: string;
  faults?: PartialFaultSettings;
  logger?: Logger;
  /** JSON body limit: above the 180 KB inline label VTEX allows, so that rule answers 400, not 413 */
  bodyLimit?: string;
}

export interface SandboxKit {
  app: Express;
  /** the sandbox's own admin routes go here, under /_sandbox */
  admin: Router;
  recorder: CallRecorder;
  faults: FaultInjector;
  controls: SandboxControls;
  logger: Logger;
  /** appends the 404 and error answers; call once, after the sandbox's routes */
  seal(): void;
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

export function createSandboxKit(options: SandboxKitOptions): SandboxKit {
  const logger = (options.logger ?? silentLogger()).child({ sandbox: options.name });
  const recorder = new CallRecorder();
  const faults = new FaultInjector(options.faults);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use(recorder.track);
  app.use(express.json({ limit: options.bodyLimit ?? '1mb' }));
  app.use(recorder.captureBody);
  const admin = Router();
  app.use(ADMIN_PREFIX, createAdminRouter(options.name, recorder, faults), admin);
  app.use(faults.middleware);

  const controls: SandboxControls = {
    calls: (filter) => recorder.list(filter),
    clearCalls: () => recorder.clear(),
    faults: () => faults.current(),
    setFaults: (partial) => faults.set(partial),
    resetFaults: () => faults.reset(),
  };

  return {
    app,
    admin,
    recorder,
    faults,
    controls,
    logger,
    seal() {
      app.use(notFound);
      app.use(errorHandler(logger));
    },
  };
}
