/**
 * Every intake route, declared once with its schemas, and the OpenAPI 3.1 document built from them
 * (served at `GET /openapi.json`). Bodies are the zod contracts the routes parse with (contracts/);
 * answers that no contract describes are written here. test/unit/openapi.test.ts walks the Express
 * app and fails when a registered route is missing from this table, or the table lists a route the
 * app does not have: a new route is one entry in INTAKE_ROUTES.
 *
 * JSON Schema comes from zod 4's own `z.toJSONSchema` (draft 2020-12, which is OpenAPI 3.1's schema
 * dialect): it reads the contracts as they are, whereas zod-to-openapi wants `.openapi()` metadata
 * on every schema (an edit of every contract) and one more dependency.
 */
import { z } from 'zod';
import { JOB_EVENT_OUTCOMES, SignedJobEvent } from '../contracts/deliveryEngine';
import * as deliveryEngineContracts from '../contracts/deliveryEngine';
import {
  CancellationRequestEvent,
  DeliveryRequestEvent,
  MarketplaceEventEnvelope,
  SafeId,
} from '../contracts/marketplace';
import * as marketplaceContracts from '../contracts/marketplace';
import {
  CancelServiceRequest,
  CreateServiceRequest,
  CreateServiceResponse,
  PauseServiceRequest,
  ServiceStatus,
} from '../contracts/vtex';
import * as vtexContracts from '../contracts/vtex';
import type { DeliveryView } from '../contracts/delivery';
import { AttentionListQuery, BatchJobId, BulkRequest, OperatorCommandRequest } from '../contracts/operations';
import * as operationsContracts from '../contracts/operations';
import { SERVICE_ID_PATTERN } from '../mapping/ids';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
/** Who may call: our intake token, the job's webhook key (Delivery Engine), or anyone (probes, metrics, this document). */
export type RouteAuth = 'intakeToken' | 'instaleapSignature' | 'none';

export interface RouteAnswer {
  description: string;
  schema?: z.ZodType;
  /** `application/json` unless said. */
  contentType?: string;
}

export interface IntakeRoute {
  method: Method;
  /** The path as Express matches it (`/deliveries/:serviceId`). */
  path: string;
  operationId: string;
  /** Who calls it: the OpenAPI tag. */
  caller: 'VTEX' | 'Abbiamo' | 'Delivery Engine' | 'Operators' | 'Probes';
  summary: string;
  description?: string;
  auth: RouteAuth;
  /** Path parameters, one key per `:name` of the path. */
  params?: z.ZodObject;
  /** Query-string parameters, all optional. */
  query?: z.ZodObject;
  /** The body, as the handler parses it; several: any of them (one per marketplace event type). */
  body?: z.ZodType | z.ZodType[];
  /** Success answers and the route's own refusals; the shared ones (400, 401, 413, 415, 503) are added. */
  answers: Record<number, RouteAnswer>;
  /** Goes through Temporal, so it answers 503 while Temporal is unreachable. */
  temporal?: boolean;
}

// Answers of ours that no partner contract describes (the handlers in api/routes/ build them).

export const ErrorAnswer = z.object({
  error: z.string(),
  details: z.array(z.object({ path: z.string(), message: z.string() })),
  requestId: z.string().optional(),
});

export const VtexCommandAnswer = z.object({
  message: z.literal('Service executed successfully'),
  data: z.looseObject({
    serviceId: z.string(),
    carrierId: z.string(),
    reason: z.string().nullable(),
    pause: z.boolean().optional(),
  }),
});

export const MarketplaceEventAnswer = z.union([
  z.object({
    event_type: z.string(),
    accepted: z.array(
      z.object({ delivery_id: z.string(), serviceId: z.string(), workflow: z.enum(['running', 'ended']) }),
    ),
    route: z.object({ id: z.string(), name: z.string().nullable() }).nullable(),
  }),
  z.object({
    event_type: z.string(),
    ignored: z.literal(true),
    reason: z.string(),
    accepted: z.array(z.never()),
  }),
  // CANCELLATION_REQUEST: acknowledged whatever could be done (api/routes/marketplace.ts).
  z.object({
    event_type: z.literal('CANCELLATION_REQUEST'),
    delivery_id: z.string(),
    serviceId: z.string(),
    outcome: z.enum(['cancel-sent', 'unknown-delivery', 'already-ended', 'not-cancelable']),
  }),
]);

