/**
 * Configuration from the environment: the names of docs/configuration.md, plus a few of ours
 * (documented in docs/configuration.md). Parsed once with zod; the first bad variable stops start-up with one
 * line naming it. Secrets are kept in the returned object but never logged (see `describeConfig`).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { RateCard } from '../contracts/rateCard';
import { DURATION_PATTERN, durationMs } from '../contracts/operations';
import { DEV_KEY_RING, KeyRingError, parseKeyRing, type CodecKey } from '../security/codec';
import { parseTlsFiles, type TemporalTlsFiles } from '../security/temporalConnection';

/** Fixed credentials of the sandboxes; only ever used when that system runs as a sandbox. */
export const SANDBOX_DEFAULTS = {
  intakeToken: 'dev-intake-token',
  vtexCarrierId: 'sandbox-carrier',
  vtexApiKey: 'sandbox-vtex-api-key',
  deliveryEngineApiKey: 'sandbox-engine-api-key',
  deliveryEngineWebhookSecret: 'sandbox-instaleap-webhook-secret',
  deliveryEngineStoreReference: 'sandbox-store',
  abbiamoCarrierKey: 'sandbox-abbiamo-carrier-key',
} as const;

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`Invalid configuration: ${variable} ${detail}`);
    this.name = 'ConfigError';
  }
}

const port = z.coerce
  .number({ error: 'must be a port number' })
  .int('must be a port number')
  .min(0, 'must be 0-65535')
  .max(65535, 'must be 0-65535');
const httpUrl = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ''));
const nonEmpty = z.string().trim().min(1);
const positiveInt = z.coerce
  .number({ error: 'must be a whole number' })
  .int('must be a whole number')
  .positive('must be positive');

