/**
 * Every intake route, declared once with its schemas and examples, and the OpenAPI 3.1 document
 * built from them (served at `GET /openapi.json`). Bodies are the zod contracts the routes parse
 * with, answers the intake's own (contracts/intakeAnswers.ts). test/unit/openapi.test.ts walks the
 * Express app and fails when a registered route is missing from this table, or the table lists a
 * route the app does not have: a new route is one entry in INTAKE_ROUTES. `npm run
 * test:api-properties` (scripts/ci/api-properties.ts) generates requests from the served document
 * and fails on any answer it does not describe.
 *
 * JSON Schema comes from zod 4's own `z.toJSONSchema` (draft 2020-12, which is OpenAPI 3.1's schema
 * dialect): it reads the contracts as they are, whereas zod-to-openapi wants `.openapi()` metadata
 * on every schema (an edit of every contract) and one more dependency.
 */
import { z } from 'zod';
import * as deliveryEngineContracts from '../contracts/deliveryEngine';
import { SignedJobEvent } from '../contracts/deliveryEngine';
import vtexCreateServiceExample from '../contracts/examples/vtex.create-service.openapi.json';
import vtexCancelServiceExample from '../contracts/examples/vtex.cancel-service.json';
import vtexPauseServiceExample from '../contracts/examples/vtex.pause-service.json';
import deliveryRequestExample from '../contracts/examples/abbiamo.delivery-request.json';
import * as intakeAnswers from '../contracts/intakeAnswers';
import {
  AbbiamoErrorAnswer,
  AttentionAnswer,
  BatchStateAnswer,
  BulkStartedAnswer,
  DeliveryStateAnswer,
  ErrorAnswer,
  HealthAnswer,
  JobEventAnswer,
  AbbiamoEventAnswer,
  OperatorCommandAnswer,
  RatesAnswer,
  ReadinessAnswer,
  RouteAnswer as RouteDeliveriesAnswer,
  VtexCommandAnswer,
} from '../contracts/intakeAnswers';
import * as abbiamoContracts from '../contracts/abbiamo';
import { CancellationRequestEvent, DeliveryRequestEvent, AbbiamoEventEnvelope, SafeId } from '../contracts/abbiamo';
import * as operationsContracts from '../contracts/operations';
import { AttentionListQuery, BatchJobId, BulkRequest, OperatorCommandRequest } from '../contracts/operations';
import * as vtexContracts from '../contracts/vtex';
import {
  CancelServiceRequest,
  CreateServiceRequest,
  CreateServiceResponse,
  PauseServiceRequest,
} from '../contracts/vtex';
import { SERVICE_ID_PATTERN } from '../mapping/ids';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
/** Who may call: our intake token, the job's webhook key (Delivery Engine), or anyone (probes, metrics, this document). */
export type RouteAuth = 'intakeToken' | 'instaleapSignature' | 'none';

export interface RouteAnswer {
  description: string;
  schema?: z.ZodType;
  /** `application/json` unless said. */
  contentType?: string;
  /** An answer as the route sends it. */
  example?: unknown;
}

export interface IntakeRoute {
  method: Method;
  /** The path as Express matches it (`/deliveries/:serviceId`). */
  path: string;
  operationId: string;
  /** Who calls it: the OpenAPI tag. */
  caller: 'VTEX' | 'Abbiamo' | 'Delivery Engine' | 'Operators' | 'Probes' | 'Labels';
  summary: string;
  description?: string;
  auth: RouteAuth;
  /** Path parameters, one key per `:name` of the path. */
  params?: z.ZodObject;
  /** Query-string parameters, all optional. */
  query?: z.ZodObject;
  /** The body, as the handler parses it; several: any of them (one per Abbiamo event type). */
  body?: z.ZodType | z.ZodType[];
  /** Bodies as their callers send them, by name (each parses with `body`: test/unit/openapi.test.ts). */
  bodyExamples?: Record<string, { summary: string; value: unknown }>;
  /** A value of each path parameter that names something real in shape (it matches the parameter's schema). */
  paramExamples?: Record<string, string>;
  /** The body of every refusal (4xx) and failure (5xx); ErrorAnswer unless said. */
  errorAnswer?: z.ZodType;
  /**
   * Success answers and the route's own refusals; the shared ones are added: 400 (a body, path or
   * query to check), 401 and 403 (a token), 413 and 415 (a body), 503 (through Temporal).
   */
  answers: Record<number, RouteAnswer>;
  /** Goes through Temporal, so it answers 503 while Temporal is unreachable. */
  temporal?: boolean;
}

/** A VTEX delivery's serviceId, in the shape `vtexServiceId` makes it (mapping/ids.ts). */
const EXAMPLE_SERVICE_ID = 'vtex-SLR-29384924-01-abcdefghij';
const EXAMPLE_AT = '2026-12-01T12:00:00.000Z';