export const JobEventAnswer = z.object({
  received: z.string(),
  serviceId: z.string(),
  outcome: z.enum(JOB_EVENT_OUTCOMES),
});

/** The main fields of `DeliveryView` (contracts/delivery.ts); the compile-time check below keeps them true. */
const deliveryStateFields = {
  serviceId: z.string(),
  platform: z.enum(['vtex', 'marketplace']),
  orderId: z.string(),
  status: ServiceStatus,
  phase: z.enum(['creating', 'waiting-confirmation', 'active', 'ended']),
  paused: z.boolean(),
  needsAttention: z.boolean(),
  lastError: z.string().optional(),
  pendingReports: z.number(),
  timeline: z.array(
    z.object({
      at: z.string(),
      kind: z.enum(['status', 'event', 'report', 'platform', 'error', 'note']),
      message: z.string(),
      eventId: z.string().optional(),
      status: ServiceStatus.optional(),
    }),
  ),
};
type DocumentedView = z.output<z.ZodObject<typeof deliveryStateFields>>;
// Fails to compile when DeliveryView drops or retypes a field documented here.
const viewIsDocumented = (view: DeliveryView): DocumentedView => view;
void viewIsDocumented;

export const DeliveryStateAnswer = z.union([
  z.looseObject({ ...deliveryStateFields, workflowStatus: z.string() }),
  z.looseObject({
    serviceId: z.string(),
    status: ServiceStatus.optional(),
    workflowStatus: z.string(),
    summary: z.unknown(),
    degraded: z.string(),
  }),
]);

export const RouteAnswer = z.object({
  routeId: z.string(),
  routeName: z.string().nullable(),
  count: z.number(),
  deliveries: z.array(
    z.looseObject({
      serviceId: z.string(),
      orderId: z.string().nullable(),
      status: ServiceStatus.nullable(),
      workflowStatus: z.string(),
    }),
  ),
});

export const AttentionAnswer = z.object({
  count: z.number(),
  deliveries: z.array(
    z.object({
      serviceId: z.string(),
      orderId: z.string().nullable(),
      platform: z.string().nullable(),
      status: ServiceStatus.nullable(),
      needsAttention: z.boolean(),
      lastProgressAt: z.string(),
      lastError: z.string().nullable(),
      reason: z.string(),
    }),
  ),
});

export const OperatorCommandAnswer = z.looseObject({
  serviceId: z.string(),
  action: z.string(),
  why: z.string(),
  by: z.string(),
  follow: z.string(),
});

export const BulkStartedAnswer = z.object({
  jobId: z.string(),
  action: z.enum(['cancel', 'pause', 'resume']),
  query: z.string(),
  matched: z.number(),
  follow: z.string(),
});

export const BatchStateAnswer = z.object({
  jobId: z.string(),
  state: z.enum(['RUNNING', 'COMPLETED', 'FAILED', 'UNSPECIFIED']),
  operation: z.string(),
  total: z.number(),
  completed: z.number(),
  failed: z.number(),
  startedAt: z.string().nullable(),
  closedAt: z.string().nullable(),
  reason: z.string().nullable(),
  identity: z.string().nullable(),
});

const Money = z.object({ value: z.number().int().describe('minor units (cents)'), currency: z.string() });

/** POST /vtex/rates (mapping/vtexRate.ts): VTEX's `ServiceBody` with its `Rate`. */
export const RatesAnswer = z.looseObject({
  message: z.string(),
  data: z.looseObject({
    orderId: z.string(),
    carrierId: z.string(),
    serviceId: z.null(),
    status: z.null(),
    rate: z.object({ shippingPrice: Money, insurancePrice: Money }),
    shippingEstimatedDate: z.string(),
    transitTime: z.number().int().describe('whole minutes from the quote to the end of the slot'),
  }),
});

export const HealthAnswer = z.looseObject({ status: z.literal('ok') });
export const ReadinessAnswer = z.looseObject({
  status: z.enum(['ready', 'unavailable']),
  temporal: z.enum(['reachable', 'unreachable']),
  error: z.string().optional(),
});

