/**
 * The bad-input run's requests: the valid fixtures of contracts/examples, mutated by
 * fast-check, over every intake endpoint. A mutation names the field it touched and the shape it put
 * there, so a failure says exactly what to fix: wrong types, huge strings, long runs of spaces in
 * weights and lengths, prototype keys, deep nesting, out-of-range numbers and dates, ids with dots
 * and slashes, unicode, missing and extra fields, and bodies that are not JSON objects at all.
 */
import fc from 'fast-check';
import cancelExample from '../../contracts/examples/vtex.cancel-service.json';
import createExample from '../../contracts/examples/vtex.create-service.json';
import pauseExample from '../../contracts/examples/vtex.pause-service.json';
import deliveryRequestExample from '../../contracts/examples/abbiamo.delivery-request.json';
import { signatureFor, webhookKeyFor } from '../../contracts/webhookKey';
import { abbiamoServiceId, vtexServiceId } from '../../mapping/ids';

export type Endpoint =
  | 'POST /vtex/services'
  | 'POST /vtex/services/cancel'
  | 'POST /vtex/services/pause'
  | 'POST /marketplace/events'
  | 'POST /delivery-engine/webhooks'
  | 'GET /deliveries/:id';

export const ENDPOINTS: Endpoint[] = [
  'POST /vtex/services',
  'POST /vtex/services/cancel',
  'POST /vtex/services/pause',
  'POST /marketplace/events',
  'POST /delivery-engine/webhooks',
  'GET /deliveries/:id',
];

export interface Mutation {
  /** the field touched, dotted (`packages.0.items.0.weight`), `(body)` for the whole body, `:id` for the path */
  field: string;
  op: string;
  /** what was put there, in words (never the whole value: it may be 200 KB) */
  shape: string;
}

export interface FuzzRequest {
  endpoint: Endpoint;
  method: 'GET' | 'POST';
  path: string;
  /** raw body text (may be invalid JSON on purpose) */
  body?: string;
  headers: Record<string, string>;
  mutation: Mutation;
  /** workflow ids the request would start if it were taken (none must exist after a 4xx) */
  wouldStart: string[];
}

/** What the run knows of the service it fuzzes against: one real delivery, for cancel, pause and events. */
export interface FuzzContext {
  webhookSecret: string;
  /** what the engine signs its events with (`InstaLeap-Signature`) */
  engineWebhookSecret: string;
  known: { serviceId: string; carrierId: string; orderId: string };
}

type Json = unknown;
type Op = { op: string; value?: Json; remove?: boolean; addKey?: string; shape: string };

const INTERESTING =
  /weight|length|height|width|orderId|serviceId|delivery_id|carrierId|country|lat|lng|latitude|longitude|Date|date|window|client_reference|^id$|\.id$|zip|amount|quantity|price|reason|pause|type|event_type|deliveries|packages|items|notes|evidences|labels/;

/** Every path of a JSON value (objects and arrays too), as lists of keys. */
export function pathsOf(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = prefix.length ? [prefix] : [];
  if (Array.isArray(value)) value.slice(0, 3).forEach((v, i) => out.push(...pathsOf(v, [...prefix, i])));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...prefix, k]));
  return out;
}

/** Deep nesting is spliced into the JSON text: too deep for JSON.stringify's own recursion. */
const DEEP = /"\\u0000deep:(\d+)"/g;
function nested(depth: number): Json {
  return `\u0000deep:${depth}`;
}
function deepText(depth: number): string {
  return `${'[{"a":'.repeat(depth)}"bottom"${'}]'.repeat(depth)}`;
}
function stringify(body: Json): string {
  return JSON.stringify(body).replace(DEEP, (_m, d: string) => deepText(Number(d)));
}

const spaces = fc
  .integer({ min: 2_000, max: 32_000 })
  .chain((n) =>
    fc.constantFrom<Op>(
      { op: 'spaces', value: ' '.repeat(n), shape: `${n} spaces` },
      { op: 'spaces', value: `${' '.repeat(n)}1`, shape: `${n} spaces then "1"` },
      { op: 'spaces', value: `1${' '.repeat(n)}kg`, shape: `"1", ${n} spaces, "kg"` },
      { op: 'spaces', value: `${' '.repeat(n)}1 kg${' '.repeat(n)}x`, shape: `${n} spaces, "1 kg", ${n} spaces, "x"` },
    ),
  );

