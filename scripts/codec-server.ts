/**
 * The codec server (`npm run codec-server`; `npm start` runs it too): Temporal's codec server
 * protocol, so the Web UI and the CLI show operators decoded payloads while Temporal keeps only
 * ciphertext. `POST /decode` and `POST /encode` (also under `/{namespace}/`, for the CLI's
 * `--codec-endpoint` template) take and answer `{payloads: [{metadata: {k: base64}, data: base64}]}`.
 *
 * Only operators: the operator token as `Authorization: Bearer <token>` (the CLI's `--codec-auth`),
 * or the session cookie `/login` sets for a correct token (the Web UI's "include cross-origin
 * credentials" option sends it): an opaque random id, HttpOnly, SameSite=Strict, Secure when the
 * request came over TLS, that expires after 12 hours and at sign-out, held in this process only. The
 * token never goes into a cookie: the same token runs bulk cancels. Behind a TLS proxy
 * (CODEC_TRUST_PROXY) the proxy's X-Forwarded-Proto and -Host count for the same-origin check and for
 * `Secure`. Without a token or a session `/decode` answers 401, and the UI shows the ciphertext. CORS
 * answers only the UI's origins. It never talks to Temporal: it needs the key ring, not a connection.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { Payload } from '@temporalio/common';
import express, { type Express, type RequestHandler } from 'express';
import { bearerOf, tokenRoles } from '../api/auth';
import { ConfigError, parseEnv, resolveCodecServer, type CodecServerConfig } from '../config';
import { createLogger, type Logger } from '../observability/logger';
import { EncryptionCodec } from '../security/codec';

export const OPERATOR_COOKIE = 'delivery_bridge_session';
/** How long a sign-in lasts: an operator's working day. */
export const SESSION_TTL_MS = 12 * 3600_000;

export interface CodecServerOptions {
  /** The sessions' clock (tests). */
  now?: () => number;
}

/** Signed-in operators: opaque random ids, each with its expiry; nothing of the token is kept. */
class OperatorSessions {
  private readonly expiries = new Map<string, number>();
  constructor(private readonly now: () => number) {}

  open(): string {
    this.prune();
    const id = randomBytes(32).toString('base64url');
    this.expiries.set(id, this.now() + SESSION_TTL_MS);
    return id;
  }

  isOpen(id: string | undefined): boolean {
    if (id === undefined) return false;
    const expiry = this.expiries.get(id);
    if (expiry === undefined) return false;
    if (this.now() < expiry) return true;
    this.expiries.delete(id);
    return false;
  }

  close(id: string | undefined): void {
    if (id !== undefined) this.expiries.delete(id);
  }

  private prune(): void {
    const now = this.now();
    for (const [id, expiry] of this.expiries) if (expiry <= now) this.expiries.delete(id);
  }
}

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