/** One entry per variable so the error names the variable, not a zod path. */
const variables = {
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PORT: port.default(3000),
  PUBLIC_URL: httpUrl.optional(),
  INTAKE_TOKEN: nonEmpty.optional(),
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port')
    .optional(),
  TEMPORAL_NAMESPACE: nonEmpty.default('default'),
  TEMPORAL_TASK_QUEUE: nonEmpty.default('deliveries'),
  VTEX_CARRIER_ID: nonEmpty.optional(),
  VTEX_API_KEY: nonEmpty.optional(),
  VTEX_TRACKING_URL: httpUrl.optional(),
  VTEX_AUTH_URL: httpUrl.optional(),
  DELIVERY_ENGINE_URL: httpUrl.optional(),
  DELIVERY_ENGINE_API_KEY: nonEmpty.optional(),
  DELIVERY_ENGINE_WEBHOOK_SECRET: nonEmpty.optional(),
  DELIVERY_ENGINE_STORE_REFERENCE: nonEmpty.optional(),
  /** Ours: `seller=store_reference,...`: the Instaleap store of each platform seller (unlisted: the default store). */
  DELIVERY_ENGINE_SELLER_STORES: z
    .string()
    .trim()
    .regex(/^([^=,\s]+=[^=,\s]+)(\s*,\s*[^=,\s]+=[^=,\s]+)*$/, 'must look like seller1=store1,seller2=store2')
    .optional(),
  /** Ours: the `operational_models_priority` of every slot search, comma-separated, first preferred. */
  DELIVERY_ENGINE_OPERATIONAL_MODELS: nonEmpty.default('FULL_SERVICE'),
  /** Ours: the `slot_size` (minutes) of every slot search. */
  DELIVERY_ENGINE_SLOT_SIZE_MINUTES: positiveInt.max(24 * 60).default(60),
  /** Ours: the carrier's rate card (contracts/rateCard.ts), prices in cents. */
  RATE_CARD_FILE: nonEmpty.default('config/rate-card.json'),
  MARKETPLACE_URL: httpUrl.optional(),
  MARKETPLACE_CARRIER_KEY: nonEmpty.optional(),
  /**
   * Ours: how long Abbiamo waits for our confirmation before it cancels (its default 30 min,
   * changeable per account). Job creation gives up early enough to report the failure inside it.
   */
  MARKETPLACE_CONFIRMATION_TIMEOUT_MS: positiveInt.min(1000).default(30 * 60_000),
  /** Ours: secret from which each job's webhook key is derived; default derived from the engine key. */
  WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Ours: key that seals platform secrets (Abbiamo callback headers) before they enter workflow history. */
  SECRETS_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Ours: shipping labels (docs/labels.md): the key their URLs are signed with, how long a URL works, the carrier shown. */
  LABEL_SIGNING_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  LABEL_URL_TTL: z
    .string()
    .trim()
    .regex(DURATION_PATTERN, 'must be a time span such as 36h or 90m')
    .default('36h')
    .transform((text) => durationMs(text)!)
    .refine((ms) => ms >= 60_000, 'must be at least 1m'),
  LABEL_CARRIER_NAME: z.string().trim().min(1).max(60, 'must be at most 60 characters').default('Delivery Bridge'),
  LABEL_CARRIER_LOGO: nonEmpty.optional(),
  /** Ours: the payload codec's key ring, `id:base64key,...` newest first (docs/security.md). */
  CODEC_KEYS: nonEmpty.optional(),
  /**
   * Ours: what the worker does with a payload that is not encrypted (a signal or start sent without
   * the key ring): `refuse` (default when NODE_ENV=production) or `pass` (default elsewhere: recorded
   * histories and development tools write plaintext).
   */
  CODEC_PLAINTEXT: z.enum(['pass', 'refuse']).optional(),
  /**
   * Ours: tokens per caller role, comma-separated (several for rotation). Required, and distinct,
   * when NODE_ENV=production; elsewhere an unset role takes INTAKE_TOKEN.
   */
  VTEX_TOKENS: nonEmpty.optional(),
  MARKETPLACE_TOKENS: nonEmpty.optional(),
  OPERATOR_TOKENS: nonEmpty.optional(),
  /** Ours: interface the intake API (and `npm start`'s parts) listen on. */
  HOST: nonEmpty.default('127.0.0.1'),
  /** Ours: the codec server (`npm run codec-server`, `npm start`) and the Web UI origin it answers. */
  CODEC_SERVER_PORT: port.default(8234),
  CODEC_CORS_ORIGINS: nonEmpty.optional(),
  /**
   * Ours: the TLS proxy in front of the codec server (docs/security.md), whose X-Forwarded-Proto and
   * X-Forwarded-Host are believed: its addresses or subnets (`loopback`, `10.0.0.0/8`, ...) or a hop
   * count. Unset: no forwarded header is believed.
   */
  CODEC_TRUST_PROXY: z
    .string()
    .trim()
    .regex(
      /^(\d+|[\w.:/]+(\s*,\s*[\w.:/]+)*)$/,
      "must list the proxy's addresses or subnets (loopback, 10.0.0.0/8, ...) or be a hop count",
    )
    .refine((v) => v !== 'true', 'must name the proxy, not trust every sender (true)')
    .optional(),
  /** Ours: Temporal connection security (Temporal Cloud, self-hosted with TLS). */
  TEMPORAL_TLS: z.enum(['true', 'false']).optional(),
  TEMPORAL_TLS_CERT: nonEmpty.optional(),
  TEMPORAL_TLS_KEY: nonEmpty.optional(),
  TEMPORAL_TLS_CA: nonEmpty.optional(),
  TEMPORAL_TLS_SERVER_NAME: nonEmpty.optional(),
  TEMPORAL_API_KEY: nonEmpty.optional(),
  /**
   * Ours: how many delivery workflows the worker keeps in memory; the others are replayed from
   * history on their next event. 1500 keeps a worker with 2,000 open deliveries under 512 MB.
   */
  WORKER_MAX_CACHED_WORKFLOWS: positiveInt.default(1500),
  /**
   * Ours: workflow tasks one worker runs at once. A task taken counts against its 10 s timeout
   * while it waits its turn inside the worker; one left with the server waits there without one.
   */
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: positiveInt.default(40),
  /**
   * Ours: port of the worker's health endpoint, `GET /healthz` and `GET /metrics` (ours and the
   * Temporal SDK's). The worker process serves none when unset; `npm start` uses 3001.
   */
  WORKER_HEALTH_PORT: port.optional(),
  /**
   * Ours: port of the intake API's `GET /metrics`, a listener of its own (never the public PORT).
   * api/main.ts serves none when unset; `npm start` uses 3002.
   */
  API_METRICS_PORT: port.optional(),
  /**
   * Ours: the intake's delivery gauges count in Temporal's visibility at most once per this interval
   * (Prometheus's default scrape interval).
   */
  METRICS_COUNT_INTERVAL_MS: positiveInt.min(100).default(15_000),
  /** Ours: where the Temporal SDK's own Prometheus exporter listens (unset: loopback, a free port). */
  WORKER_SDK_METRICS_ADDRESS: z
    .string()
    .regex(/^[^\s/]+:\d{1,5}$/, 'must be host:port')
    .optional(),
  /** Ours: JSON body limit of the intake API. */
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/i, 'must look like 512kb or 1mb')
    .default('1mb'),
  /** Ours: how long POST /vtex/services waits for the job before answering PENDING (VTEX waits 5 s). */
  CREATE_ANSWER_DEADLINE_MS: positiveInt.max(4000).default(3000),
  /** Ours: a delivery workflow continues as new once its history holds this many events. */
  CONTINUE_AS_NEW_AFTER_EVENTS: positiveInt.min(50).default(4000),
  REPORT_ATTENTION_AFTER_MS: positiveInt.min(1000).default(600_000),
  /**
   * Ours: attempts of a VTEX tracking call answered 404 before it counts as refused (then kept for
   * an operator's resend): about six hours at the reports' one-minute backoff cap.
   */
  VTEX_NOT_FOUND_RETRY_ATTEMPTS: positiveInt.default(360),
  /** Ours: how often drift repair compares open deliveries with their platform (docs/runbook.md "Operators"). */
  RECONCILE_INTERVAL: z
    .string()
    .trim()
    .regex(DURATION_PATTERN, 'must be a time span such as 30s, 5m or 1h')
    .default('5m')
    .transform((text) => durationMs(text)!)
    .refine((ms) => ms >= 10_000, 'must be at least 10s'),
  /** Ours: however early the delivery window ends, job creation is tried at least this long. */
  CREATION_GRACE_MS: positiveInt.default(10 * 60_000),
  /** Ours: ports of the embedded dev server and sandboxes started by `npm start`. */
  TEMPORAL_DEV_PORT: port.default(7233),
  TEMPORAL_DEV_UI_PORT: port.default(8233),
  TEMPORAL_DATA_DIR: nonEmpty.default('.data'),
  SANDBOX_VTEX_PORT: port.default(3101),
  SANDBOX_ENGINE_PORT: port.default(3102),
  SANDBOX_MARKETPLACE_PORT: port.default(3103),
  /**
   * OpenTelemetry's own names (docs/observability.md "Traces"): the OTLP/HTTP base (`/v1/traces` is appended) or
   * the traces URL itself; unset: no span leaves the process. The exporter reads the others
   * (`OTEL_EXPORTER_OTLP_HEADERS`, ...) and the SDK the sampler's (`OTEL_TRACES_SAMPLER`).
   */
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl.optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  OTEL_SERVICE_NAME: nonEmpty.default('delivery-bridge'),
} as const;