const serviceIdParam = z.object({
  serviceId: z.string().regex(SERVICE_ID_PATTERN).describe('Our serviceId: `vtex-…` or `mkt-…`'),
});

/** The intake's routes. The order is the document's. */
export const INTAKE_ROUTES: readonly IntakeRoute[] = [
  {
    method: 'post',
    path: '/vtex/services',
    operationId: 'vtexCreateService',
    caller: 'VTEX',
    summary: 'Create service (VTEX Pick and Pack)',
    description:
      'Answered within 5 s. The same carrierId + orderId again gives the same serviceId and creates nothing new. ' +
      'Unknown extra fields are kept.',
    auth: 'intakeToken',
    body: CreateServiceRequest,
    answers: { 200: { description: 'The service, PENDING until the job exists', schema: CreateServiceResponse } },
    temporal: true,
  },
  {
    method: 'post',
    path: '/vtex/rates',
    operationId: 'vtexRates',
    caller: 'VTEX',
    summary: 'Rates (VTEX Pick and Pack): a quote for the Create service body',
    description:
      'Starts nothing and reserves nothing that outlives it; identical quotes within a minute come from a cache. ' +
      '503 within 2.5 s when the engine is down; 422 naming the window when no slot can serve it.',
    auth: 'intakeToken',
    body: CreateServiceRequest,
    answers: {
      200: { description: "The engine's price and date for the window, in VTEX's units", schema: RatesAnswer },
      422: { description: 'No slot can serve the delivery window', schema: ErrorAnswer },
      503: { description: 'The engine did not answer in time: ask again', schema: ErrorAnswer },
    },
  },
  {
    method: 'post',
    path: '/vtex/services/cancel',
    operationId: 'vtexCancelService',
    caller: 'VTEX',
    summary: 'Cancel service (VTEX Pick and Pack)',
    auth: 'intakeToken',
    body: CancelServiceRequest,
    answers: {
      200: { description: 'Canceled (again: also 200)', schema: VtexCommandAnswer },
      404: { description: 'Unknown service', schema: ErrorAnswer },
      409: { description: 'Already delivered or returned, or its workflow was terminated', schema: ErrorAnswer },
    },
    temporal: true,
  },
  {
    method: 'post',
    path: '/vtex/services/pause',
    operationId: 'vtexPauseService',
    caller: 'VTEX',
    summary: 'Pause (`pause: true`) or resume (`false`) a service (VTEX Pick and Pack)',
    auth: 'intakeToken',
    body: PauseServiceRequest,
    answers: {
      200: { description: 'Paused or resumed', schema: VtexCommandAnswer },
      404: { description: 'Unknown service', schema: ErrorAnswer },
      409: { description: 'The delivery has ended', schema: ErrorAnswer },
    },
    temporal: true,
  },
  {
    method: 'post',
    path: '/marketplace/events',
    operationId: 'marketplaceEvent',
    caller: 'Abbiamo',
    summary: "Abbiamo's webhooks: DELIVERY_REQUEST and CANCELLATION_REQUEST (register this URL at Abbiamo for both)",
    description:
      'DELIVERY_REQUEST: one workflow per element of `deliveries`, answered 202 once every one exists; nothing ' +
      'starts unless every delivery maps (400 listing every path). CANCELLATION_REQUEST: the delivery is canceled ' +
      '(SELLER_CANCELED only before collection), 202 with the outcome, unknown deliveries included. Every 4xx also ' +
      'carries `abbiamo_error`, the text Abbiamo shows the seller. An event type not handled is acknowledged: 202 ' +
      '`{ignored: true}`.',
    auth: 'intakeToken',
    // One schema per event type handled; the envelope stands for the types acknowledged and ignored.
    body: [DeliveryRequestEvent, CancellationRequestEvent, MarketplaceEventEnvelope],
    answers: {
      202: {
        description: 'Every delivery has its workflow, the cancellation was taken, or the event is ignored',
        schema: MarketplaceEventAnswer,
      },
    },
    temporal: true,
  },
  {
    method: 'post',
    path: '/delivery-engine/webhooks',
    operationId: 'deliveryEngineJobEvent',
    caller: 'Delivery Engine',
    summary: "Instaleap's job events (Job Tracking webhook), registered once for the account",
    description:
      "Taken only when `InstaLeap-Signature` (hex HMAC-SHA256 of `{id}&{created_at}&{type}`) verifies and the job's `external_data.webhook.key` is that delivery's; else 401. Answered 200 once Temporal holds the event; an event for an ended delivery is acknowledged.",
    auth: 'instaleapSignature',
    body: SignedJobEvent,
    answers: { 200: { description: 'Temporal holds the event', schema: JobEventAnswer } },
    temporal: true,
  },
  {
    method: 'get',
    path: '/deliveries/:serviceId',
    operationId: 'deliveryState',
    caller: 'Operators',
    summary: "A delivery's state, from its workflow",
    auth: 'intakeToken',
    params: serviceIdParam,
    answers: {
      200: {
        description: "The workflow's state, or what Temporal stores when no worker answers (`degraded`)",
        schema: DeliveryStateAnswer,
      },
      404: { description: 'Unknown service', schema: ErrorAnswer },
    },
    temporal: true,
  },
  {
    method: 'get',
    path: '/routes/:routeId',
    operationId: 'routeDeliveries',
    caller: 'Operators',
    summary: "The deliveries of a marketplace route (`make_route`) and each one's state",
    auth: 'intakeToken',
    params: z.object({ routeId: SafeId }),
    answers: {
      200: { description: 'The deliveries of the route', schema: RouteAnswer },
      404: { description: 'No delivery of that route is visible', schema: ErrorAnswer },
    },
    temporal: true,
  },
  {
    method: 'get',
    path: '/operator/deliveries',
    operationId: 'deliveriesNeedingAttention',
    caller: 'Operators',
    summary: 'Open deliveries that made no progress for `stuckFor` or are flagged, with the reason',
    auth: 'intakeToken',
    query: AttentionListQuery,
    answers: { 200: { description: 'Oldest progress first', schema: AttentionAnswer } },
    temporal: true,
  },
  {
    method: 'post',
    path: '/operator/deliveries/:serviceId/commands',
    operationId: 'operatorCommand',
    caller: 'Operators',
    summary:
      'One command to one delivery: resend refused reports, force a status, clear the flag, cancel, pause, resume',
    description: "Recorded in the delivery's timeline with who (the operator token's fingerprint) and why.",
    auth: 'intakeToken',
    params: serviceIdParam,
    body: OperatorCommandRequest,
    answers: {
      202: { description: 'Temporal holds the command; the delivery carries it out', schema: OperatorCommandAnswer },
      404: { description: 'Unknown service', schema: ErrorAnswer },
      409: { description: 'The delivery already ended', schema: ErrorAnswer },
    },
    temporal: true,
  },
  {
    method: 'post',
    path: '/operator/bulk',
    operationId: 'operatorBulk',
    caller: 'Operators',
    summary: 'Cancel, pause or resume every open delivery a visibility query finds, as a Temporal batch operation',
    auth: 'intakeToken',
    body: BulkRequest,
    answers: {
      202: { description: 'The batch job runs on the server: follow it', schema: BulkStartedAnswer },
      429: { description: 'Another bulk operation still runs', schema: ErrorAnswer },
    },
    temporal: true,
  },
  {
    method: 'get',
    path: '/operator/bulk/:jobId',
    operationId: 'operatorBulkState',
    caller: 'Operators',
    summary: 'Where a bulk operation stands',
    auth: 'intakeToken',
    params: z.object({ jobId: BatchJobId }),
    answers: {
      200: { description: 'The batch job', schema: BatchStateAnswer },
      404: { description: 'Unknown bulk operation', schema: ErrorAnswer },
    },
    temporal: true,
  },
  {
    method: 'get',
    path: '/healthz',
    operationId: 'healthz',
    caller: 'Probes',
    summary: 'Liveness: the process runs',
    auth: 'none',
    answers: { 200: { description: 'Alive', schema: HealthAnswer } },
  },
  {
    method: 'get',
    path: '/readyz',
    operationId: 'readyz',
    caller: 'Probes',
    summary: 'Readiness: Temporal answers',
    auth: 'none',
    answers: {
      200: { description: 'Ready', schema: ReadinessAnswer },
      503: { description: 'Temporal is unreachable', schema: ReadinessAnswer },
    },
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    caller: 'Probes',
    summary: 'Prometheus metrics (request durations by route and status, Create answers by outcome)',
    auth: 'none',
    answers: { 200: { description: 'Prometheus text format', contentType: 'text/plain' } },
  },
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'openApiDocument',
    caller: 'Probes',
    summary: 'This document',
    description: 'Public: it describes request and answer shapes only, no data and no secret (README "Intake API").',
    auth: 'none',
    answers: { 200: { description: 'The OpenAPI 3.1 document of the intake', contentType: 'application/json' } },
  },
];

