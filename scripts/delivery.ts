/**
 * Operators' command line: `npm run delivery -- <command> [...]`. Talks to Temporal directly
 * (signals, queries, visibility, batch operations, the reconcile Schedule), like the Web UI, and
 * prints the delivery's state after each change. The commands shared with the HTTP routes go
 * through the same desk (api/operatorDesk.ts); docs/runbook.md "Operators" shows an operator's day.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { type Client, ScheduleNotFoundError, ScheduleOverlapPolicy, WorkflowNotFoundError } from '@temporalio/client';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import type { z } from 'zod';
import { fieldErrors } from '../contracts/common';
import {
  BULK_ACTIONS,
  BulkRequest,
  Duration,
  ForceableStatus,
  OperatorCommandRequest,
  type ReconcileResult,
} from '../contracts/operations';
import { HttpError } from '../api/errors';
import { OperatorDesk, type BatchState } from '../api/operatorDesk';
import type { JobEvent } from '../contracts/deliveryEngine';
import { MAPPED_EVENT_TYPES, TIMELINE_EVENT_TYPES, isTaskReset } from '../contracts/jobEventTypes';
import { cancelSignal, carrierEventSignal, pauseSignal } from '../workflows/messages';
import type { DeliveryView } from '../contracts/delivery';
import { readDeliveryView } from '../api/readDelivery';
import { parseEnv, resolveTemporalAccess } from '../config';
import { connectTemporalClient } from '../security/temporalClient';
import { reconcileScheduleId } from './temporal-setup';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

class UnknownDelivery extends Error {}

/** A value the operator typed that the shared schema refuses: exit 2 with the field and why. */
function parsed<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success)
    throw new UnknownDelivery(
      fieldErrors(result.error)
        .map((e) => `${e.path}: ${e.message}`)
        .join('; '),
    );
  return result.data;
}

/** Who runs the command line, as the timeline says it (override with --by). */
function defaultOperator(): string {
  let user = process.env.USER ?? 'operator';
  try {
    user = os.userInfo().username;
  } catch {
    // no passwd entry (a container): $USER
  }
  return `${user}@${os.hostname()}`;
}

function printBatch(io: CliIo, batch: BatchState): void {
  io.out(
    `${batch.jobId}  ${batch.state}  ${batch.operation}: ${batch.completed} done, ${batch.failed} failed of ${batch.total}`,
  );
  io.out(
    `  by ${batch.identity ?? '?'}  started ${batch.startedAt ?? '?'}${batch.closedAt ? `  closed ${batch.closedAt}` : ''}`,
  );
  if (batch.reason) io.out(`  why: ${batch.reason}`);
}