type Variables = typeof variables;
export type Env = { [K in keyof Variables]: z.output<Variables[K]> };

export function parseEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const out: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(variables)) {
    const raw = source[name];
    const value = raw === undefined || raw === '' ? undefined : raw;
    const parsed = (schema as z.ZodType).safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const shown = isSecret(name) ? '' : ` (got ${JSON.stringify(raw)})`;
      throw new ConfigError(name, `${issue?.message ?? 'is invalid'}${shown}`);
    }
    out[name] = parsed.data;
  }
  return out as Env;
}

const SECRET_NAMES = new Set([
  'INTAKE_TOKEN',
  'VTEX_API_KEY',
  'DELIVERY_ENGINE_API_KEY',
  'DELIVERY_ENGINE_WEBHOOK_SECRET',
  'WEBHOOK_SECRET',
  'SECRETS_KEY',
  'CODEC_KEYS',
  'VTEX_TOKENS',
  'MARKETPLACE_TOKENS',
  'OPERATOR_TOKENS',
  'TEMPORAL_API_KEY',
  'MARKETPLACE_CARRIER_KEY',
  'LABEL_SIGNING_KEY',
]);
function isSecret(name: string): boolean {
  return SECRET_NAMES.has(name);
}

export type ExternalSystem = 'vtex' | 'deliveryEngine' | 'abbiamo';

/** Which external systems have no URL configured, so `npm start` runs their sandboxes. */
export function sandboxedSystems(env: Env): ExternalSystem[] {
  const out: ExternalSystem[] = [];
  if (!env.VTEX_TRACKING_URL && !env.VTEX_AUTH_URL) out.push('vtex');
  if (!env.DELIVERY_ENGINE_URL) out.push('deliveryEngine');
  if (!env.MARKETPLACE_URL) out.push('abbiamo');
  return out;
}

export interface SandboxUrls {
  vtex?: string;
  deliveryEngine?: string;
  abbiamo?: string;
}

