/**
 * The intake API: routes per caller, auth and validation at the edge, one error middleware.
 * It talks to Temporal (through DeliveryGateway), and to no external system but the engine's
 * availability for VTEX's rate quotes (api/rates.ts).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Client, ConnectionLike } from '@temporalio/client';
import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import type { ServiceConfig } from '../config';
import type { Logger } from '../observability/logger';
import { traceRequests } from '../observability/tracingHttp';
import { createSealer } from '../security/sealing';
import { createSlotClient } from '../activities/clients/deliveryEngine';
import { createHttpClient } from '../activities/http';
import { createLabelSigner } from '../security/labelSigning';
import { CONFIRMATION_MARGIN_MS } from '../contracts/confirmation';
import { requireRole, tokenRoles } from './auth';
import { DeliveryGateway } from './deliveries';
import { errorMiddleware, notFound } from './errors';
import { createIntakeMetrics, type IntakeMetrics } from './metrics';
import { openApiDocument } from './openapi';
import { deliveryEngineRoutes } from './routes/deliveryEngine';
import { healthRoutes } from './routes/health';
import { abbiamoErrorAnswers, abbiamoRoutes } from './routes/abbiamo';
import { operatorCommandRoutes } from './routes/operatorCommands';
import { operatorRoutes, routeOperatorRoutes } from './routes/operators';
import { OperatorDesk } from './operatorDesk';
import { vtexRoutes } from './routes/vtex';
import { RateQuoter } from './rates';
import { labelRoutes, withoutLabelSignature } from './labels/route';
import { temporalLabelSource } from './labels/source';

/** VTEX waits 5 s for Create service: by 4.5 s it has its answer, PENDING or 503. */
const CREATE_HARD_DEADLINE_MS = 4500;
/** The margin every delivery is started with: the one rule's (contracts/confirmation.ts). */
export { CONFIRMATION_MARGIN_MS } from '../contracts/confirmation';

export interface AppDeps {
  config: Pick<
    ServiceConfig,
    | 'callers'
    | 'bodyLimit'
    | 'createAnswerDeadlineMs'
    | 'creationGraceMs'
    | 'continueAsNewAfterEvents'
    | 'reportAttentionAfterMs'
    | 'temporal'
    | 'deliveryEngine'
    | 'secretsKey'
    | 'vtex'
    | 'abbiamo'
    | 'publicUrl'
    | 'metrics'
    | 'labels'
  >;
  client: Client;
  connection: ConnectionLike;
  logger: Logger;
}

