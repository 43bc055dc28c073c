/**
 * What a label is rendered from, read through the Temporal client on each request (nothing is
 * stored): the delivery's input as its current run was started with it (who, from where, which
 * packages: the first event of the run's history, decoded by the client's data converter, so the
 * payload codec opens it in memory) and its state (api/readDelivery.ts, through the gateway).
 */
import type { Payload } from '@temporalio/common';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import type { Client } from '@temporalio/client';
import type { DeliveryInput, DeliveryStatus, DeliveryView } from '../../contracts/delivery';
import type { DeliveryGateway } from '../deliveries';
import { DeliveryRefusal } from '../deliveryRefusal';
import { HttpError } from '../errors';

export interface LabelDelivery {
  input: DeliveryInput;
  /** The workflow's own state; none when no worker answered. */
  view?: DeliveryView;
  /** The delivery's status: the workflow's, else the search attribute Temporal keeps. */
  status?: DeliveryStatus;
}

export type LabelSource = (serviceId: string) => Promise<LabelDelivery | undefined>;

export function temporalLabelSource(client: Client, gateway: Pick<DeliveryGateway, 'state'>): LabelSource {
  return async (serviceId) => {
    let state: Awaited<ReturnType<DeliveryGateway['state']>>;
    try {
      state = await gateway.state(serviceId);
    } catch (err) {
      if (err instanceof DeliveryRefusal && err.kind === 'unknown') return undefined;
      if (err instanceof HttpError && err.status === 404) return undefined;
      throw err;
    }
    const history = await client.workflowService.getWorkflowExecutionHistory({
      namespace: client.options.namespace,
      execution: { workflowId: serviceId },
      maximumPageSize: 1,
    });
    const payloads = history.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
    if (!payloads?.length) return undefined;
    const input = await decodeFromPayloadsAtIndex<DeliveryInput>(
      client.options.loadedDataConverter,
      0,
      payloads as Payload[],
    );
    const status = state.view?.status ?? state.summary.status;
    return { input, ...(state.view ? { view: state.view } : {}), ...(status ? { status } : {}) };
  };
}
