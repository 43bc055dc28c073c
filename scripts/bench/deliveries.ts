/**
 * The two sides of every measurement, driven the same way: ours over HTTP (VTEX's Create service
 * to our intake, Delivery Engine events to our webhook, VTEX calls heard from the VTEX sandbox),
 * the bare one through the Temporal client (update-with-start, signals, no-op activities heard from
 * the bare worker).
 */
import { randomBytes } from 'node:crypto';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { CONFIRMATION_MARGIN_MS } from '../../contracts/confirmation';
import example from '../../contracts/examples/vtex.create-service.json';
import { DEFAULT_CONFIRMATION_DELAY_MS } from '../../contracts/delivery';
import { signatureFor, webhookKeyFor } from '../../contracts/webhookKey';
import type { SignedJobEvent } from '../../contracts/deliveryEngine';
import { requestJson } from './http';
import { BENCH_CREDENTIALS, type BenchEnvironment } from './stack';
import { bareCreateUpdate, bareDeliveryWorkflow, bareEventSignal, type BareInput } from './bareWorkflows';
import type { VtexCallSeen } from './sandboxes';
import type { ActivityRan } from './bareActivities';
import { now, sleep } from './stats';

const RUN = randomBytes(3).toString('hex');
let sequence = 0;

/** Our workflow's confirmation wait after its Create answer: VTEX's 5 s plus the API's margin; the bare one waits as long. */
export const CONFIRMATION_TIMER_MS = DEFAULT_CONFIRMATION_DELAY_MS + CONFIRMATION_MARGIN_MS;

export function createServiceBody(): Record<string, any> {
  sequence += 1;
  return { ...structuredClone(example), carrierId: BENCH_CREDENTIALS.carrierId, orderId: `BENCH-${RUN}-${sequence}` };
}

export function bareWorkflowId(kind: string): string {
  sequence += 1;
  return `bare-${kind}-${RUN}-${sequence}`;
}

export interface CreateOutcome {
  ok: boolean;
  status: number;
  serviceId?: string;
  orderId: string;
  /** the job's id when the answer carried it (else the answer was PENDING before the job existed) */
  jobId?: string;
  error?: string;
}

/** VTEX's Create service to our intake. */
export async function postCreateService(apiUrl: string, body = createServiceBody()): Promise<CreateOutcome> {
  const orderId = body.orderId as string;
  try {
    const answer = await requestJson(
      'POST',
      `${apiUrl}/vtex/services`,
      body,
      { authorization: `Bearer ${BENCH_CREDENTIALS.vtexToken}` },
      10_000,
    );
    const jobId = answer.body?.metaData?.jobId as string | undefined;
    return {
      ok: answer.status === 200 && typeof answer.body?.serviceId === 'string',
      status: answer.status,
      serviceId: answer.body?.serviceId,
      orderId,
      ...(jobId ? { jobId } : {}),
      ...(answer.status === 200 ? {} : { error: JSON.stringify(answer.body).slice(0, 200) }),
    };
  } catch (err) {
    return { ok: false, status: 0, orderId, error: (err as Error).message };
  }
}