export interface ServiceConfig {
  env: Env['NODE_ENV'];
  logLevel: Env['LOG_LEVEL'];
  port: number;
  publicUrl: string;
  intakeToken: string;
  bodyLimit: string;
  createAnswerDeadlineMs: number;
  creationGraceMs: number;
  continueAsNewAfterEvents: number;
  /** A platform report still not taken after this long flags its delivery (it keeps retrying). */
  reportAttentionAfterMs: number;
  /** The reconcile Schedule's interval (drift repair). */
  reconcileIntervalMs: number;
  sandboxed: ExternalSystem[];
  temporal: { address?: string; namespace: string; taskQueue: string };
  vtex: { carrierId: string; apiKey: string; trackingUrl: string; authUrl: string; notFoundRetryAttempts: number };
  deliveryEngine: DeliveryEngineConfig;
  /** Abbiamo: its API base, our carrier key there, its confirmation timeout. */
  abbiamo: { url: string; carrierKey: string; confirmationTimeoutMs: number };
  /** Seals secrets kept in workflow history (Abbiamo callback headers). */
  secretsKey: string;
  /** Shipping labels (docs/labels.md): URL signing key and lifetime, the carrier's name and logo file. */
  labels: LabelConfig;
  worker: { maxCachedWorkflows: number; maxConcurrentWorkflowTaskExecutions: number };
  /** The payload codec's key ring, newest (the encrypting one) first. */
  codecKeys: CodecKey[];
  /** What the worker's codec does with a payload sent in plaintext (security/codec.ts). */
  codecPlaintext: 'pass' | 'refuse';
  /** Bearer tokens per caller role (api/auth.ts). */
  callers: CallerTokens;
  host: string;
  temporalSecurity: TemporalSecurity;
  /** Where spans are exported (OTLP/HTTP traces URL; unset: nowhere), under which service name. */
  tracing: { endpoint?: string; serviceName: string };
  /** The intake's metrics: their own port (unset: not served by api/main.ts), the counts' interval. */
  metrics: { apiPort?: number; countIntervalMs: number };
}

export interface LabelConfig {
  signingKey: string;
  urlTtlMs: number;
  carrierName: string;
  /** Path of a PNG or JPEG drawn on the PDF label. */
  logoPath?: string;
}

/** Signs label URLs outside production only: a production bridge refuses to start without its own key. */
export const DEV_LABEL_SIGNING_KEY = 'dev-label-signing-key-not-for-production';

export interface DeliveryEngineConfig {
  url: string;
  /** sent as `x-api-key` */
  apiKey: string;
  /** Instaleap's webhook signing secret (`InstaLeap-Signature`) */
  signingSecret: string;
  /** ours: the secret each job's `external_data.webhook.key` is derived from (contracts/webhookKey.ts) */
  jobKeySecret: string;
  /** the default `store_reference`, refined per seller by `sellerStores` */
  storeReference: string;
  sellerStores: Record<string, string>;
  operationalModels: string[];
  slotSizeMinutes: number;
  rateCard: RateCard;
}

export type CallerRole = 'vtex' | 'marketplace' | 'operator';
export type CallerTokens = Record<CallerRole, string[]>;

/** How to reach Temporal securely; files are read when the connection is built (security/temporalConnection.ts). */
export interface TemporalSecurity {
  tls: boolean;
  files: TemporalTlsFiles;
  serverName?: string;
  apiKey?: string;
}

const MIN_PRODUCTION_TOKEN = 32;

/** Production rules of docs/security.md: each a config error naming its variable. */
function checkProduction(env: Env, callers: CallerTokens, publicUrl: string): void {
  const need = (value: string | undefined, variable: string, why: string) => {
    if (value === undefined) throw new ConfigError(variable, why);
  };
  need(env.CODEC_KEYS, 'CODEC_KEYS', 'is required when NODE_ENV=production (the development key ring is public)');
  need(env.WEBHOOK_SECRET, 'WEBHOOK_SECRET', 'is required when NODE_ENV=production (independent of the engine key)');
  need(env.SECRETS_KEY, 'SECRETS_KEY', 'is required when NODE_ENV=production');
  need(
    env.LABEL_SIGNING_KEY,
    'LABEL_SIGNING_KEY',
    'is required when NODE_ENV=production (label URLs are signed with it)',
  );
  if (env.LABEL_SIGNING_KEY === DEV_LABEL_SIGNING_KEY)
    throw new ConfigError('LABEL_SIGNING_KEY', 'must not be the development key when NODE_ENV=production');
  if (env.CODEC_KEYS === DEV_KEY_RING)
    throw new ConfigError('CODEC_KEYS', 'must not be the development key ring when NODE_ENV=production');
  // The webhook key travels in every engine call to it: https, except on loopback (a local measurement).
  if (!publicUrl.startsWith('https://') && !/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/.test(publicUrl))
    throw new ConfigError('PUBLIC_URL', 'must be an https URL when NODE_ENV=production');
  if (env.WEBHOOK_SECRET === env.DELIVERY_ENGINE_API_KEY || env.SECRETS_KEY === env.DELIVERY_ENGINE_API_KEY)
    throw new ConfigError('WEBHOOK_SECRET', 'and SECRETS_KEY must differ from DELIVERY_ENGINE_API_KEY');
  for (const [role, tokens] of Object.entries(callers)) {
    if (tokens.some((t) => t.length < MIN_PRODUCTION_TOKEN))
      throw new ConfigError(
        tokenVariable(env, role as CallerRole),
        `must hold tokens of at least ${MIN_PRODUCTION_TOKEN} characters when NODE_ENV=production`,
      );
  }
}

