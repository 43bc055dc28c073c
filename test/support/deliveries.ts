/** Small steps the integration tests share: a VTEX delivery created through the sandbox, events, calls. */
import example from '../../contracts/examples/vtex.create-service.json';
import type { CallRecord } from '../../sandboxes';
import { deliveryStateQuery, operatorSignal } from '../../workflows/messages';
import { signatureFor } from '../../contracts/webhookKey';
import type { DeliveryView } from '../../contracts/delivery';
import { vtexServiceId } from '../../mapping/ids';
import { TEST_ENGINE_WEBHOOK_SECRET, type TestStack } from './stack';
import { waitFor } from './waitFor';

let seq = 0;

export function createServiceBody(overrides: Record<string, unknown> = {}): Record<string, any> {
  seq += 1;
  return { ...structuredClone(example), orderId: `IT-${process.pid}-${Date.now()}-${seq}`, ...overrides };
}

export interface CreatedDelivery {
  serviceId: string;
  carrierId: string;
  orderId: string;
  jobId: string;
  answeredAt: number;
}

/** VTEX sends Create service; resolves once the job exists (and, by default, VTEX got the first PATCH). */
export async function createVtexDelivery(
  stack: TestStack,
  options: { body?: Record<string, any>; waitFirstReport?: boolean } = {},
): Promise<CreatedDelivery> {
  const body = options.body ?? createServiceBody();
  const result = await stack.vtex.createService(body);
  if (result.status !== 200)
    throw new Error(`Create service answered ${result.status}: ${JSON.stringify(result.body)}`);
  const serviceId = (result.body as { serviceId: string }).serviceId;
  const job = await waitFor(() => stack.engine.jobsByClientReference(vtexServiceId(body.carrierId, body.orderId))[0], {
    what: `the job of ${body.orderId}`,
  });
  const created = {
    serviceId,
    carrierId: body.carrierId as string,
    orderId: body.orderId as string,
    jobId: job.id,
    answeredAt: Date.parse(result.answeredAt),
  };
  if (options.waitFirstReport ?? true) {
    await waitFor(() => stack.vtex.calls({ method: 'PATCH', path: serviceId }).some((c) => c.status === 200), {
      what: 'the first PATCH',
      timeoutMs: 15_000,
    });
  }
  return created;
}

/** The engine sends one event and we wait until our webhook took it (200). */
export async function emit(stack: TestStack, jobId: string, type: string, overrides?: Record<string, unknown>) {
  const event = stack.engine.emit(jobId, type, overrides);
  await stack.engine.idle();
  return event;
}

/** The tracking hook calls VTEX received for one service, in order. */
export function vtexCallsOf(stack: TestStack, serviceId: string): CallRecord[] {
  return stack.vtex.calls({ path: serviceId });
}

/** One line per successful tracking call: "PATCH ASSIGNED", "POST notes", ... */
export function vtexLog(stack: TestStack, serviceId: string): string[] {
  return vtexCallsOf(stack, serviceId)
    .filter((c) => c.status !== null && c.status >= 200 && c.status < 300 && c.method !== 'GET')
    .map((c) => {
      if (c.method === 'PATCH') return `PATCH ${(c.body as { status?: string }).status ?? '-'}`;
      const kind = c.path.split('/')[3];
      return `POST ${kind}`;
    });
}

export async function finalView(stack: TestStack, serviceId: string, timeoutMs = 30_000): Promise<DeliveryView> {
  const handle = stack.bridge.client.workflow.getHandle(serviceId);
  let timer: NodeJS.Timeout | undefined;
  try {
    return (await Promise.race([
      handle.result(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${serviceId} did not end within ${timeoutMs} ms`)), timeoutMs);
      }),
    ])) as DeliveryView;
  } finally {
    clearTimeout(timer);
  }
}

export async function stateOf(stack: TestStack, serviceId: string): Promise<DeliveryView> {
  return stack.bridge.client.workflow.getHandle(serviceId).query(deliveryStateQuery);
}

/** Whether Temporal knows a workflow by that id (running or ended). */
export async function workflowExists(stack: TestStack, serviceId: string): Promise<boolean> {
  try {
    await stack.bridge.client.workflow.getHandle(serviceId).describe();
    return true;
  } catch {
    return false;
  }
}

/**
 * What Instaleap has no event for (INCIDENT, ON_HOLD, RETURNED): an operator's force-status, as the
 * carrier's staff raise it; resolves once the workflow took the signal.
 */
export async function forceStatus(stack: TestStack, serviceId: string, status: string, why = 'carrier staff said so') {
  await stack.bridge.client.workflow
    .getHandle(serviceId)
    .signal(operatorSignal, { action: 'force-status', status: status as never, by: 'ops@test', why });
}

/** Event overrides putting a driver on the job's delivery task (Instaleap's `tasks[].resource`). */
export function withDriver(resource: string | { id: string; name?: string; phone_number?: string; vehicle?: string }) {
  return { job: { tasks: [{ id: 'delivery-task', type: 'DELIVERY', state: 'ASSIGNED', resource }] } };
}

/** Event overrides putting proof of delivery on the job. */
export function withEvidences(evidences: Array<{ type: 'IMAGE' | 'TEXT'; content: string; author?: string | null }>) {
  return { job: { evidences } };
}

/** The event as Instaleap signs it, posted to our webhook by hand (the sandbox's secret and the job's key). */
export async function postSignedEvent(
  stack: TestStack,
  event: { id: string; type: string; created_at: string; job: unknown },
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any }> {
  return stack.call('POST', '/delivery-engine/webhooks', event, {
    'instaleap-signature': signatureFor(TEST_ENGINE_WEBHOOK_SECRET, event),
    ...headers,
  });
}