/** A Delivery Engine job event as the engine posts it to the job's webhook. */
const EXAMPLE_JOB_EVENT = {
  id: 'evt-0b7c1f2e',
  type: 'ALLOCATED',
  created_at: EXAMPLE_AT,
  job: {
    id: 'job-7f3a9c',
    client_reference: EXAMPLE_SERVICE_ID,
    state: 'ALLOCATED',
    external_data: { webhook: { service_id: EXAMPLE_SERVICE_ID, key: 'k3y-0f-th1s-j0b' } },
    tasks: [
      {
        id: 'task-1',
        type: 'DELIVERY',
        state: 'ALLOCATED',
        resource: { id: 'drv-42', name: 'Ana Souza', phone_number: '+55 11 99999-0000', vehicle: 'motorcycle' },
      },
    ],
  },
};

const EXAMPLE_VIEW = {
  serviceId: EXAMPLE_SERVICE_ID,
  platform: 'vtex',
  orderId: 'SLR-29384924-01',
  status: 'ASSIGNED',
  phase: 'active',
  paused: false,
  needsAttention: false,
  pendingReports: 0,
  timeline: [
    { at: EXAMPLE_AT, kind: 'event', message: 'ALLOCATED: Ana Souza', eventId: 'evt-0b7c1f2e' },
    { at: EXAMPLE_AT, kind: 'status', message: 'PENDING -> ASSIGNED', status: 'ASSIGNED' },
  ],
  workflowStatus: 'RUNNING',
};

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
    bodyExamples: {
      vtexOpenApi: {
        summary: "VTEX's own Create service example (its OpenAPI), carrierId set to this carrier's",
        value: vtexCreateServiceExample,
      },
    },
    answers: {
      200: {
        description: 'The service, PENDING until the job exists',
        schema: CreateServiceResponse,
        example: {
          status: 'PENDING',
          serviceId: EXAMPLE_SERVICE_ID,
          shippingPrice: 1250,
          shippingEstimatedDate: '2027-04-25T23:50:41.209Z',
          metaData: {
            serviceId: EXAMPLE_SERVICE_ID,
            jobId: 'job-7f3a9c',
            trackingUrl: 'https://track.example/job-7f3a9c',
          },
          labels: [],
        },
      },
    },
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
    bodyExamples: {
      vtexOpenApi: {
        summary: "VTEX's own Create service example (its OpenAPI): a rate is asked with the same body",
        value: vtexCreateServiceExample,
      },
    },
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
    bodyExamples: {
      vtexGuide: {
        summary: "VTEX's Cancel service example, with a serviceId of ours",
        value: { ...vtexCancelServiceExample, serviceId: EXAMPLE_SERVICE_ID },
      },
    },
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
    summary: 'Pause (`pause: true`, or absent) or resume (`false`) a service (VTEX Pick and Pack)',
    auth: 'intakeToken',
    body: PauseServiceRequest,
    bodyExamples: {
      vtexGuide: {
        summary: "VTEX's Pause service example (`pause: false` resumes), with a serviceId of ours",
        value: { ...vtexPauseServiceExample, serviceId: EXAMPLE_SERVICE_ID },
      },
    },
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
    operationId: 'abbiamoEvent',
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
    body: [DeliveryRequestEvent, CancellationRequestEvent, AbbiamoEventEnvelope],
    bodyExamples: {
      deliveryRequest: {
        summary: "Abbiamo's DELIVERY_REQUEST example (one delivery, no route)",
        value: deliveryRequestExample,
      },
      cancellationRequest: {
        summary: 'A seller canceled before collection',
        value: {
          event_type: 'CANCELLATION_REQUEST',
          delivery_id: deliveryRequestExample.deliveries[0]!.delivery_id,
          reason: 'SELLER_CANCELED',
        },
      },
    },
    errorAnswer: AbbiamoErrorAnswer,
    answers: {
      202: {
        description: 'Every delivery has its workflow, the cancellation was taken, or the event is ignored',
        schema: AbbiamoEventAnswer,
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
    bodyExamples: { allocated: { summary: 'A driver was allocated to the job', value: EXAMPLE_JOB_EVENT } },
    answers: {
      200: {
        description: 'Temporal holds the event',
        schema: JobEventAnswer,
        example: { received: EXAMPLE_JOB_EVENT.id, serviceId: EXAMPLE_SERVICE_ID, outcome: 'accepted' },
      },
    },
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
    paramExamples: { serviceId: EXAMPLE_SERVICE_ID },
    answers: {
      200: {
        description: "The workflow's state, or what Temporal stores when no worker answers (`degraded`)",
        schema: DeliveryStateAnswer,
        example: EXAMPLE_VIEW,
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
    summary: "The deliveries of an Abbiamo route (`make_route`) and each one's state",
    auth: 'intakeToken',
    params: z.object({ routeId: SafeId }),
    paramExamples: { routeId: '7ed3c0f1-route' },
    answers: {
      200: {
        description: 'The deliveries of the route',
        schema: RouteDeliveriesAnswer,
        example: {
          routeId: '7ed3c0f1-route',
          routeName: 'Morning route',
          count: 1,
          deliveries: [{ serviceId: 'mkt-4471', orderId: '4471', status: 'ON_ROUTE', workflowStatus: 'RUNNING' }],
        },
      },
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
    answers: {
      200: {
        description: 'Oldest progress first',
        schema: AttentionAnswer,
        example: {
          count: 1,
          deliveries: [
            {
              serviceId: EXAMPLE_SERVICE_ID,
              orderId: 'SLR-29384924-01',
              platform: 'vtex',
              status: 'ASSIGNED',
              needsAttention: true,
              lastProgressAt: EXAMPLE_AT,
              lastError: 'VTEX refused the report: 400 status',
              reason: 'flagged: VTEX refused the report: 400 status',
            },
          ],
        },
      },
    },
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
    paramExamples: { serviceId: EXAMPLE_SERVICE_ID },
    body: OperatorCommandRequest,
    bodyExamples: {
      forceStatus: {
        summary: 'Force a status the driver reported by phone',
        value: { action: 'force-status', status: 'ON_ROUTE', why: 'driver reported by phone' },
      },
    },
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
    bodyExamples: {
      pauseRoute: {
        summary: 'Hold every open delivery of one Abbiamo route',
        value: { action: 'pause', query: 'RouteId = "7ed3c0f1-route"', why: 'storm: hold the route' },
      },
    },
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
    paramExamples: { jobId: 'bulk-pause-0d6f3a52-1c2b-4d3e-9f80-1a2b3c4d5e6f' },
    answers: {
      200: {
        description: 'The batch job',
        schema: BatchStateAnswer,
        example: {
          jobId: 'bulk-pause-0d6f3a52-1c2b-4d3e-9f80-1a2b3c4d5e6f',
          state: 'COMPLETED',
          operation: 'signal',
          total: 12,
          completed: 12,
          failed: 0,
          startedAt: EXAMPLE_AT,
          closedAt: '2026-12-01T12:00:04.000Z',
          reason: 'storm: hold the route',
          identity: 'operator-0123456789ab',
        },
      },
      404: { description: 'Unknown bulk operation', schema: ErrorAnswer },
    },
    temporal: true,
  },
  {
    method: 'get',
    path: '/labels/:serviceId/:file',
    operationId: 'shippingLabel',
    caller: 'Labels',
    summary: "A package's shipping label, PDF or ZPL (docs/labels.md)",
    description:
      'Reached only through the signed URLs of the Create service answer (`labels`) and of Abbiamo `confirmed` ' +
      '(`mail_label`): no token, the signature is the credential. `file` is `{n}.pdf`, `{n}.zpl` or `all.pdf`. ' +
      "Rendered on request from the delivery; a canceled delivery's label says CANCELED.",
    auth: 'none',
    params: z.object({ serviceId: z.string(), file: z.string().regex(/^(all|[1-9]\d{0,3})\.(pdf|zpl)$/) }),
    query: z.object({ expires: z.string().regex(/^\d+$/), signature: z.string() }),
    answers: {
      200: { description: 'The label: application/pdf, or ZPL II as text/plain', contentType: 'application/pdf' },
      403: {
        description: 'Missing, altered or expired signature (no detail)',
        schema: ErrorAnswer,
        example: { error: 'Forbidden', details: [] },
      },
      404: { description: 'No such delivery or package (no detail)', schema: ErrorAnswer },
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
    answers: { 200: { description: 'Alive', schema: HealthAnswer, example: { status: 'ok' } } },
  },
  {
    method: 'get',
    path: '/readyz',
    operationId: 'readyz',
    caller: 'Probes',
    summary: 'Readiness: Temporal answers',
    auth: 'none',
    answers: {
      200: { description: 'Ready', schema: ReadinessAnswer, example: { status: 'ready', temporal: 'reachable' } },
      503: {
        description: 'Temporal is unreachable',
        schema: ReadinessAnswer,
        example: { status: 'unavailable', temporal: 'unreachable' },
      },
    },
  },
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'openApiDocument',
    caller: 'Probes',
    summary: 'This document',
    description: 'Public: it describes request and answer shapes only, no data and no secret (docs/intake-api.md).',
    auth: 'none',
    answers: {
      200: {
        description: 'The OpenAPI 3.1 document of the intake',
        contentType: 'application/json',
        example: { openapi: '3.1.1', info: { title: 'delivery-bridge intake API', version: '0.1.0' }, paths: {} },
      },
    },
  },
];

const SHARED_ANSWERS = {
  400: 'Invalid JSON, a body, path or query that does not match the schema, or a request that cannot be delivered as sent: every wrong field path in `details`',
  401: 'Missing or wrong credentials',
  403: "A good token of another caller's role (api/auth.ts): VTEX's, Abbiamo's and operators' tokens each open their own routes",
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
  for (const module of [vtexContracts, abbiamoContracts, deliveryEngineContracts, operationsContracts, intakeAnswers]) {
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
      ...(route.paramExamples?.[name] ? { example: route.paramExamples[name] } : {}),
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
      content: {
        'application/json': {
          schema: refs.length === 1 ? refs[0] : { anyOf: refs },
          // Copies: the document may set our carrierId in them (ourCarrierOnly).
          ...(route.bodyExamples ? { examples: structuredClone(route.bodyExamples) } : {}),
        },
      },
    };
  }

  const responses: Record<string, JsonObject> = {};
  const answer = (status: number, a: RouteAnswer) => {
    const contentType = a.contentType ?? 'application/json';
    const example = a.example === undefined ? {} : { example: a.example };
    responses[String(status)] = {
      description: a.description,
      ...(a.schema
        ? {
            content: {
              [contentType]: {
                schema: components.ref(a.schema, 'output', `${route.operationId}${status}`),
                ...example,
              },
            },
          }
        : a.contentType
          ? { content: { [contentType]: example } }
          : {}),
    };
  };
  for (const [status, a] of Object.entries(route.answers)) answer(Number(status), a);
  const shared = (status: keyof typeof SHARED_ANSWERS) => {
    // Abbiamo's routes add `abbiamo_error` to their refusals (api/routes/abbiamo.ts), not to failures.
    const schema = status < 500 ? (route.errorAnswer ?? ErrorAnswer) : ErrorAnswer;
    if (!responses[status]) answer(status, { description: SHARED_ANSWERS[status], schema });
  };
  if (route.body || route.params || route.query) shared(400);
  if (route.auth !== 'none') shared(401);
  if (route.auth === 'intakeToken') shared(403);
  if (route.body) [413, 415].forEach((s) => shared(s as 413 | 415));
  if (route.temporal) shared(503);
  op.responses = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
  return op;
}

export interface OpenApiOptions {
  /** Where callers reach the intake (PUBLIC_URL); unset: paths are relative to wherever the document was read. */
  serverUrl?: string;
  version?: string;
  /**
   * VTEX_CARRIER_ID: Create service and rates take this carrierId only (api/routes/vtex.ts), so the
   * document says so (`const`), and its examples carry it. Unset: any carrierId of the right shape.
   */
  vtexCarrierId?: string;
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
  const schemas = components.schemas();
  if (options.vtexCarrierId) ourCarrierOnly(options.vtexCarrierId, schemas, paths);
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
          description:
            "The caller role's own token: VTEX_TOKENS, MARKETPLACE_TOKENS or OPERATOR_TOKENS (INTAKE_TOKEN for every role in development only)",
        },
        instaleapSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'InstaLeap-Signature',
          description:
            "Instaleap's signature with DELIVERY_ENGINE_WEBHOOK_SECRET; the job's own key (`external_data.webhook.key`, set at creation) must match too",
        },
      },
      schemas,
    },
  };
}

/** Create service and rates take our carrierId only: the schema says so, and their examples carry it. */
function ourCarrierOnly(
  carrierId: string,
  schemas: Record<string, JsonObject>,
  paths: Record<string, Record<string, JsonObject>>,
): void {
  const request = schemas.CreateServiceRequest as { properties: Record<string, JsonObject> } | undefined;
  if (!request) return;
  request.properties.carrierId = {
    ...request.properties.carrierId,
    const: carrierId,
    description: "This carrier's VTEX carrierId (VTEX_CARRIER_ID); another is a 400 naming `carrierId`",
  };
  for (const operations of Object.values(paths)) {
    for (const op of Object.values(operations)) {
      const content = (op.requestBody as { content?: Record<string, JsonObject> } | undefined)?.content;
      const json = content?.['application/json'] as
        { schema?: { $ref?: string }; examples?: Record<string, { value: unknown }> } | undefined;
      if (json?.schema?.$ref !== '#/components/schemas/CreateServiceRequest' || !json.examples) continue;
      for (const example of Object.values(json.examples)) {
        example.value = { ...(example.value as JsonObject), carrierId };
      }
    }
  }
}