export function createApp({ config, client, connection, logger }: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(traceRequests());

  const gateway = new DeliveryGateway({
    client,
    taskQueue: config.temporal.taskQueue,
    createAnswerDeadlineMs: config.createAnswerDeadlineMs,
    createHardDeadlineMs: CREATE_HARD_DEADLINE_MS,
    tuning: {
      continueAsNewAfterEvents: config.continueAsNewAfterEvents,
      confirmationMarginMs: CONFIRMATION_MARGIN_MS,
      reportAttentionAfterMs: config.reportAttentionAfterMs,
    },
    logger,
  });

  app.use((req, res, next) => {
    res.locals.receivedAt = Date.now();
    const id = req.get('x-request-id');
    res.setHeader('x-request-id', id && /^[\w.-]{1,128}$/.test(id) ? id : randomUUID());
    next();
  });
  app.use(
    pinoHttp({
      logger,
      genReqId: (_req, res) => res.getHeader('x-request-id') as string,
      // Requests are logged without headers or bodies: tokens and customers stay out of logs.
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          url: withoutLabelSignature(req.url),
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      customLogLevel: (_req, res, err) =>
        err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
    }),
  );

  // Served by metricsApp on a port of its own (API_METRICS_PORT), not on this one.
  const metrics = createIntakeMetrics({
    visibility: {
      client,
      taskQueue: config.temporal.taskQueue,
      countIntervalMs: config.metrics.countIntervalMs,
    },
  });
  app.locals.metrics = metrics;
  app.use(metrics.track);
  app.use(healthRoutes({ connection }));
  // Public, like the probes: request and answer shapes only (docs/intake-api.md).
  let openApi: string | undefined;
  app.get('/openapi.json', (_req, res) => {
    openApi ??= JSON.stringify(openApiDocument({ serverUrl: config.publicUrl, vtexCarrierId: config.vtex.carrierId }));
    res.type('application/json').send(openApi);
  });

  // Shipping labels: no token, the signed URL is the credential (docs/labels.md).
  const labelSigner = createLabelSigner({
    key: config.labels.signingKey,
    ttlMs: config.labels.urlTtlMs,
    publicUrl: config.publicUrl,
  });
  app.use(
    '/labels',
    labelRoutes({
      signer: labelSigner,
      source: temporalLabelSource(client, gateway),
      carrierName: config.labels.carrierName,
      ...(config.labels.logoPath ? { logo: readFileSync(config.labels.logoPath) } : {}),
    }),
  );

  const json = express.json({ limit: config.bodyLimit, type: ['application/json', 'application/*+json'] });
  // Each caller its own routes (api/auth.ts); auth before parsing: an unauthenticated body is never read.
  const roles = tokenRoles(config.callers);
  app.use(
    '/vtex',
    requireRole(roles, 'vtex'),
    json,
    vtexRoutes({
      gateway,
      creationGraceMs: config.creationGraceMs,
      carrierId: config.vtex.carrierId,
      labelSigner,
      // Rates are the one call the intake makes outside Temporal (docs/specification.md "Rates": measured).
      quoter: new RateQuoter({
        slots: createSlotClient({
          engine: createHttpClient('Delivery Engine', config.deliveryEngine.url, { metrics: metrics.partnerCalls }),
          apiKey: config.deliveryEngine.apiKey,
          settings: config.deliveryEngine,
        }),
        logger,
      }),
    }),
  );
  app.use(
    '/marketplace',
    requireRole(roles, 'marketplace'),
    json,
    abbiamoRoutes({
      gateway,
      creationGraceMs: config.creationGraceMs,
      confirmationTimeoutMs: config.abbiamo.confirmationTimeoutMs,
      sealer: createSealer(config.secretsKey),
      pickupCodeKey: config.secretsKey,
    }),
    abbiamoErrorAnswers(),
  );
  const operatorAuth = requireRole(roles, 'operator');
  app.use('/deliveries', operatorAuth, operatorRoutes({ gateway }));
  app.use('/routes', operatorAuth, routeOperatorRoutes({ gateway }));
  app.use('/operator', operatorAuth, json, operatorCommandRoutes({ desk: new OperatorDesk(client) }));
  // Raw bytes, not JSON: the route checks Instaleap's signature before it reads the body further.
  app.use(
    '/delivery-engine',
    express.raw({ limit: config.bodyLimit, type: () => true }),
    deliveryEngineRoutes({
      gateway,
      signingSecret: config.deliveryEngine.signingSecret,
      jobKeySecret: config.deliveryEngine.jobKeySecret,
    }),
  );

  // Whoever closes the Temporal connection first waits for calls still under way (scripts/bridge.ts).
  app.locals.drain = () => gateway.drain();

  app.use((req, _res, next) =>
    next(
      notFound(`No route ${req.method} ${req.path}`, [{ path: '(path)', message: 'no such route: see /openapi.json' }]),
    ),
  );
  app.use(errorMiddleware(logger));
  return app;
}

/** The metrics of an app createApp made, for metricsApp (api/metrics.ts) to serve on their own port. */
export function intakeMetricsOf(app: Express): IntakeMetrics {
  return app.locals.metrics as IntakeMetrics;
}

/**
 * What the intake answers before its Temporal connection exists: alive (`healthz` 200), not
 * ready (`readyz` 503), and 503 to every caller, who retries.
 */
export function createWaitingApp(): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use((_req, res) => {
    res.status(503).json({
      status: 'unavailable',
      temporal: 'unreachable',
      error: 'Temporal is not reachable yet; retry',
      details: [],
    });
  });
  return app;
}
