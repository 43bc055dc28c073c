/**
 * The OpenAPI document against the app: every route Express has registered is documented with its
 * schemas, the document lists no route the app lacks, the document is valid OpenAPI 3.1, and its
 * JSON Schemas judge the partners' own examples as the zod contracts do.
 */
import { Client, Connection } from '@temporalio/client';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020';
import express, { Router, type Express } from 'express';
import { createApp } from '../../api/app';
import { INTAKE_ROUTES, openApiDocument, openApiPath, type IntakeRoute } from '../../api/openapi';
import { parseEnv, resolveConfig } from '../../config';
import { DeliveryRequestEvent } from '../../contracts/abbiamo';
import { CancelServiceRequest, CreateServiceRequest, PauseServiceRequest } from '../../contracts/vtex';
import vtexCreate from '../../contracts/examples/vtex.create-service.json';
import vtexCancel from '../../contracts/examples/vtex.cancel-service.json';
import vtexPause from '../../contracts/examples/vtex.pause-service.json';
import deliveryRequest from '../../contracts/examples/abbiamo.delivery-request.json';
import { createLogger } from '../../observability/logger';

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: Layer[]; name?: string };
  rawPath?: unknown;
  slash?: boolean;
  name: string;
}

/** `METHOD path` of every route registered in an Express 5 app, mounted routers included. */
function registeredRoutes(app: Express): string[] {
  const found: string[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const p of paths)
          for (const [method, on] of Object.entries(layer.route.methods))
            if (on && method !== '_all') found.push(`${method} ${prefix}${p}`);
      } else if (Array.isArray(layer.handle.stack)) {
        if (typeof layer.rawPath !== 'string')
          throw new Error(`router mounted at a non-string path: ${String(layer.rawPath)}`);
        walk(layer.handle.stack, layer.slash ? prefix : `${prefix}${layer.rawPath}`);
      } else if (layer.name === 'mounted_app') {
        throw new Error('a sub-app is mounted: its routes cannot be walked, mount a Router instead');
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return found;
}

const documented = (routes: readonly IntakeRoute[]) => routes.map((r) => `${r.method} ${r.path}`);

function intakeApp(): Express {
  // A lazy connection never dials: the app is built to be inspected, not called.
  const connection = Connection.lazy({ address: '127.0.0.1:1' });
  const config = resolveConfig(parseEnv({ INTAKE_TOKEN: 'unit-token', LOG_LEVEL: 'silent' }), {
    vtex: 'http://127.0.0.1:1',
    deliveryEngine: 'http://127.0.0.1:1',
    abbiamo: 'http://127.0.0.1:1',
  });
  return createApp({
    config,
    client: new Client({ connection }),
    connection,
    logger: createLogger({ level: 'silent' }),
  });
}

/** Routes of the app missing from the table, and routes of the table missing from the app. */
function compare(app: Express, routes: readonly IntakeRoute[]) {
  const inApp = registeredRoutes(app);
  const inDoc = documented(routes);
  return {
    undocumented: inApp.filter((r) => !inDoc.includes(r)),
    absent: inDoc.filter((r) => !inApp.includes(r)),
  };
}