function cookieOf(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

const LOGIN_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>delivery-bridge codec server</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:3em auto">
<h1>Codec server: operator sign-in</h1>
<p>With this cookie, the Temporal Web UI (Codec Server settings: this address, "include cross-origin credentials")
shows decoded delivery data.</p>
<form method="post" action="login"><label>Operator token <input name="token" type="password" size="48" autofocus></label>
<button type="submit">Sign in</button></form></body></html>`;

export function createCodecServer(
  config: CodecServerConfig,
  logger?: Logger,
  options: CodecServerOptions = {},
): Express {
  const codec = new EncryptionCodec(config.codecKeys);
  const roles = tokenRoles({ vtex: [], marketplace: [], operator: config.operatorTokens });
  const isOperator = (token: string | undefined) => token !== undefined && roles(token).has('operator');
  const sessions = new OperatorSessions(options.now ?? Date.now);
  const app = express();
  app.disable('x-powered-by');
  // Forwarded scheme and host are believed from the configured proxy only (CODEC_TRUST_PROXY).
  app.set('trust proxy', config.trustProxy ?? false);

  // CORS for the Web UI's origins only; credentials allowed, so the origin is echoed, never `*`.
  app.use((req, res, next) => {
    const origin = req.get('origin');
    // The sign-in form posts from the codec server's own page: same origin, no CORS needed.
    // Behind the trusted proxy, its scheme and host: the browser's origin is https there.
    const sameOrigin = origin === `${req.protocol}://${req.host}`;
    if (origin && !sameOrigin && config.corsOrigins.includes(origin)) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-credentials', 'true');
      res.setHeader('access-control-allow-methods', 'POST, OPTIONS');
      res.setHeader('access-control-allow-headers', 'content-type, x-namespace, authorization, authorization-extras');
      res.setHeader('access-control-max-age', '600');
      res.setHeader('vary', 'origin');
    } else if (origin && !sameOrigin) {
      res.status(403).json({ error: `Origin ${origin} may not use this codec server`, details: [] });
      return;
    }
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', keys: config.codecKeys.length });
  });
  app.get('/login', (_req, res) => {
    res.type('html').send(LOGIN_PAGE);
  });
  app.post('/login', express.urlencoded({ extended: false, limit: '4kb' }), (req, res) => {
    const token = (req.body as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || !isOperator(token)) {
      res.status(401).type('html').send('<p>Wrong operator token. <a href="login">Try again</a></p>');
      return;
    }
    const secure = req.secure ? '; Secure' : '';
    const maxAge = SESSION_TTL_MS / 1000;
    res.setHeader(
      'set-cookie',
      `${OPERATOR_COOKIE}=${sessions.open()}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAge}${secure}`,
    );
    res.type('html').send('<p>Signed in for 12 hours: the Web UI now shows decoded payloads.</p>');
  });
  app.post('/logout', (req, res) => {
    sessions.close(cookieOf(req.get('cookie'), OPERATOR_COOKIE));
    const secure = req.secure ? '; Secure' : '';
    res.setHeader('set-cookie', `${OPERATOR_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0${secure}`);
    res.json({ status: 'signed out' });
  });

  const operatorOnly: RequestHandler = (req, res, next) => {
    const bearer = bearerOf(req.get('authorization'));
    const allowed =
      bearer !== undefined ? isOperator(bearer) : sessions.isOpen(cookieOf(req.get('cookie'), OPERATOR_COOKIE));
    if (!allowed) {
      res.status(401).json({ error: 'An operator token is required to use the codec', details: [] });
      return;
    }
    next();
  };
  const json = express.json({ limit: '8mb' });
  const convert =
    (direction: 'encode' | 'decode'): RequestHandler =>
    async (req, res) => {
      const payloads = (req.body as { payloads?: unknown } | undefined)?.payloads;
      if (!Array.isArray(payloads)) {
        res.status(400).json({
          error: 'The body must be {payloads: [...]}',
          details: [{ path: 'payloads', message: 'must be an array' }],
        });
        return;
      }
      try {
        const input = (payloads as JsonPayload[]).map(fromJson);
        const output = direction === 'encode' ? await codec.encode(input) : await codec.decode(input);
        res.json({ payloads: output.map(toJson) });
      } catch (err) {
        logger?.warn({ direction, err: (err as Error).message }, 'codec server could not convert payloads');
        res.status(400).json({ error: (err as Error).message, details: [] });
      }
    };
  for (const prefix of ['', '/:namespace']) {
    app.post(`${prefix}/decode`, operatorOnly, json, convert('decode'));
    app.post(`${prefix}/encode`, operatorOnly, json, convert('encode'));
  }
  return app;
}

export interface RunningCodecServer {
  url: string;
  close(): Promise<void>;
}

export async function startCodecServer(
  config: CodecServerConfig,
  logger?: Logger,
  options: CodecServerOptions = {},
): Promise<RunningCodecServer> {
  const server = http.createServer(createCodecServer(config, logger, options));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

if (require.main === module) {
  void (async () => {
    try {
      const env = parseEnv();
      const config = resolveCodecServer(env);
      const logger = createLogger({ level: env.LOG_LEVEL, name: 'codec-server' });
      const running = await startCodecServer(config, logger);
      logger.info(
        { url: running.url, origins: config.corsOrigins, keys: config.codecKeys.map((k) => k.id) },
        'codec server listening',
      );
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void running.close());
    } catch (err) {
      console.error(err instanceof ConfigError ? err.message : err);
      process.exit(1);
    }
  })();
}