async function followBatch(desk: OperatorDesk, jobId: string, timeoutMs = 120_000): Promise<BatchState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const batch = await desk.batch(jobId);
    if (batch.state !== 'RUNNING' || Date.now() > deadline) return batch;
    await new Promise((r) => setTimeout(r, 500));
  }
}

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
          (t.kind === 'platform' || t.kind === 'event' || t.kind === 'error' || t.kind === 'note'),
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
  const getDesk = async () => new OperatorDesk(await getClient());
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
    send: (handle: ReturnType<Client['workflow']['getHandle']>, reason: string, by: string) => Promise<void>,
  ) =>
    program
      .command(name)
      .description(description)
      .argument('<serviceId>')
      .option('-r, --reason <text>', 'why', defaultReason)
      .option('--by <name>', 'who, as the timeline says it', defaultOperator())
      .action(async (serviceId: string, opts: { reason: string; by: string }) => {
        const c = await getClient();
        await signalAndShow(c, io, serviceId, () => send(c.workflow.getHandle(serviceId), opts.reason, opts.by));
      });
  signalCommand(
    'pause',
    'hold the job in the Delivery Engine (as VTEX Pause service with pause: true)',
    'Paused by an operator',
    (h, reason, by) => h.signal(pauseSignal, { pause: true, reason, by }),
  );
  signalCommand('resume', 'release a paused job', 'Resumed by an operator', (h, reason, by) =>
    h.signal(pauseSignal, { pause: false, reason, by }),
  );
  signalCommand(
    'cancel',
    'cancel the job in the Delivery Engine and end the delivery CANCELED',
    'Canceled by an operator (the platform is told)',
    (h, reason, by) => h.signal(cancelSignal, { reason, by }),
  );

  /** resend, force-status, clear-flag: an operator command, with who and why, then the state. */
  const operatorCommand = (
    name: string,
    description: string,
    request: (why: string, extra: string | undefined) => unknown,
    extraArgument?: string,
  ) => {
    const command = program.command(name).description(description).argument('<serviceId>');
    if (extraArgument) command.argument(extraArgument);
    return command
      .requiredOption('-w, --why <text>', "why (written in the delivery's timeline)")
      .option('--by <name>', 'who, as the timeline says it', defaultOperator())
      .action(async (serviceId: string, ...rest: unknown[]) => {
        const extra = extraArgument ? (rest[0] as string) : undefined;
        const opts = rest[extraArgument ? 1 : 0] as { why: string; by: string };
        const order = parsed(OperatorCommandRequest, request(opts.why, extra));
        const desk = await getDesk();
        await signalAndShow(await getClient(), io, serviceId, () => desk.command(serviceId, order, opts.by));
      });
  };
  operatorCommand('resend', 'send again every report the platform refused (once its cause is fixed)', (why) => ({
    action: 'resend-refused',
    why,
  }));
  operatorCommand(
    'force-status',
    `move the delivery to a status and tell the platform (${ForceableStatus.options.join(', ')})`,
    (why, status) => ({ action: 'force-status', status: status?.toUpperCase(), why }),
    '<status>',
  );
  operatorCommand('clear-flag', 'the delivery was looked at: NeedsAttention back to false', (why) => ({
    action: 'clear-flag',
    why,
  }));

  program
    .command('list')
    .description('open deliveries that made no progress for a while, or are flagged, with the reason')
    .option('--stuck-for <span>', 'no progress for at least this long (30s, 15m, 2h)', '30m')
    .option('--no-flagged', 'leave out flagged deliveries that are not stuck')
    .option(
      '--limit <n>',
      'at most this many',
      (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError('a whole number 1-1000');
        return n;
      },
      100,
    )
    .action(async (opts: { stuckFor: string; flagged: boolean; limit: number }) => {
      const stuckForMs = parsed(Duration, opts.stuckFor);
      const items = await (await getDesk()).attention({ stuckForMs, flagged: opts.flagged, limit: opts.limit });
      io.out(
        `${items.length} deliver${items.length === 1 ? 'y' : 'ies'} need${items.length === 1 ? 's' : ''} an operator`,
      );
      for (const item of items)
        io.out(
          `${item.serviceId}  ${item.status ?? '?'}  ${item.platform ?? '?'}  order ${item.orderId ?? '?'}  last progress ${item.lastProgressAt}  ${item.reason}`,
        );
    });

  program
    .command('bulk')
    .description('cancel, pause or resume every open delivery a visibility query finds, as a Temporal batch operation')
    .argument('<action>', BULK_ACTIONS.join(' | '))
    .requiredOption('-q, --query <query>', 'visibility query, as in the Web UI (e.g. \'DeliveryStatus = "PENDING"\')')
    .requiredOption('-w, --why <text>', "why (written in each delivery's timeline)")
    .option('--by <name>', 'who, as the timeline says it', defaultOperator())
    .option('--wait', 'follow the batch job until it ends')
    .action(async (action: string, opts: { query: string; why: string; by: string; wait?: boolean }) => {
      const request = parsed(BulkRequest, { action, query: opts.query, why: opts.why });
      const desk = await getDesk();
      const started = await desk.bulk(request, opts.by);
      io.out(
        `batch job ${started.jobId}: ${started.action} on ${started.matched} open deliver${started.matched === 1 ? 'y' : 'ies'}`,
      );
      io.out(`  query: ${started.query}`);
      io.out(`  follow it: npm run delivery -- bulk-status ${started.jobId}`);
      if (opts.wait) printBatch(io, await followBatch(desk, started.jobId));
    });

  program
    .command('bulk-status')
    .description('where a bulk operation (a Temporal batch job) stands')
    .argument('<jobId>')
    .option('--wait', 'follow it until it ends')
    .action(async (jobId: string, opts: { wait?: boolean }) => {
      const desk = await getDesk();
      printBatch(io, opts.wait ? await followBatch(desk, jobId) : await desk.batch(jobId));
    });

  program
    .command('reconcile')
    .description('run drift repair now: trigger the reconcile Schedule of TEMPORAL_TASK_QUEUE')
    .option(
      '--task-queue <name>',
      'the bridge whose deliveries to compare',
      process.env.TEMPORAL_TASK_QUEUE ?? 'deliveries',
    )
    .option('--wait', 'wait for the run and print what it did')
    .action(async (opts: { taskQueue: string; wait?: boolean }) => {
      const c = await getClient();
      const schedule = c.schedule.getHandle(reconcileScheduleId(opts.taskQueue));
      // recentActions keeps the last few only: the run is the first one taken after the trigger.
      const triggeredAt = Date.now() - 1000;
      try {
        // Right after a run in progress, not skipped like a scheduled start that overlaps.
        await schedule.trigger(ScheduleOverlapPolicy.BUFFER_ONE);
      } catch (err) {
        if (err instanceof ScheduleNotFoundError)
          throw new UnknownDelivery(
            `No reconcile schedule ${schedule.scheduleId}: npm start and scripts/temporal-setup.ts create it (check --task-queue)`,
          );
        throw err;
      }
      io.out(`reconcile schedule ${schedule.scheduleId} triggered`);
      if (!opts.wait) return;
      let workflowId: string | undefined;
      for (let i = 0; i < 100 && !workflowId; i += 1) {
        await new Promise((r) => setTimeout(r, 200));
        const { info } = await schedule.describe();
        workflowId = info.recentActions.find((a) => a.takenAt.getTime() >= triggeredAt)?.action.workflow.workflowId;
      }
      if (!workflowId) throw new Error('the triggered run did not show within 20 s');
      io.out(describeRun(await c.workflow.getHandle(workflowId).result()));
    });

  const describeRun = (r: ReconcileResult) =>
    [
      `compared ${r.compared} of ${r.listed} open deliveries (${r.skipped} skipped, ${r.unreadable} unreadable): ` +
        `${r.drifted} drifted, ${r.repaired} repaired, ${r.conflicts} conflicts`,
      ...r.drifts.map((d) => `  ${d.serviceId}: ${d.drift.join('; ')}`),
    ].join('\n');

  program
    .command('event')
    .description(
      `inject an Instaleap event, as if the Delivery Engine had sent it (mapped types: ${MAPPED_EVENT_TYPES.join(', ')}; others are kept in the timeline)`,
    )
    .argument('<serviceId>')
    .argument('<type>', 'event type')
    .option('--driver <id:name>', "the delivery task's resource (ALLOCATED / RE_ALLOCATED), as id:name")
    .action(async (serviceId: string, type: string, opts: { driver?: string }) => {
      const c = await getClient();
      const view = await stateOf(c, serviceId);
      if (!view.job) throw new UnknownDelivery(`Delivery ${serviceId} has no job yet; events need one.`);
      const [driverId, ...name] = (opts.driver ?? '').split(':');
      const event: JobEvent = {
        id: `operator-${randomUUID()}`,
        type: type.toUpperCase(),
        created_at: new Date().toISOString(),
        job: {
          id: view.job.jobId,
          client_reference: view.clientReference ?? view.orderId,
          ...(driverId && name.length
            ? { tasks: [{ id: 'operator-task', type: 'DELIVERY', resource: { id: driverId, name: name.join(':') } }] }
            : {}),
        },
      };
      if (!(MAPPED_EVENT_TYPES as readonly string[]).includes(event.type) && !isTaskReset(event.type))
        io.err(
          (TIMELINE_EVENT_TYPES as readonly string[]).includes(event.type)
            ? `note: ${event.type} is kept in the timeline, not reported`
            : `note: ${event.type} is not a known Instaleap event type; it is kept in the timeline, not reported`,
        );
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
    if (err instanceof HttpError && err.status < 500) {
      io.err(
        `${err.message}${err.details.length ? `: ${err.details.map((d) => `${d.path}: ${d.message}`).join('; ')}` : ''}`,
      );
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