const ops: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.oneof(
      fc.integer().map((v) => ({ op: 'wrong-type', value: v, shape: `integer ${v}` })),
      fc.boolean().map((v) => ({ op: 'wrong-type', value: v, shape: `boolean ${v}` })),
      fc.constant({ op: 'wrong-type', value: null, shape: 'null' }),
      fc
        .array(fc.string({ maxLength: 5 }), { maxLength: 3 })
        .map((v) => ({ op: 'wrong-type', value: v, shape: `array of ${v.length} strings` })),
      fc.constant({ op: 'wrong-type', value: { nested: { x: 1 } }, shape: 'object' }),
      fc.string({ maxLength: 12 }).map((v) => ({ op: 'wrong-type', value: v, shape: `string ${JSON.stringify(v)}` })),
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 10_000, max: 200_000 })
      .map((n) => ({ op: 'huge-string', value: 'x'.repeat(n), shape: `string of ${n} chars` })),
  },
  { weight: 2, arbitrary: spaces },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(
        '__proto__',
        'constructor',
        'prototype',
        'toString',
        'hasOwnProperty',
        '1 constructor',
        '2 __proto__',
        '1 toString',
        '3 valueOf',
      )
      .map((v) => ({ op: 'prototype-key', value: v, shape: JSON.stringify(v) })),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 100, max: 5_000 })
      .map((d) => ({ op: 'deep-nesting', value: nested(d), shape: `${d} levels of nested arrays/objects` })),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(1e308, -1e308, -1, -0.5, 0, 2 ** 53 + 2, 1e-300, 99_999_999_999, -180.5, 91, 181, 1e21)
      .map((v) => ({ op: 'out-of-range-number', value: v, shape: `number ${v}` })),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(
        '9999-12-31T23:59:59.999Z',
        '+275760-09-13T00:00:00.000Z',
        '0001-01-01T00:00:00Z',
        '2024-02-30T10:00:00Z',
        '2025-13-01T00:00:00Z',
        'tomorrow',
        '',
        '2100-01-01T00:00:00Z',
      )
      .map((v) => ({ op: 'odd-date', value: v, shape: JSON.stringify(v) })),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(
        '../../etc/passwd',
        'a/b/c',
        '..',
        '.',
        'a.b.c',
        '%2e%2e%2f',
        'x/../../y',
        'a'.repeat(300),
        'a'.repeat(5000),
        ' padded ',
        'with space',
        'tab\there',
        'semi;colon',
        'quote"d',
        "single'q",
        'back\\slash',
        'amp&ersand',
        'vtex-&x',
        '\u0000nul',
      )
      .map((v) => ({ op: 'odd-id', value: v, shape: v.length > 40 ? `id of ${v.length} chars` : JSON.stringify(v) })),
  },
  {
    weight: 2,
    arbitrary: fc.oneof(
      fc
        .constantFrom(
          '😀'.repeat(2000),
          '\u202eevil',
          'zero\u200bwidth',
          '\ud800',
          'Ωμέγα ñandú 東京',
          '𝕏'.repeat(100),
          '\uFEFFbom',
        )
        .map((v) => ({
          op: 'unicode',
          value: v,
          shape: `unicode ${JSON.stringify(v.slice(0, 12))}${v.length > 12 ? `… (${v.length} units)` : ''}`,
        })),
      fc
        .string({ unit: 'binary', maxLength: 40 })
        .map((v) => ({ op: 'unicode', value: v, shape: `random unicode (${v.length} units)` })),
    ),
  },
  { weight: 2, arbitrary: fc.constant({ op: 'missing', remove: true, shape: 'removed' }) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('__proto__', 'constructor', 'extra_field', 'toString')
      .map((k) => ({ op: 'extra-key', addKey: k, value: { polluted: true }, shape: `extra key ${JSON.stringify(k)}` })),
  },
);

