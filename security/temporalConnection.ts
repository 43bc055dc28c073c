/**
 * How every process of ours reaches Temporal (API, worker, operator CLI, codec server, tests):
 * plain on loopback for the dev server; TLS, mutual TLS (client certificate) or an API key
 * (Temporal Cloud) from configuration. One function builds the options, so no process connects
 * differently from the others.
 */
import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';

export interface TemporalTlsFiles {
  /** PEM files: client certificate and key (mTLS), and the server's CA when not a public one. */
  cert?: string;
  key?: string;
  ca?: string;
}

export interface TemporalConnectionSecurity {
  tls: boolean;
  files: TemporalTlsFiles;
  serverName?: string;
  apiKey?: string;
}

export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
}

type TlsEnv = {
  TEMPORAL_TLS?: 'true' | 'false';
  TEMPORAL_TLS_CERT?: string;
  TEMPORAL_TLS_KEY?: string;
  TEMPORAL_TLS_CA?: string;
  TEMPORAL_TLS_SERVER_NAME?: string;
  TEMPORAL_API_KEY?: string;
};

/** TLS is on when asked, or implied by a certificate, a CA, a server name or an API key. */
export function parseTlsFiles(env: TlsEnv): { tls: boolean; files: TemporalTlsFiles } {
  const files: TemporalTlsFiles = { cert: env.TEMPORAL_TLS_CERT, key: env.TEMPORAL_TLS_KEY, ca: env.TEMPORAL_TLS_CA };
  const implied = Boolean(files.cert || files.ca || env.TEMPORAL_TLS_SERVER_NAME || env.TEMPORAL_API_KEY);
  const tls = env.TEMPORAL_TLS === undefined ? implied : env.TEMPORAL_TLS === 'true';
  return { tls, files };
}

/** The connection options of Connection.connect and NativeConnection.connect alike. */
export function temporalConnectionOptions(
  address: string,
  security?: TemporalConnectionSecurity,
): TemporalConnectionOptions {
  if (!security || !security.tls) return { address, ...(security?.apiKey ? { apiKey: security.apiKey } : {}) };
  const read = (file: string, variable: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(`Invalid configuration: ${variable} cannot be read (${(err as NodeJS.ErrnoException).code})`, {
        cause: err,
      });
    }
  };
  const { cert, key, ca } = security.files;
  const tls: TLSConfig = {
    ...(security.serverName ? { serverNameOverride: security.serverName } : {}),
    ...(ca ? { serverRootCACertificate: read(ca, 'TEMPORAL_TLS_CA') } : {}),
    ...(cert && key
      ? { clientCertPair: { crt: read(cert, 'TEMPORAL_TLS_CERT'), key: read(key, 'TEMPORAL_TLS_KEY') } }
      : {}),
  };
  return { address, tls, ...(security.apiKey ? { apiKey: security.apiKey } : {}) };
}
