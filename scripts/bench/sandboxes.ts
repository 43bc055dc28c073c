/**
 * The sandboxes of the benchmarks, in a process of their own: VTEX, the Delivery Engine and the
 * Abbiamo at zero latency (no faults), as `npm run sandbox -- all` runs them, plus one thing for
 * the bench: every tracking hook call VTEX takes is told to the bench process over the IPC channel
 * (when it arrived, for which service), so a life's next event can follow its previous call
 * without polling the sandbox.
 *
 * Env: VTEX_API_KEY, DELIVERY_ENGINE_API_KEY, DELIVERY_ENGINE_WEBHOOK_SECRET. Sends {kind: 'ready', vtex, engine, abbiamo}.
 */
import type http from 'node:http';
import { performance } from 'node:perf_hooks';
import { createLogger } from '../../observability/logger';
import { createDeliveryEngineApp, createAbbiamoApp, createVtexApp, listen } from '../../sandboxes';
import { required } from './env';

/** A tracking hook call VTEX took (or refused), as the bench hears of it. */
export interface VtexCallSeen {
  kind: 'vtex-call';
  method: string;
  /** patch, notes, evidences, labels, cancel, on-hold */
  hook: string;
  serviceId: string;
  status: number;
  /** epoch ms the request arrived, sub-millisecond */
  at: number;
}

async function main(): Promise<void> {
  const logger = createLogger({ level: 'silent' });
  const vtex = createVtexApp({ apiKey: required('VTEX_API_KEY'), logger });
  // No webhook URL registered: the bench sends the engine's events itself (scripts/bench/deliveries.ts).
  const engine = createDeliveryEngineApp({
    apiKey: required('DELIVERY_ENGINE_API_KEY'),
    webhookSecret: required('DELIVERY_ENGINE_WEBHOOK_SECRET'),
    logger,
  });
  const abbiamo = createAbbiamoApp({ logger });

  const observed: http.RequestListener = (req, res) => {
    const at = performance.timeOrigin + performance.now();
    const path = (req.url ?? '').split('?')[0]!;
    if (req.method !== 'GET' && path.startsWith('/tracking/hook/')) {
      res.once('finish', () => {
        const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
        const seen: VtexCallSeen = {
          kind: 'vtex-call',
          method: req.method!,
          hook: parts.length === 5 ? parts[2]! : 'patch',
          serviceId: parts[parts.length - 1]!,
          status: res.statusCode,
          at,
        };
        process.send?.(seen);
      });
    }
    vtex.app(req, res);
  };

  const servers = [await listen(observed), await listen(engine.app), await listen(abbiamo.app)];
  const [vtexServer, engineServer, abbiamoServer] = servers;
  const stop = async () => {
    engine.sandbox.stop();
    await Promise.all(servers.map((s) => s.close()));
    process.disconnect?.();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  process.send?.({
    kind: 'ready',
    vtex: vtexServer!.url,
    engine: engineServer!.url,
    abbiamo: abbiamoServer!.url,
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
