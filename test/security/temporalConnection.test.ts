/**
 * The one builder of Temporal connection options (API, worker, operator CLI, tests): plain for the
 * dev server; TLS, mutual TLS and API keys from configuration. What a real TLS frontend says is not
 * tested here (the dev server has no TLS): docs/security.md says so.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { parseEnv, resolveTemporalAccess } from '../../config';
import { temporalConnectionOptions } from '../../security/temporalConnection';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tls-'));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};
const cert = file('client.pem', '-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n');
const key = file('client.key', '-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n');
const ca = file('ca.pem', '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n');
const optionsOf = (env: Record<string, string>) => {
  const access = resolveTemporalAccess(parseEnv({ TEMPORAL_ADDRESS: 'temporal.example.com:7233', ...env }));
  return temporalConnectionOptions(access.address, access.temporalSecurity);
};

describe('Temporal connection options from configuration', () => {
  it('connect in plain text when nothing asks for TLS (the dev server)', () => {
    expect(optionsOf({})).toEqual({ address: 'temporal.example.com:7233' });
  });

  it('use mutual TLS with the client certificate and key, the CA and the server name', () => {
    const options = optionsOf({
      TEMPORAL_TLS_CERT: cert,
      TEMPORAL_TLS_KEY: key,
      TEMPORAL_TLS_CA: ca,
      TEMPORAL_TLS_SERVER_NAME: 'frontend.internal',
    });
    expect(options.tls).toEqual({
      serverNameOverride: 'frontend.internal',
      serverRootCACertificate: Buffer.from('-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n'),
      clientCertPair: { crt: expect.any(Buffer), key: expect.any(Buffer) },
    });
  });

  it('use TLS with an API key (Temporal Cloud), and TEMPORAL_TLS=false turns TLS off', () => {
    expect(optionsOf({ TEMPORAL_API_KEY: 'cloud-api-key' })).toEqual({
      address: 'temporal.example.com:7233',
      tls: {},
      apiKey: 'cloud-api-key',
    });
    expect(optionsOf({ TEMPORAL_TLS: 'true' })).toEqual({ address: 'temporal.example.com:7233', tls: {} });
    expect(optionsOf({ TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' })).toEqual({
      address: 'temporal.example.com:7233',
      apiKey: 'k',
    });
  });

  it('name the variable whose file cannot be read', () => {
    expect(() => optionsOf({ TEMPORAL_TLS_CA: path.join(dir, 'missing.pem') })).toThrow(
      /TEMPORAL_TLS_CA cannot be read \(ENOENT\)/,
    );
  });

  it('are accepted by the SDK: a TLS client against the plain dev server fails to connect, a plain one connects', async () => {
    const address = process.env.TEST_TEMPORAL_ADDRESS!;
    const plain = await Connection.connect({ ...temporalConnectionOptions(address), connectTimeout: 3000 });
    await plain.close();
    await expect(
      Connection.connect({ ...temporalConnectionOptions(address, { tls: true, files: {} }), connectTimeout: 1500 }),
    ).rejects.toThrow();
  });
});