/** The bare Create service: update-with-start, the update waiting for one no-op activity. */
export async function bareCreate(
  env: BenchEnvironment,
  taskQueue: string,
  workflowId: string,
  input: BareInput,
): Promise<void> {
  const startWorkflowOperation = new WithStartWorkflowOperation(bareDeliveryWorkflow, {
    workflowId,
    taskQueue,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  await env.client.workflow.executeUpdateWithStart(bareCreateUpdate, { startWorkflowOperation });
}

export async function bareSignal(env: BenchEnvironment, workflowId: string, seq: number): Promise<void> {
  await env.client.workflow.getHandle(workflowId).signal(bareEventSignal, { seq });
}

/** An open delivery of ours, as the engine knows it. */
export interface OurDelivery {
  serviceId: string;
  orderId: string;
  jobId: string;
}

/** The job of a delivery: from the Create answer, else from the engine sandbox once it exists. */
export async function jobOf(env: BenchEnvironment, created: CreateOutcome, timeoutMs = 60_000): Promise<OurDelivery> {
  if (!created.ok || !created.serviceId)
    throw new Error(`Create service failed: ${created.status} ${created.error ?? ''}`);
  let jobId = created.jobId;
  const deadline = Date.now() + timeoutMs;
  while (!jobId) {
    const jobs = await requestJson<Array<{ id: string }>>(
      'GET',
      `${env.urls.engine}/_sandbox/jobs?client_reference=${encodeURIComponent(created.serviceId)}`,
    );
    jobId = jobs.body[0]?.id;
    if (jobId) break;
    if (Date.now() > deadline) throw new Error(`no job for ${created.orderId} after ${timeoutMs} ms`);
    await sleep(100);
  }
  return { serviceId: created.serviceId, orderId: created.orderId, jobId };
}

/**
 * The six engine events of a life, each worth exactly one VTEX call (a PATCH): the driver, picked,
 * on route, two new etas on the way, and the delivery (CLIENT_RECEIVED, which ends the workflow).
 */
export const LIFE_EVENT_TYPES = [
  'ALLOCATED',
  'PICKING_FINISHED',
  'GOING_TO_DESTINATION_STARTED',
  'ARRIVED_TO_DESTINATION',
  'DELIVERING_STARTED',
  'CLIENT_RECEIVED',
] as const;

export function lifeEvent(delivery: OurDelivery, step: number): SignedJobEvent {
  const type = LIFE_EVENT_TYPES[step - 1]!;
  const at = Date.now();
  const etaMinutes: Record<string, number> = {
    ALLOCATED: 40,
    GOING_TO_DESTINATION_STARTED: 20,
    ARRIVED_TO_DESTINATION: 5,
    DELIVERING_STARTED: 2,
  };
  return {
    id: `${delivery.jobId}-${step}`,
    type,
    created_at: new Date(at).toISOString(),
    job: {
      id: delivery.jobId,
      client_reference: delivery.serviceId,
      tasks: [
        {
          id: `delivery-${delivery.jobId}`,
          type: 'DELIVERY',
          resource: { id: 'courier-1', name: 'Bench Courier', phone_number: '+57 3000000000', vehicle: 'motorcycle' },
        },
      ],
      ...(etaMinutes[type] ? { eta: new Date(at + etaMinutes[type]! * 60_000).toISOString() } : {}),
      external_data: {
        webhook: { key: webhookKeyFor(BENCH_CREDENTIALS.webhookSecret, delivery.serviceId, delivery.serviceId) },
      },
    },
  };
}

/** The engine's webhook call, made by the bench itself: the start of the clock is exact. */
export async function postEvent(apiUrl: string, _delivery: OurDelivery, event: SignedJobEvent): Promise<void> {
  const signature = signatureFor(BENCH_CREDENTIALS.engineWebhookSecret, event);
  for (let attempt = 1; ; attempt += 1) {
    const answer = await requestJson(
      'POST',
      `${apiUrl}/delivery-engine/webhooks`,
      event,
      { 'instaleap-signature': signature },
      10_000,
    );
    if (answer.status === 200) return;
    // The engine retries until it gets a 200; so do we, but a bench that needs it says so.
    if (attempt >= 5)
      throw new Error(`webhook answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 200)}`);
    await sleep(100 * attempt);
  }
}

/**
 * Waits for "the n-th thing that happened to this id": the n-th VTEX call a service got, the n-th
 * bare activity of a workflow. Fed by the IPC messages of the sandboxes and the bare worker.
 */
export class Arrivals {
  private readonly seen = new Map<string, number[]>();
  private readonly waiters = new Map<string, Array<{ n: number; resolve: (at: number) => void }>>();

  add(id: string, at: number): void {
    const list = this.seen.get(id) ?? [];
    list.push(at);
    this.seen.set(id, list);
    const waiting = this.waiters.get(id);
    if (!waiting) return;
    for (const w of [...waiting]) {
      if (list.length >= w.n) {
        w.resolve(list[w.n - 1]!);
        waiting.splice(waiting.indexOf(w), 1);
      }
    }
  }

  count(id: string): number {
    return this.seen.get(id)?.length ?? 0;
  }

  /** The time of the n-th arrival (1-based) for `id`. */
  nth(id: string, n: number, timeoutMs = 60_000): Promise<number> {
    const list = this.seen.get(id);
    if (list && list.length >= n) return Promise.resolve(list[n - 1]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${id}: arrival ${n} not seen within ${timeoutMs} ms (seen ${this.count(id)})`)),
        timeoutMs,
      );
      const waiting = this.waiters.get(id) ?? [];
      waiting.push({
        n,
        resolve: (at) => {
          clearTimeout(timer);
          resolve(at);
        },
      });
      this.waiters.set(id, waiting);
    });
  }
}

/** Successful VTEX tracking calls per serviceId, for the span of one measurement. */
export function trackVtexCalls(env: BenchEnvironment): { arrivals: Arrivals; failed: () => number; stop: () => void } {
  const arrivals = new Arrivals();
  let failed = 0;
  const listener = (seen: VtexCallSeen) => {
    if (seen.status >= 200 && seen.status < 300) arrivals.add(seen.serviceId, seen.at);
    else failed += 1;
  };
  env.vtexCalls.on('vtex-call', listener);
  return { arrivals, failed: () => failed, stop: () => env.vtexCalls.off('vtex-call', listener) };
}

/** Bare activities per workflowId (seq 1..n), for the span of one measurement. */
export function trackBareActivities(env: BenchEnvironment): { arrivals: Arrivals; stop: () => void } {
  const arrivals = new Arrivals();
  const listener = (ran: ActivityRan) => arrivals.add(ran.workflowId, ran.at);
  env.bareActivities.on('activity', listener);
  return { arrivals, stop: () => env.bareActivities.off('activity', listener) };
}

/** Runs `fn` over `items`, `concurrency` at a time. */
export async function forEachConcurrently<T>(
  items: T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
}

export { now };