/** `value` with `op` applied at `path`; keys named like Object.prototype's become own properties. */
function apply(base: Json, path: (string | number)[], op: Op): Json {
  const root = structuredClone(base) as Record<string | number, Json>;
  if (path.length === 0) return op.value;
  let parent: any = root;
  for (const key of path.slice(0, -1)) parent = parent[key];
  const last = path[path.length - 1]!;
  if (op.remove) {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else if (op.addKey !== undefined) {
    const target = parent[last];
    if (target && typeof target === 'object' && !Array.isArray(target))
      Object.defineProperty(target, op.addKey, {
        value: op.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else
      Object.defineProperty(parent, op.addKey, {
        value: op.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
  } else {
    Object.defineProperty(parent, last, { value: op.value, enumerable: true, writable: true, configurable: true });
  }
  return root;
}

/** A path of `base`, interesting ones (ids, weights, dates...) three times as likely. */
function pathOf(base: Json): fc.Arbitrary<(string | number)[]> {
  const all = pathsOf(base);
  const interesting = all.filter((p) => INTERESTING.test(p.join('.')));
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...(interesting.length ? interesting : all)) },
    { weight: 2, arbitrary: fc.constantFrom(...all) },
  );
}

const wholeBodies = fc.constantFrom(
  { text: '{', shape: 'truncated JSON' },
  { text: 'null', shape: 'JSON null' },
  { text: '[]', shape: 'empty array' },
  { text: '"just a string"', shape: 'a JSON string' },
  { text: '12345', shape: 'a JSON number' },
  { text: '{"a":', shape: 'truncated object' },
  { text: '', shape: 'empty body' },
  { text: `[${'{},'.repeat(50_000)}{}]`, shape: 'array of 50,001 objects' },
  { text: `{"__proto__": {"admin": true}}`, shape: 'only a __proto__ key' },
  { text: '\u0000', shape: 'a NUL byte' },
);

let sequence = 0;
const fresh = (prefix: string) => `${prefix}-${process.pid}-${Date.now().toString(36)}-${(sequence++).toString(36)}`;

function bodyRequest(
  endpoint: Endpoint,
  path: string,
  base: () => Json,
  finish: (body: Json) => Partial<FuzzRequest>,
): fc.Arbitrary<FuzzRequest> {
  const sample = base();
  const mutated = fc.tuple(pathOf(sample), ops).map(([p, op]) => {
    const body = apply(base(), p, op);
    const text = stringify(body);
    return { body: text, mutation: { field: p.join('.'), op: op.op, shape: op.shape }, extra: finish(body) };
  });
  const whole = wholeBodies.map((b) => ({
    body: b.text,
    mutation: { field: '(body)', op: 'not-an-object', shape: b.shape },
    extra: finish(undefined),
  }));
  const valid = fc.constant(null).map(() => {
    const body = base();
    return {
      body: JSON.stringify(body),
      mutation: { field: '(none)', op: 'valid', shape: 'the fixture as is' },
      extra: finish(body),
    };
  });
  return fc
    .oneof({ weight: 12, arbitrary: mutated }, { weight: 1, arbitrary: whole }, { weight: 1, arbitrary: valid })
    .map(({ body, mutation, extra }) => ({
      endpoint,
      method: 'POST' as const,
      path,
      body,
      headers: { 'content-type': 'application/json', ...(extra.headers ?? {}) },
      mutation,
      wouldStart: extra.wouldStart ?? [],
      ...(extra.path ? { path: extra.path } : {}),
    }));
}

const str = (v: unknown): v is string => typeof v === 'string';

function encodedWithin(id: string, limit: number): string {
  // A lone surrogate cannot be put in a URL (no UTF-8 for it): it goes as U+FFFD.
  let chars = [...id.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')];
  let encoded = encodeURIComponent(chars.join(''));
  while (encoded.length > limit) {
    chars = chars.slice(0, Math.floor(chars.length * 0.8));
    encoded = encodeURIComponent(chars.join(''));
  }
  return encoded;
}

export function requestArbitrary(ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const create = bodyRequest(
    'POST /vtex/services',
    '/vtex/services',
    () => ({ ...structuredClone(createExample), orderId: fresh('FZ') }),
    (body: any) => ({
      wouldStart:
        str(body?.orderId) && str(body?.carrierId)
          ? [vtexServiceId(body.carrierId, body.orderId), vtexServiceId(body.carrierId.trim(), body.orderId.trim())]
          : [],
    }),
  );
  const cancel = bodyRequest(
    'POST /vtex/services/cancel',
    '/vtex/services/cancel',
    () => ({ ...structuredClone(cancelExample), serviceId: fresh('vtex-FZ'), carrierId: ctx.known.carrierId }),
    () => ({}),
  );
  const pause = bodyRequest(
    'POST /vtex/services/pause',
    '/vtex/services/pause',
    () => ({ ...structuredClone(pauseExample), serviceId: ctx.known.serviceId, carrierId: ctx.known.carrierId }),
    () => ({}),
  );
  const abbiamo = bodyRequest(
    'POST /marketplace/events',
    '/marketplace/events',
    () => {
      const event = structuredClone(deliveryRequestExample) as any;
      event.deliveries = event.deliveries.map((d: any) => ({ ...d, delivery_id: fresh('fz') }));
      return event;
    },
    (body: any) => ({
      wouldStart: Array.isArray(body?.deliveries)
        ? body.deliveries.flatMap((d: any) =>
            str(d?.delivery_id) ? [abbiamoServiceId(d.delivery_id), abbiamoServiceId(d.delivery_id.trim())] : [],
          )
        : [],
    }),
  );
  const webhook = bodyRequest(
    'POST /delivery-engine/webhooks',
    '/delivery-engine/webhooks',
    () => ({
      id: fresh('evt'),
      type: 'ALLOCATED',
      created_at: new Date().toISOString(),
      job: {
        id: 'fuzz-job',
        client_reference: ctx.known.orderId,
        tasks: [
          { id: 'task-1', type: 'DELIVERY', resource: { id: 'courier-1', name: 'Ana Souza', vehicle: 'motorcycle' } },
        ],
        eta: new Date(Date.now() + 3_600_000).toISOString(),
        external_data: { webhook: { key: webhookKeyFor(ctx.webhookSecret, ctx.known.serviceId, ctx.known.orderId) } },
      },
    }),
    // Instaleap's signature of the fields it covers (when they are strings): the run fuzzes the body, not our auth.
    (body: any) => ({
      headers: {
        'instaleap-signature': signatureFor(ctx.engineWebhookSecret, {
          id: str(body?.id) ? body.id : '',
          created_at: str(body?.created_at) ? body.created_at : '',
          type: str(body?.type) ? body.type : '',
        }),
      },
    }),
  );
  const lookup = fc
    .oneof(
      ops
        .filter((o) => typeof o.value === 'string')
        .map((o) => ({ id: o.value as string, mutation: { field: ':id', op: o.op, shape: o.shape } })),
      fc
        .constantFrom(
          'vtex-x',
          'mkt-x',
          ctx.known.serviceId,
          `${ctx.known.serviceId}.`,
          `vtex-${'a'.repeat(250)}`,
          'mkt-../..',
          'vtex-a.b/c',
        )
        .map((id) => ({
          id,
          mutation: {
            field: ':id',
            op: 'odd-id',
            shape: id.length > 40 ? `id of ${id.length} chars` : JSON.stringify(id),
          },
        })),
    )
    .map(({ id, mutation }): FuzzRequest => ({
      endpoint: 'GET /deliveries/:id',
      method: 'GET',
      // Encoded, so the id reaches the route whatever it holds (a raw "/" is another path); kept
      // under Node's 16 KB header limit, whose 431 comes from the HTTP parser, before any route.
      path: `/deliveries/${encodedWithin(id, 8000)}`,
      headers: {},
      mutation,
      wouldStart: [],
    }));
  return fc.oneof(create, cancel, pause, abbiamo, webhook, lookup);
}