const ROLE_TOKEN_VARIABLES = {
  vtex: 'VTEX_TOKENS',
  marketplace: 'MARKETPLACE_TOKENS',
  operator: 'OPERATOR_TOKENS',
} as const satisfies Record<CallerRole, keyof Env>;

function tokenVariable(env: Env, role: CallerRole): string {
  const own = ROLE_TOKEN_VARIABLES[role];
  return env[own] ? own : 'INTAKE_TOKEN';
}

/**
 * Production: every caller role has tokens of its own, and no token opens two roles. A token shared
 * by VTEX and Abbiamo would let either create and cancel the other's deliveries (docs/security.md).
 */
function checkOwnTokens(env: Env): void {
  if (env.INTAKE_TOKEN !== undefined)
    throw new ConfigError(
      'INTAKE_TOKEN',
      'must not be set when NODE_ENV=production (one token for every caller): set VTEX_TOKENS, MARKETPLACE_TOKENS and OPERATOR_TOKENS',
    );
  const seen = new Map<string, string>();
  for (const variable of Object.values(ROLE_TOKEN_VARIABLES)) {
    const tokens = splitTokens(env[variable]);
    if (!tokens)
      throw new ConfigError(variable, 'is required when NODE_ENV=production (each caller role its own tokens)');
    for (const token of tokens) {
      const other = seen.get(token);
      if (other !== undefined && other !== variable)
        throw new ConfigError(variable, `must not share a token with ${other} (each caller role its own tokens)`);
      seen.set(token, variable);
    }
  }
}

function splitTokens(text: string | undefined): string[] | undefined {
  const tokens = text
    ?.split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
  return tokens && tokens.length > 0 ? tokens : undefined;
}

/**
 * Resolves the full configuration. `sandboxUrls` are the base URLs of sandboxes started for the
 * systems left unset; a system with neither is a configuration error naming its variable.
 */