describe('the intake routes and INTAKE_ROUTES', () => {
  const app = intakeApp();

  it('document every route the app registers, and no route it lacks', () => {
    expect(registeredRoutes(app).length).toBeGreaterThanOrEqual(11);
    expect(compare(app, INTAKE_ROUTES)).toEqual({ undocumented: [], absent: [] });
  });

  it('report a route added without its entry, and an entry without its route', () => {
    const extended = intakeApp();
    const router = Router();
    router.post('/unlisted', (_req, res) => {
      res.json({});
    });
    extended.use('/vtex', express.json(), router);
    const ghost: IntakeRoute = {
      method: 'post',
      path: '/vtex/ghost',
      operationId: 'ghost',
      caller: 'VTEX',
      summary: 'not in the app',
      auth: 'intakeToken',
      answers: { 200: { description: 'never' } },
    };
    expect(compare(extended, [...INTAKE_ROUTES, ghost])).toEqual({
      undocumented: ['post /vtex/unlisted'],
      absent: ['post /vtex/ghost'],
    });
  });

  it('give every body-taking route its body schema and every route an answer with content', () => {
    const doc = openApiDocument() as { paths: Record<string, Record<string, any>> };
    for (const route of INTAKE_ROUTES) {
      const op = doc.paths[openApiPath(route.path)]![route.method];
      if (route.method !== 'get')
        expect([route.path, op.requestBody?.content['application/json'].schema]).toEqual([
          route.path,
          expect.anything(),
        ]);
      const ok = Object.entries(op.responses as Record<string, any>).find(([status]) => status.startsWith('2'));
      expect([route.path, ok?.[1].content]).toEqual([route.path, expect.any(Object)]);
    }
  });

  it('refuse a path parameter without its schema', () => {
    const bare: IntakeRoute = {
      method: 'get',
      path: '/deliveries/:serviceId/extra',
      operationId: 'bare',
      caller: 'Operators',
      summary: 'no params declared',
      auth: 'intakeToken',
      answers: { 200: { description: 'x' } },
    };
    expect(() => openApiDocument({}, [bare])).toThrow('params must be declared for serviceId');
  });
});

describe('the OpenAPI document', () => {
  const doc = openApiDocument({ serverUrl: 'https://carrier.example/intake' });

  it('is valid OpenAPI 3.1', async () => {
    const result = await new Validator().validate(structuredClone(doc));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc).toMatchObject({ openapi: '3.1.1', servers: [{ url: 'https://carrier.example/intake' }] });
  });

  // Its JSON Schemas are what a carrier's integrator reads: they must agree with the zod contracts.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addFormat('date-time', true).addFormat('email', true).addFormat('uri', true);
  ajv.addSchema(doc, 'openapi.json');
  const body = (path: string) => {
    const pointer = `openapi.json#/paths/${path.replace(/\//g, '~1')}/post/requestBody/content/application~1json/schema`;
    return ajv.compile({ $ref: pointer });
  };

  it.each([
    { path: '/vtex/services', example: vtexCreate, schema: CreateServiceRequest, field: 'orderId' },
    { path: '/vtex/services/cancel', example: vtexCancel, schema: CancelServiceRequest, field: 'serviceId' },
    { path: '/vtex/services/pause', example: vtexPause, schema: PauseServiceRequest, field: 'serviceId' },
    { path: '/marketplace/events', example: deliveryRequest, schema: DeliveryRequestEvent, field: 'deliveries' },
  ])(
    '$path: accepts the partner example and refuses it without $field, as zod does',
    ({ path, example, schema, field }) => {
      const validate = body(path);
      expect([validate(example), schema.safeParse(example).success]).toEqual([true, true]);
      const without = structuredClone(example) as Record<string, unknown>;
      delete without[field];
      const refused = validate(without);
      // Abbiamo's body also takes any other event type (acknowledged and ignored): without
      // `deliveries` the envelope still matches, so its refusal is of the DELIVERY_REQUEST schema alone.
      if (path === '/marketplace/events') {
        expect(ajv.validate('openapi.json#/components/schemas/DeliveryRequestEvent', without)).toBe(false);
      } else expect(refused).toBe(false);
      expect(schema.safeParse(without).success).toBe(false);
    },
  );

  it("documents every route with its auth: the intake token, Instaleap's signature, or none for probes and itself", () => {
    const ops = Object.values(doc.paths as Record<string, Record<string, { operationId: string; security: unknown }>>)
      .flatMap((p) => Object.values(p))
      .map((op) => [op.operationId, op.security]);
    expect(Object.fromEntries(ops)).toMatchObject({
      vtexCreateService: [{ intakeToken: [] }],
      abbiamoEvent: [{ intakeToken: [] }],
      deliveryEngineJobEvent: [{ instaleapSignature: [] }],
      deliveryState: [{ intakeToken: [] }],
      healthz: [],
      openApiDocument: [],
    });
  });
});

