/**
 * How a delivery's state is read through the Temporal client, in one place for the API and the
 * operator CLI: a running workflow answers its state query; an ended one is read from its result
 * (queries of a closed workflow would need a worker to replay it).
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { DeliveryView } from '../contracts/delivery';
import { deliveryStateQuery } from '../workflows/messages';

export async function readDeliveryView(handle: WorkflowHandle, running: boolean): Promise<DeliveryView> {
  return running ? handle.query(deliveryStateQuery) : ((await handle.result()) as DeliveryView);
}
