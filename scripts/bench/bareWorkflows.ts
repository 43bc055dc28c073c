/**
 * The bare baselines of BENCHMARKS.md: the shapes of our delivery workflow with nothing of ours in
 * them, bundled on their own (never part of workflows/). One workflow covers every shape:
 *
 * - Create service: update-with-start whose update waits for one no-op activity;
 * - a delivery life: the same, then the same 5 s durable timer, then N signals, each followed by
 *   one no-op activity, in order (as our inbox loop does); with `events: null` it waits for
 *   signals forever (the open deliveries of the memory measurement).
 */
import {
  allHandlersFinished,
  condition,
  defineSignal,
  defineUpdate,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { BareActivities } from './bareActivities';

export const bareCreateUpdate = defineUpdate<{ created: true }>('bareCreate');
export const bareEventSignal = defineSignal<[{ seq: number }]>('bareEvent');

export interface BareInput {
  /** durable timer after the update (our VTEX confirmation wait); null: none */
  timerMs: number | null;
  /** signals handled before the workflow ends; null: it waits for signals forever */
  events: number | null;
}

const { noop } = proxyActivities<BareActivities>({
  startToCloseTimeout: '20s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

export async function bareDeliveryWorkflow(input: BareInput): Promise<number[]> {
  const workflowId = workflowInfo().workflowId;
  let created = false;
  const inbox: number[] = [];
  setHandler(bareCreateUpdate, async () => {
    await condition(() => created);
    return { created: true as const };
  });
  setHandler(bareEventSignal, ({ seq }) => {
    inbox.push(seq);
  });

  await noop(workflowId, 0);
  created = true;
  if (input.timerMs !== null) await sleep(input.timerMs);

  const ranAt: number[] = [];
  for (let handled = 0; input.events === null || handled < input.events; handled += 1) {
    await condition(() => inbox.length > 0);
    ranAt.push(await noop(workflowId, inbox.shift()!));
  }
  await condition(allHandlersFinished);
  return ranAt;
}
