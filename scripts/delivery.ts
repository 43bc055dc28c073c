/**
 * Operators' command line: `npm run delivery -- <command> <serviceId> [...]`. Talks to Temporal
 * directly (signals and queries), like the Web UI, and prints the delivery's state after each change.
 */
import { randomUUID } from 'node:crypto';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { Command, CommanderError } from 'commander';
import type { JobEvent } from '../contracts/deliveryEngine';
import { KNOWN_EVENT_TYPES } from '../contracts/deliveryEngine';
import { cancelSignal, carrierEventSignal, pauseSignal } from '../workflows/messages';
import type { DeliveryView } from '../contracts/delivery';
import { readDeliveryView } from '../api/readDelivery';
import { parseEnv, resolveTemporalAccess } from '../config';
import { connectTemporalClient } from '../security/temporalClient';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

class UnknownDelivery extends Error {}

async function stateOf(client: Client, serviceId: string): Promise<DeliveryView> {
  const handle = client.workflow.getHandle(serviceId);
  try {
    const description = await handle.describe();
    return await readDeliveryView(handle, description.status.name === 'RUNNING');
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      throw new UnknownDelivery(
        `No delivery ${serviceId} in this namespace (check the id, TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE).`,
      );
    throw err;
  }
}

function print(io: CliIo, view: DeliveryView): void {
  io.out(
    `${view.serviceId}  ${view.status}${view.paused ? ' (paused)' : ''}  phase ${view.phase}${view.needsAttention ? '  NEEDS ATTENTION' : ''}`,
  );
  io.out(
    `  order ${view.orderId}  carrier ${view.carrierId}  platform ${view.platform}${view.routeId ? `  route ${view.routeId}` : ''}`,
  );
  if (view.job) io.out(`  job ${view.job.jobId}  slot ${view.job.slotId}  tracking ${view.job.trackingUrl}`);
  if (view.lastError) io.out(`  last error: ${view.lastError}`);
  io.out(`  pending reports ${view.pendingReports}, run ${view.run}`);
  for (const entry of view.timeline.slice(-10)) io.out(`  ${entry.at}  ${entry.kind.padEnd(8)} ${entry.message}`);
}

/** Signals, then waits until the workflow has handled it, so the printed state shows the change. */
async function signalAndShow(client: Client, io: CliIo, serviceId: string, send: () => Promise<void>): Promise<void> {
  const before = await stateOf(client, serviceId);
  if (before.phase === 'ended')
    throw new UnknownDelivery(`Delivery ${serviceId} already ended ${before.status}; nothing to change.`);
  await send();
  // The workflow notes every command in its timeline: wait for that (or 10 s) before printing.
  const lastBefore = before.timeline.at(-1)?.at;
  let view = before;
  for (let i = 0; i < 100; i += 1) {
    await new Promise((r) => setTimeout(r, 100));
    view = await stateOf(client, serviceId);
    if (
      view.phase === 'ended' ||
      view.timeline.some(
        (t) =>
          (lastBefore === undefined || t.at > lastBefore) &&
          (t.kind === 'platform' || t.kind === 'event' || t.kind === 'error'),
      )
    )
      break;
  }
  print(io, view);
}

export async function runDeliveryCli(
  argv: string[],
  connect: () => Promise<Client>,
  io: CliIo = { out: console.log, err: console.error },
): Promise<number> {
  let client: Client | undefined;
  const getClient = async () => (client ??= await connect());
  const program = new Command('delivery')
    .description('Operate delivery workflows through Temporal (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE).')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });

  program
    .command('status')
    .description("print a delivery's state from its workflow")
    .argument('<serviceId>')
    .action(async (serviceId: string) => print(io, await stateOf(await getClient(), serviceId)));

  /** pause, resume and cancel: one signal each, with a reason. */
  const signalCommand = (
    name: string,
    description: string,
    defaultReason: string,
    send: (handle: ReturnType<Client['workflow']['getHandle']>, reason: string) => Promise<void>,
  ) =>
    program
      .command(name)
      .description(description)
      .argument('<serviceId>')
      .option('-r, --reason <text>', 'why', defaultReason)
      .action(async (serviceId: string, opts: { reason: string }) => {
        const c = await getClient();
        await signalAndShow(c, io, serviceId, () => send(c.workflow.getHandle(serviceId), opts.reason));
      });
  signalCommand(
    'pause',
    'hold the job in the Delivery Engine (as VTEX Pause service with pause: true)',
    'Paused by an operator',
    (h, reason) => h.signal(pauseSignal, { pause: true, reason }),
  );
  signalCommand('resume', 'release a paused job', 'Resumed by an operator', (h, reason) =>
    h.signal(pauseSignal, { pause: false, reason }),
  );
  signalCommand(
    'cancel',
    'cancel the job in the Delivery Engine and end the delivery CANCELED',
    'Canceled by an operator',
    (h, reason) => h.signal(cancelSignal, { reason }),
  );

  program
    .command('event')
    .description(
      `inject a carrier event, as if the Delivery Engine had sent it (types: ${KNOWN_EVENT_TYPES.join(', ')})`,
    )
    .argument('<serviceId>')
    .argument('<type>', 'event type')
    .option('-r, --reason <text>', 'reason (INCIDENT, REFUSED, ON_HOLD, CANCELLED...)')
    .option('--driver <id:name>', 'resource of ALLOCATED / RE_ALLOCATED, as id:name')
    .option('--note <text>', 'a COMMENT note to post with it')
    .action(async (serviceId: string, type: string, opts: { reason?: string; driver?: string; note?: string }) => {
      const c = await getClient();
      const view = await stateOf(c, serviceId);
      if (!view.job) throw new UnknownDelivery(`Delivery ${serviceId} has no job yet; events need one.`);
      const [driverId, ...name] = (opts.driver ?? '').split(':');
      const event: JobEvent = {
        id: `operator-${randomUUID()}`,
        type: type.toUpperCase(),
        created_at: new Date().toISOString(),
        job: { id: view.job.jobId, client_reference: view.clientReference ?? view.orderId },
        ...(opts.reason ? { reason: opts.reason } : {}),
        ...(driverId && name.length ? { resource: { id: driverId, name: name.join(':') } } : {}),
        ...(opts.note ? { notes: [{ type: 'COMMENT' as const, note: opts.note, author: 'Operator' }] } : {}),
      };
      if (!(KNOWN_EVENT_TYPES as readonly string[]).includes(event.type))
        io.err(`note: ${event.type} is not a known event type; it is recorded but not reported`);
      await signalAndShow(c, io, serviceId, () => c.workflow.getHandle(serviceId).signal(carrierEventSignal, event));
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof UnknownDelivery) {
      io.err(err.message);
      return 2;
    }
    io.err(`error: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    await client?.connection.close();
  }
}

if (require.main === module) {
  // The service's key ring and TLS settings: the CLI reads and writes encrypted payloads like the worker.
  const access = resolveTemporalAccess(parseEnv());
  void runDeliveryCli(process.argv.slice(2), () => connectTemporalClient(access, { connectTimeout: 5000 })).then(
    (code) => {
      process.exitCode = code;
    },
  );
}