const SHARED_ANSWERS = {
  400: 'Invalid JSON, a body that does not match the schema, or one that cannot be delivered as sent: every wrong field path in `details`',
  401: 'Missing or wrong credentials',
  413: 'The body is over the limit (BODY_LIMIT)',
  415: 'Unsupported body encoding',
  503: 'Temporal did not take the request in time: retry',
} as const;

/** `/deliveries/:serviceId` → `/deliveries/{serviceId}`. */
export function openApiPath(expressPath: string): string {
  if (/[*?(){}]/.test(expressPath)) throw new Error(`${expressPath}: only plain segments and :params are documented`);
  return expressPath.replace(/:(\w+)/g, '{$1}');
}

/** Contract schemas by their export name, so the document names what the code names. */
function contractNames(): Map<z.ZodType, string> {
  const names = new Map<z.ZodType, string>();
  const local = {
    ErrorAnswer,
    VtexCommandAnswer,
    MarketplaceEventAnswer,
    JobEventAnswer,
    DeliveryStateAnswer,
    RouteAnswer,
    HealthAnswer,
    ReadinessAnswer,
    AttentionAnswer,
    OperatorCommandAnswer,
    BulkStartedAnswer,
    BatchStateAnswer,
  };
  for (const module of [vtexContracts, marketplaceContracts, deliveryEngineContracts, operationsContracts, local]) {
    for (const [name, value] of Object.entries(module)) {
      if (value instanceof z.ZodType && !names.has(value)) names.set(value, name);
    }
  }
  return names;
}

