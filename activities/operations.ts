/**
 * The reconcile workflow's I/O (drift repair, docs/runbook.md "Operators"): one page of open deliveries at a
 * time, listed from Temporal's visibility, each read twice (the delivery's state query, what its
 * platform shows) and compared (activities/platformDrift.ts). The repair itself is the workflow's:
 * it signals each drifted delivery, so the signals are in its history.
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ABBIAMO_CARRIER_KEY_HEADER, AbbiamoDeliveryShown } from '../contracts/abbiamo';
import type { DeliveryView, VtexTarget } from '../contracts/delivery';
import type { DriftFound } from '../contracts/operations';
import type { ServiceReadBack } from '../contracts/vtex';
import { deliveryStateQuery, WorkflowType } from '../workflows/messages';
import { parsedPartnerAnswer } from './failures';
import { pathSegment, type HttpClient } from './http';
import {
  abbiamoDrift,
  expectationOf,
  notComparable,
  vtexDrift,
  type AbbiamoShown,
  type Comparison,
} from './platformDrift';

/** Deliveries compared at once: each is a query to Temporal and a GET at the platform. */
const PARALLEL_READS = 8;
const QUERY_TIMEOUT_MS = 5000;
const ABBIAMO_TIMEOUT_MS = 10_000;

/**
 * Where drift repair reports what it saw: the metrics (prom-client counters, observability/) hook
 * in here; every method is called once per delivery compared.
 */
export interface ReconcileObserver {
  compared(platform: DeliveryView['platform']): void;
  drift(found: DriftFound): void;
  conflict(serviceId: string, platform: DeliveryView['platform'], reason: string): void;
  unreadable(serviceId: string, platform: DeliveryView['platform'], error: string): void;
}

export const NO_OBSERVER: ReconcileObserver = {
  compared: () => undefined,
  drift: () => undefined,
  conflict: () => undefined,
  unreadable: () => undefined,
};

export interface OperationsDeps {
  /** What VTEX holds (activities/vtex.ts `vtexGetService`, with the shared token). */
  readVtex: (target: VtexTarget) => Promise<ServiceReadBack>;
  abbiamo: HttpClient;
  /** our carrier key at Abbiamo (MARKETPLACE_CARRIER_KEY) */
  carrierKey: string;
  /** The worker's own client (bound to its namespace, with its data converter) unless a test gives one. */
  temporal?: () => Client;
  observer?: ReconcileObserver;
}

export interface ReconcilePageRequest {
  /** The deliveries of this task queue (the reconcile workflow's own: one schedule per bridge). */
  taskQueue: string;
  pageToken?: string;
  pageSize: number;
}

export interface ReconcilePage {
  /** Base64 of Temporal's page token; absent on the last page. */
  nextPageToken?: string;
  listed: number;
  compared: number;
  skipped: number;
  unreadable: number;
  conflicts: number;
  drifts: DriftFound[];
}

/** Open delivery workflows of one task queue: what a reconcile run walks through. */
export function openDeliveriesQuery(taskQueue: string): string {
  return `WorkflowType = "${WorkflowType.delivery}" AND ExecutionStatus = "Running" AND TaskQueue = "${taskQueue.replace(/["\\]/g, '')}"`;
}

type Outcome =
  | { kind: 'skipped' }
  | { kind: 'unreadable' }
  | { kind: 'compared'; platform: DeliveryView['platform']; comparison: Comparison };

export function createOperationsActivities(deps: OperationsDeps) {
  const temporal = deps.temporal ?? (() => Context.current().client);
  const observer = deps.observer ?? NO_OBSERVER;

  async function readAbbiamo(deliveryId: string): Promise<AbbiamoShown> {
    const path = `/v1/delivery/${pathSegment(deliveryId, 'Abbiamo delivery id')}`;
    const response = await deps.abbiamo.expectOk({
      method: 'GET',
      path,
      headers: { [ABBIAMO_CARRIER_KEY_HEADER]: deps.carrierKey },
      timeoutMs: ABBIAMO_TIMEOUT_MS,
    });
    return parsedPartnerAnswer(AbbiamoDeliveryShown, response.body, { system: 'Abbiamo', method: 'GET', path });
  }

  async function stateOf(client: Client, serviceId: string): Promise<DeliveryView | undefined> {
    try {
      return await client.connection.withDeadline(Date.now() + QUERY_TIMEOUT_MS, () =>
        client.workflow.getHandle(serviceId).query(deliveryStateQuery),
      );
    } catch {
      return undefined; // ended meanwhile, or no worker answered: the next run looks again
    }
  }

  async function compareOne(client: Client, serviceId: string): Promise<Outcome> {
    const view = await stateOf(client, serviceId);
    if (!view || notComparable(view) !== undefined) return { kind: 'skipped' };
    const expected = expectationOf(view);
    try {
      if (view.platform === 'vtex') {
        const record = await deps.readVtex({ platform: 'vtex', carrierId: view.carrierId, serviceId });
        return { kind: 'compared', platform: 'vtex', comparison: vtexDrift(expected, record) };
      }
      const shown = await readAbbiamo(serviceId.replace(/^mkt-/, ''));
      return { kind: 'compared', platform: 'marketplace', comparison: abbiamoDrift(expected, shown) };
    } catch (err) {
      observer.unreadable(serviceId, view.platform, err instanceof Error ? err.message : String(err));
      return { kind: 'unreadable' };
    }
  }

  return {
    /** One page of open deliveries, each compared with what its platform shows. */
    async reconcilePage(request: ReconcilePageRequest): Promise<ReconcilePage> {
      const client = temporal();
      const listed = await client.workflowService.listWorkflowExecutions({
        namespace: client.options.namespace,
        query: openDeliveriesQuery(request.taskQueue),
        pageSize: request.pageSize,
        ...(request.pageToken ? { nextPageToken: Buffer.from(request.pageToken, 'base64') } : {}),
      });
      const ids = [...new Set((listed.executions ?? []).map((e) => e.execution?.workflowId ?? '').filter(Boolean))];
      const page: ReconcilePage = {
        listed: ids.length,
        compared: 0,
        skipped: 0,
        unreadable: 0,
        conflicts: 0,
        drifts: [],
      };
      for (let i = 0; i < ids.length; i += PARALLEL_READS) {
        const outcomes = await Promise.all(ids.slice(i, i + PARALLEL_READS).map((id) => compareOne(client, id)));
        outcomes.forEach((outcome, j) => {
          const serviceId = ids[i + j]!;
          if (outcome.kind === 'skipped') page.skipped += 1;
          else if (outcome.kind === 'unreadable') page.unreadable += 1;
          else {
            page.compared += 1;
            observer.compared(outcome.platform);
            const { comparison } = outcome;
            if (comparison.kind === 'drift') {
              const found = { serviceId, platform: outcome.platform, drift: comparison.drift };
              page.drifts.push(found);
              observer.drift(found);
            } else if (comparison.kind === 'conflict') {
              page.conflicts += 1;
              observer.conflict(serviceId, outcome.platform, comparison.reason);
            }
          }
        });
        Context.current().heartbeat(i);
      }
      const token = listed.nextPageToken;
      return {
        ...page,
        ...(token && token.length > 0 ? { nextPageToken: Buffer.from(token).toString('base64') } : {}),
      };
    },
  };
}

export type OperationsActivities = ReturnType<typeof createOperationsActivities>;