export function resolveConfig(env: Env, sandboxUrls: SandboxUrls = {}): ServiceConfig {
  const sandboxed = sandboxedSystems(env);
  const isSandbox = (s: ExternalSystem) => sandboxed.includes(s);
  if (env.NODE_ENV === 'production' && sandboxed.length > 0) {
    const missing = {
      vtex: 'VTEX_TRACKING_URL',
      deliveryEngine: 'DELIVERY_ENGINE_URL',
      abbiamo: 'MARKETPLACE_URL',
    };
    throw new ConfigError(
      missing[sandboxed[0]!],
      'is required when NODE_ENV=production (sandboxes are for development)',
    );
  }

  const need = <T>(value: T | undefined, variable: string, why: string): T => {
    if (value === undefined) throw new ConfigError(variable, why);
    return value;
  };

  // VTEX: both URLs set, or both left to the sandbox; half-configured is an error.
  let trackingUrl: string;
  let authUrl: string;
  if (isSandbox('vtex')) {
    trackingUrl = need(sandboxUrls.vtex, 'VTEX_TRACKING_URL', 'is not set and no VTEX sandbox is running');
    authUrl = trackingUrl;
  } else {
    trackingUrl = need(env.VTEX_TRACKING_URL, 'VTEX_TRACKING_URL', 'must be set together with VTEX_AUTH_URL');
    authUrl = need(env.VTEX_AUTH_URL, 'VTEX_AUTH_URL', 'must be set together with VTEX_TRACKING_URL');
  }
  const vtexApiKey = isSandbox('vtex')
    ? (env.VTEX_API_KEY ?? SANDBOX_DEFAULTS.vtexApiKey)
    : need(env.VTEX_API_KEY, 'VTEX_API_KEY', 'is required when VTEX_TRACKING_URL is set');
  const vtexCarrierId = isSandbox('vtex')
    ? (env.VTEX_CARRIER_ID ?? SANDBOX_DEFAULTS.vtexCarrierId)
    : need(env.VTEX_CARRIER_ID, 'VTEX_CARRIER_ID', 'is required when VTEX_TRACKING_URL is set');

  const engineUrl = isSandbox('deliveryEngine')
    ? need(sandboxUrls.deliveryEngine, 'DELIVERY_ENGINE_URL', 'is not set and no Delivery Engine sandbox is running')
    : env.DELIVERY_ENGINE_URL!;
  const engineApiKey = isSandbox('deliveryEngine')
    ? (env.DELIVERY_ENGINE_API_KEY ?? SANDBOX_DEFAULTS.deliveryEngineApiKey)
    : need(env.DELIVERY_ENGINE_API_KEY, 'DELIVERY_ENGINE_API_KEY', 'is required when DELIVERY_ENGINE_URL is set');
  const engineSigningSecret = isSandbox('deliveryEngine')
    ? (env.DELIVERY_ENGINE_WEBHOOK_SECRET ?? SANDBOX_DEFAULTS.deliveryEngineWebhookSecret)
    : need(
        env.DELIVERY_ENGINE_WEBHOOK_SECRET,
        'DELIVERY_ENGINE_WEBHOOK_SECRET',
        'is required when DELIVERY_ENGINE_URL is set (Instaleap gives it with the webhook registration)',
      );
  const storeReference = isSandbox('deliveryEngine')
    ? (env.DELIVERY_ENGINE_STORE_REFERENCE ?? SANDBOX_DEFAULTS.deliveryEngineStoreReference)
    : need(
        env.DELIVERY_ENGINE_STORE_REFERENCE,
        'DELIVERY_ENGINE_STORE_REFERENCE',
        'is required when DELIVERY_ENGINE_URL is set',
      );

  const abbiamoUrl = isSandbox('abbiamo')
    ? need(sandboxUrls.abbiamo, 'MARKETPLACE_URL', 'is not set and no Abbiamo sandbox is running')
    : env.MARKETPLACE_URL!;
  const abbiamoCarrierKey = isSandbox('abbiamo')
    ? (env.MARKETPLACE_CARRIER_KEY ?? SANDBOX_DEFAULTS.abbiamoCarrierKey)
    : need(env.MARKETPLACE_CARRIER_KEY, 'MARKETPLACE_CARRIER_KEY', 'is required when MARKETPLACE_URL is set');

  const roleTokens = {
    vtex: splitTokens(env.VTEX_TOKENS),
    marketplace: splitTokens(env.MARKETPLACE_TOKENS),
    operator: splitTokens(env.OPERATOR_TOKENS),
  };
  const everyRoleHasTokens = Object.values(roleTokens).every((t) => t !== undefined);
  // Production names each role's own variable before any fallback to the development token.
  if (env.NODE_ENV === 'production') checkOwnTokens(env);
  const intakeToken =
    sandboxed.length > 0
      ? (env.INTAKE_TOKEN ?? SANDBOX_DEFAULTS.intakeToken)
      : everyRoleHasTokens
        ? (env.INTAKE_TOKEN ?? '')
        : need(env.INTAKE_TOKEN, 'INTAKE_TOKEN', 'is required when no sandbox is running');
  const callers: CallerTokens = {
    vtex: roleTokens.vtex ?? [intakeToken],
    marketplace: roleTokens.marketplace ?? [intakeToken],
    operator: roleTokens.operator ?? [intakeToken],
  };
  // The well-known dev token opens nothing outside the sandboxes.
  for (const [role, tokens] of Object.entries(callers)) {
    if (sandboxed.length === 0 && tokens.includes(SANDBOX_DEFAULTS.intakeToken))
      throw new ConfigError(
        tokenVariable(env, role as CallerRole),
        'must not hold the development token outside sandbox mode',
      );
  }
  const publicUrl = env.PUBLIC_URL ?? `http://127.0.0.1:${env.PORT}`;
  if (env.NODE_ENV === 'production') checkProduction(env, callers, publicUrl);
  if ((env.TEMPORAL_TLS_CERT === undefined) !== (env.TEMPORAL_TLS_KEY === undefined))
    throw new ConfigError(
      env.TEMPORAL_TLS_CERT ? 'TEMPORAL_TLS_KEY' : 'TEMPORAL_TLS_CERT',
      'must be set together with its pair (TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY: mutual TLS)',
    );
  const { codecKeys, temporalSecurity } = resolveTemporalAccess(env);

  return {
    env: env.NODE_ENV,
    logLevel: env.LOG_LEVEL,
    port: env.PORT,
    publicUrl,
    intakeToken,
    bodyLimit: env.BODY_LIMIT,
    createAnswerDeadlineMs: env.CREATE_ANSWER_DEADLINE_MS,
    creationGraceMs: env.CREATION_GRACE_MS,
    continueAsNewAfterEvents: env.CONTINUE_AS_NEW_AFTER_EVENTS,
    reportAttentionAfterMs: env.REPORT_ATTENTION_AFTER_MS,
    reconcileIntervalMs: env.RECONCILE_INTERVAL,
    sandboxed,
    temporal: {
      address: env.TEMPORAL_ADDRESS,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
    },
    vtex: {
      carrierId: vtexCarrierId,
      apiKey: vtexApiKey,
      trackingUrl,
      authUrl,
      notFoundRetryAttempts: env.VTEX_NOT_FOUND_RETRY_ATTEMPTS,
    },
    deliveryEngine: {
      url: engineUrl,
      apiKey: engineApiKey,
      signingSecret: engineSigningSecret,
      // Derived from the engine key when unset, so keys of open jobs survive restarts.
      jobKeySecret: env.WEBHOOK_SECRET ?? `webhook:${engineApiKey}`,
      storeReference,
      sellerStores: sellerStoresOf(env.DELIVERY_ENGINE_SELLER_STORES),
      operationalModels: splitTokens(env.DELIVERY_ENGINE_OPERATIONAL_MODELS) ?? ['FULL_SERVICE'],
      slotSizeMinutes: env.DELIVERY_ENGINE_SLOT_SIZE_MINUTES,
      rateCard: loadRateCard(env.RATE_CARD_FILE),
    },
    abbiamo: {
      url: abbiamoUrl,
      carrierKey: abbiamoCarrierKey,
      confirmationTimeoutMs: env.MARKETPLACE_CONFIRMATION_TIMEOUT_MS,
    },
    // Derived when unset, like the webhook secret: stable across restarts for open deliveries.
    secretsKey: env.SECRETS_KEY ?? `secrets:${env.WEBHOOK_SECRET ?? engineApiKey}`,
    labels: {
      signingKey: env.LABEL_SIGNING_KEY ?? DEV_LABEL_SIGNING_KEY,
      urlTtlMs: env.LABEL_URL_TTL,
      carrierName: env.LABEL_CARRIER_NAME,
      ...(env.LABEL_CARRIER_LOGO ? { logoPath: env.LABEL_CARRIER_LOGO } : {}),
    },
    worker: {
      maxCachedWorkflows: env.WORKER_MAX_CACHED_WORKFLOWS,
      maxConcurrentWorkflowTaskExecutions: env.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    },
    codecKeys,
    codecPlaintext: env.CODEC_PLAINTEXT ?? (env.NODE_ENV === 'production' ? 'refuse' : 'pass'),
    callers,
    host: env.HOST,
    temporalSecurity,
    tracing: {
      endpoint:
        env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
        (env.OTEL_EXPORTER_OTLP_ENDPOINT ? `${env.OTEL_EXPORTER_OTLP_ENDPOINT}/v1/traces` : undefined),
      serviceName: env.OTEL_SERVICE_NAME,
    },
    metrics: { apiPort: env.API_METRICS_PORT, countIntervalMs: env.METRICS_COUNT_INTERVAL_MS },
  };
}