type JsonObject = Record<string, unknown>;

/**
 * Request bodies are documented as zod reads them (`io: 'input'`: what the caller may send, before
 * defaults and transforms), answers as we produce them (`io: 'output'`). Each named schema becomes
 * one component, referenced from the operations.
 */
class Components {
  private readonly names = contractNames();
  private readonly registries = {
    input: z.registry<{ id: string }>(),
    output: z.registry<{ id: string }>(),
  };
  private readonly taken = new Map<string, z.ZodType>();

  ref(schema: z.ZodType, io: 'input' | 'output', fallbackName: string): JsonObject {
    const name = this.names.get(schema) ?? fallbackName;
    const owner = this.taken.get(name);
    if (owner && owner !== schema) throw new Error(`Two schemas would be the component ${name}`);
    this.taken.set(name, schema);
    const registry = this.registries[io];
    if (!registry.has(schema)) {
      const other = this.registries[io === 'input' ? 'output' : 'input'];
      if (other.has(schema)) throw new Error(`${name} is both a request body and an answer: name each its own`);
      registry.add(schema, { id: name });
    }
    return { $ref: `#/components/schemas/${name}` };
  }

  schemas(): Record<string, JsonObject> {
    const out: Record<string, JsonObject> = {};
    for (const io of ['input', 'output'] as const) {
      const { schemas } = z.toJSONSchema(this.registries[io], {
        io,
        target: 'draft-2020-12',
        unrepresentable: 'any',
        uri: (id) => `#/components/schemas/${id}`,
      });
      for (const [id, schema] of Object.entries(schemas)) {
        const { $schema: _dialect, id: _id, ...rest } = schema as JsonObject;
        out[id] = rest;
      }
    }
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
  }
}

function inlineSchema(schema: z.ZodType): JsonObject {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    target: 'draft-2020-12',
    unrepresentable: 'any',
  }) as JsonObject;
  return rest;
}