describe('examples and refusals in the document', () => {
  const carrierId = 'our-carrier';
  const doc = openApiDocument({ vtexCarrierId: carrierId }) as { paths: Record<string, Record<string, any>> } & {
    components: { schemas: Record<string, any> };
  };
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addFormat('date-time', true).addFormat('email', true).addFormat('uri', true);
  ajv.addSchema(doc, 'openapi.json');
  const operationOf = (route: IntakeRoute) => doc.paths[openApiPath(route.path)]![route.method];

  it.each(INTAKE_ROUTES.map((route) => [route.operationId, route] as const))(
    '%s has an example, and every example fits its schema in zod and in the document',
    (_id, route) => {
      const op = operationOf(route);
      const bodyExamples = Object.values(
        (op.requestBody?.content['application/json'].examples ?? {}) as Record<string, { value: unknown }>,
      );
      const answerExamples = Object.values(op.responses as Record<string, any>).flatMap((r) =>
        Object.values((r.content ?? {}) as Record<string, { example?: unknown }>).flatMap((c) =>
          c.example === undefined ? [] : [c.example],
        ),
      );
      expect(bodyExamples.length + answerExamples.length).toBeGreaterThan(0);
      if (route.body) {
        expect(bodyExamples.length).toBeGreaterThan(0);
        const schemas = Array.isArray(route.body) ? route.body : [route.body];
        const validate = ajv.compile({
          $ref: `openapi.json#/paths/${openApiPath(route.path).replace(/\//g, '~1')}/${route.method}/requestBody/content/application~1json/schema`,
        });
        for (const value of bodyExamples.map((e) => e.value)) {
          expect([route.operationId, schemas.some((s) => s.safeParse(value).success)]).toEqual([
            route.operationId,
            true,
          ]);
          expect([route.operationId, validate(value), validate.errors ?? []]).toEqual([route.operationId, true, []]);
        }
      }
      for (const [name, value] of Object.entries(route.paramExamples ?? {})) {
        expect([name, route.params?.shape[name]?.safeParse(value).success]).toEqual([name, true]);
      }
      for (const [status, answer] of Object.entries(route.answers)) {
        if (answer.example !== undefined && answer.schema)
          expect([route.operationId, status, answer.schema.safeParse(answer.example).success]).toEqual([
            route.operationId,
            status,
            true,
          ]);
      }
    },
  );

  it("takes this carrier's carrierId only in Create service and rates, and its examples carry it", () => {
    expect(doc.components.schemas.CreateServiceRequest.properties.carrierId).toMatchObject({ const: carrierId });
    for (const path of ['/vtex/services', '/vtex/rates']) {
      const examples = doc.paths[path]!.post.requestBody.content['application/json'].examples;
      for (const example of Object.values(examples as Record<string, { value: { carrierId: string } }>))
        expect([path, example.value.carrierId]).toEqual([path, carrierId]);
    }
    // The table itself is left as it was: another document without a carrier keeps VTEX's own.
    const plain = openApiDocument() as typeof doc;
    expect(plain.components.schemas.CreateServiceRequest.properties.carrierId.const).toBeUndefined();
    expect(
      plain.paths['/vtex/services']!.post.requestBody.content['application/json'].examples.vtexOpenApi.value.carrierId,
    ).not.toBe(carrierId);
  });

  it("documents every refusal an operation answers, with Abbiamo's abbiamo_error on its route", () => {
    const statuses = (path: string, method: string) => Object.keys(doc.paths[path]![method].responses);
    expect(statuses('/vtex/services', 'post')).toEqual(['200', '400', '401', '403', '413', '415', '503']);
    expect(statuses('/deliveries/{serviceId}', 'get')).toEqual(['200', '400', '401', '403', '404', '503']);
    expect(statuses('/operator/deliveries', 'get')).toEqual(['200', '400', '401', '403', '503']);
    expect(statuses('/delivery-engine/webhooks', 'post')).toEqual(['200', '400', '401', '413', '415', '503']);
    const abbiamo = doc.paths['/marketplace/events']!.post.responses;
    for (const status of ['400', '401', '403', '413', '415'])
      expect([status, abbiamo[status].content['application/json'].schema]).toEqual([
        status,
        { $ref: '#/components/schemas/AbbiamoErrorAnswer' },
      ]);
    expect(abbiamo['503'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ErrorAnswer' });
    expect(doc.components.schemas.AbbiamoErrorAnswer.required).toContain('abbiamo_error');
  });
});