function sellerStoresOf(text: string | undefined): Record<string, string> {
  const pairs = (splitTokens(text) ?? []).map((pair) => pair.split('=').map((p) => p.trim()) as [string, string]);
  return Object.fromEntries(pairs);
}

/** The rate card file, parsed; any fault is a config error naming RATE_CARD_FILE and what is wrong. */
export function loadRateCard(file: string): RateCard {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError('RATE_CARD_FILE', `cannot be read as JSON (${file}): ${(err as Error).message}`);
  }
  const parsed = RateCard.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError('RATE_CARD_FILE', `(${file}) ${issue.path.join('.') || '(file)'}: ${issue.message}`);
  }
  return parsed.data;
}

/** What a Temporal client of ours needs (operator CLI, codec server): address, keys, TLS. */
export interface TemporalAccess {
  address: string;
  namespace: string;
  codecKeys: CodecKey[];
  temporalSecurity: TemporalSecurity;
}

/** For the tools that are not the service: the same key ring and connection rules as the service. */
export function resolveTemporalAccess(env: Env, defaultAddress = '127.0.0.1:7233'): TemporalAccess {
  if (env.NODE_ENV === 'production' && !env.CODEC_KEYS)
    throw new ConfigError('CODEC_KEYS', 'is required when NODE_ENV=production (the development key ring is public)');
  let codecKeys: CodecKey[];
  try {
    codecKeys = parseKeyRing(env.CODEC_KEYS ?? DEV_KEY_RING);
  } catch (err) {
    if (err instanceof KeyRingError) throw new ConfigError('CODEC_KEYS', err.message);
    throw err;
  }
  return {
    address: env.TEMPORAL_ADDRESS ?? defaultAddress,
    namespace: env.TEMPORAL_NAMESPACE,
    codecKeys,
    temporalSecurity: {
      ...parseTlsFiles(env),
      serverName: env.TEMPORAL_TLS_SERVER_NAME,
      apiKey: env.TEMPORAL_API_KEY,
    },
  };
}

