/** scripts/sandbox.ts: the runner starts the chosen sandboxes with the given credentials and stops them. */
import pino from 'pino';
import { SANDBOX_DEFAULTS } from '../../config';
import { startSandboxes } from '../../scripts/sandbox';
import { call } from './support/http';

const base = {
  intake: { url: 'http://127.0.0.1:9', token: SANDBOX_DEFAULTS.intakeToken },
  vtexApiKey: SANDBOX_DEFAULTS.vtexApiKey,
  vtexCarrierId: SANDBOX_DEFAULTS.vtexCarrierId,
  engineApiKey: SANDBOX_DEFAULTS.deliveryEngineApiKey,
  engineWebhookSecret: SANDBOX_DEFAULTS.deliveryEngineWebhookSecret,
  logger: pino({ level: 'silent' }),
};

test('all starts VTEX, engine and Abbiamo, each healthy and using the sandbox credentials; close stops them', async () => {
  const running = await startSandboxes({ ...base, which: 'all', port: 0 });
  try {
    expect(running.map((r) => r.name)).toEqual(['vtex', 'engine', 'abbiamo']);
    for (const r of running) expect((await call('GET', `${r.url}/_sandbox/health`)).body.status).toBe('ok');
    const [vtex, engine] = running;
    expect((await call('POST', `${vtex!.url}/token`, { body: { apiKey: SANDBOX_DEFAULTS.vtexApiKey } })).status).toBe(
      200,
    );
    const authorized = await call('GET', `${engine!.url}/jobs/nope`, {
      headers: { 'x-api-key': SANDBOX_DEFAULTS.deliveryEngineApiKey },
    });
    expect(authorized.status).toBe(404);
  } finally {
    await Promise.all(running.map((r) => r.close()));
  }
  await expect(call('GET', `${running[0]!.url}/_sandbox/health`, { timeoutMs: 1000 })).rejects.toThrow();
});

test('one sandbox alone listens where asked', async () => {
  const [engine] = await startSandboxes({ ...base, which: 'engine', port: 0 });
  try {
    expect(engine!.name).toBe('engine');
    expect((await call('GET', `${engine!.url}/_sandbox/health`)).body.sandbox).toBe('delivery-engine');
  } finally {
    await engine!.close();
  }
});