function operation(route: IntakeRoute, components: Components): JsonObject {
  const op: JsonObject = {
    operationId: route.operationId,
    tags: [route.caller],
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
  };

  const pathParams = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  const declared = Object.keys(route.params?.shape ?? {});
  if (pathParams.join() !== declared.join())
    throw new Error(`${route.path}: params must be declared for ${pathParams.join(', ') || 'none'}`);
  if (route.params) {
    op.parameters = Object.entries(route.params.shape).map(([name, schema]) => ({
      name,
      in: 'path',
      required: true,
      schema: inlineSchema(schema as z.ZodType),
    }));
  }
  if (route.query) {
    op.parameters = [
      ...((op.parameters as JsonObject[] | undefined) ?? []),
      ...Object.entries(route.query.shape).map(([name, schema]) => ({
        name,
        in: 'query',
        required: false,
        schema: inlineSchema(schema as z.ZodType),
      })),
    ];
  }

  if (route.auth === 'intakeToken') op.security = [{ intakeToken: [] }];
  else if (route.auth === 'instaleapSignature') op.security = [{ instaleapSignature: [] }];
  else op.security = [];

  if (route.body) {
    const bodies = Array.isArray(route.body) ? route.body : [route.body];
    const refs = bodies.map((b, i) => components.ref(b, 'input', `${route.operationId}Body${i}`));
    op.requestBody = {
      required: true,
      content: { 'application/json': { schema: refs.length === 1 ? refs[0] : { anyOf: refs } } },
    };
  }

  const responses: Record<string, JsonObject> = {};
  const answer = (status: number, a: RouteAnswer) => {
    const contentType = a.contentType ?? 'application/json';
    responses[String(status)] = {
      description: a.description,
      ...(a.schema
        ? {
            content: {
              [contentType]: { schema: components.ref(a.schema, 'output', `${route.operationId}${status}`) },
            },
          }
        : a.contentType
          ? { content: { [contentType]: {} } }
          : {}),
    };
  };
  for (const [status, a] of Object.entries(route.answers)) answer(Number(status), a);
  const shared = (status: keyof typeof SHARED_ANSWERS) => {
    if (!responses[status]) answer(status, { description: SHARED_ANSWERS[status], schema: ErrorAnswer });
  };
  if (route.body) [400, 413, 415].forEach((s) => shared(s as 400 | 413 | 415));
  if (route.auth !== 'none') shared(401);
  if (route.temporal) shared(503);
  op.responses = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
  return op;
}

export interface OpenApiOptions {
  /** Where callers reach the intake (PUBLIC_URL); unset: paths are relative to wherever the document was read. */
  serverUrl?: string;
  version?: string;
}

/** The OpenAPI 3.1 document of `routes` (the intake's by default). */
export function openApiDocument(
  options: OpenApiOptions = {},
  routes: readonly IntakeRoute[] = INTAKE_ROUTES,
): JsonObject {
  const components = new Components();
  const paths: Record<string, Record<string, JsonObject>> = {};
  const seen = new Set<string>();
  for (const route of routes) {
    const key = `${route.method} ${route.path}`;
    if (seen.has(key)) throw new Error(`${key} is declared twice`);
    seen.add(key);
    (paths[openApiPath(route.path)] ??= {})[route.method] = operation(route, components);
  }
  return {
    openapi: '3.1.1',
    info: {
      title: 'delivery-bridge intake API',
      version: options.version ?? '0.1.0',
      description:
        'What VTEX Pick and Pack, Abbiamo and the Delivery Engine call at the carrier, and what operators read. ' +
        'Unknown extra fields in bodies are kept, not rejected. Errors: `{error, details: [{path, message}]}`.',
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    tags: [...new Set(routes.map((r) => r.caller))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        intakeToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'INTAKE_TOKEN: what VTEX and Abbiamo are configured to send',
        },
        instaleapSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'InstaLeap-Signature',
          description:
            "Instaleap's signature with DELIVERY_ENGINE_WEBHOOK_SECRET; the job's own key (`external_data.webhook.key`, set at creation) must match too",
        },
      },
      schemas: components.schemas(),
    },
  };
}