export interface CodecServerConfig {
  codecKeys: CodecKey[];
  operatorTokens: string[];
  corsOrigins: string[];
  port: number;
  host: string;
  /** Express's `trust proxy` for the TLS proxy in front (CODEC_TRUST_PROXY); unset: none. */
  trustProxy?: string | number;
}

/** The codec server's own settings: the key ring, the operators' tokens, the Web UI's origins. */
export function resolveCodecServer(env: Env): CodecServerConfig {
  const { codecKeys } = resolveTemporalAccess(env);
  const own = splitTokens(env.OPERATOR_TOKENS);
  const variable = own ? 'OPERATOR_TOKENS' : 'INTAKE_TOKEN';
  // Production signs operators in with their own tokens only, never a token shared with the platforms.
  const operatorTokens =
    own ??
    (env.NODE_ENV === 'production'
      ? undefined
      : env.INTAKE_TOKEN
        ? [env.INTAKE_TOKEN]
        : [SANDBOX_DEFAULTS.intakeToken]);
  if (!operatorTokens) throw new ConfigError('OPERATOR_TOKENS', 'is required when NODE_ENV=production');
  if (
    env.NODE_ENV === 'production' &&
    operatorTokens.some((t) => t.length < MIN_PRODUCTION_TOKEN || t === SANDBOX_DEFAULTS.intakeToken)
  )
    throw new ConfigError(
      variable,
      `must hold tokens of at least ${MIN_PRODUCTION_TOKEN} characters when NODE_ENV=production`,
    );
  return {
    codecKeys,
    operatorTokens,
    corsOrigins: defaultCorsOrigins(env),
    port: env.CODEC_SERVER_PORT,
    host: env.HOST,
    ...(env.CODEC_TRUST_PROXY === undefined
      ? {}
      : { trustProxy: /^\d+$/.test(env.CODEC_TRUST_PROXY) ? Number(env.CODEC_TRUST_PROXY) : env.CODEC_TRUST_PROXY }),
  };
}

function defaultCorsOrigins(env: Env): string[] {
  return (
    splitTokens(env.CODEC_CORS_ORIGINS) ?? [
      `http://127.0.0.1:${env.TEMPORAL_DEV_UI_PORT}`,
      `http://localhost:${env.TEMPORAL_DEV_UI_PORT}`,
    ]
  );
}

/** The configuration as it may be printed: every secret replaced. */
export function describeConfig(config: ServiceConfig): Record<string, unknown> {
  return {
    env: config.env,
    port: config.port,
    publicUrl: config.publicUrl,
    sandboxed: config.sandboxed,
    temporal: config.temporal,
    vtex: { carrierId: config.vtex.carrierId, trackingUrl: config.vtex.trackingUrl, authUrl: config.vtex.authUrl },
    deliveryEngine: {
      url: config.deliveryEngine.url,
      storeReference: config.deliveryEngine.storeReference,
      sellerStores: config.deliveryEngine.sellerStores,
      operationalModels: config.deliveryEngine.operationalModels,
      rateCardCurrency: config.deliveryEngine.rateCard.currency,
    },
    abbiamo: { url: config.abbiamo.url, confirmationTimeoutMs: config.abbiamo.confirmationTimeoutMs },
    createAnswerDeadlineMs: config.createAnswerDeadlineMs,
    // Ids only: which keys and how many tokens, never their values.
    codecKeyIds: config.codecKeys.map((k) => k.id),
    callerTokens: Object.fromEntries(Object.entries(config.callers).map(([role, t]) => [role, t.length])),
    temporalTls: config.temporalSecurity.tls,
    traces: tracesDestination(config.tracing.endpoint),
  };
}

/** Where traces go, as it may be printed: the URL without user or query (they may hold a credential). */
export function tracesDestination(endpoint: string | undefined): string {
  if (!endpoint) return 'off';
  const url = new URL(endpoint);
  return `${url.origin}${url.pathname}`;
}
