/**
 * What operators do to deliveries, in one place for the HTTP routes (api/routes/operatorCommands.ts)
 * and the command line (scripts/delivery.ts): find the deliveries that need them, send one
 * delivery a command, and cancel, pause or resume many at once as a Temporal batch operation,
 * which runs on the server and survives whoever started it (docs/runbook.md "Operators"). Every command
 * carries who (`by`) and why; the delivery's workflow writes both in its timeline.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import { encodeToPayloads } from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@temporalio/proto';
import type { BulkAction, BulkRequest, OperatorCommandRequest } from '../contracts/operations';
import type { DeliveryStatus } from '../contracts/delivery';
import { cancelSignal, operatorSignal, pauseSignal, WorkflowType } from '../workflows/messages';
import {
  DeliveryStatusKey,
  LastProgressAtKey,
  NeedsAttentionKey,
  OrderIdKey,
  PlatformKey,
  type MemoSummary,
} from '../workflows/searchAttributes';
import { badRequest, conflict, HttpError, notFound, unavailable } from './errors';

const OPEN_DELIVERIES = `WorkflowType = "${WorkflowType.delivery}" AND ExecutionStatus = "Running"`;

/** One delivery an operator should look at, and why. */
export interface AttentionItem {
  serviceId: string;
  orderId: string | null;
  platform: string | null;
  status: DeliveryStatus | null;
  needsAttention: boolean;
  /** When the delivery last moved (LastProgressAt); its start when it never said. */
  lastProgressAt: string;
  lastError: string | null;
  reason: string;
}

export interface AttentionCriteria {
  /** No progress for at least this long. */
  stuckForMs?: number;
  /** Flagged deliveries too (default). */
  flagged?: boolean;
  limit: number;
  now?: number;
}

export interface BulkStarted {
  jobId: string;
  action: BulkAction;
  /** The query as run: the operator's, narrowed to open deliveries. */
  query: string;
  /** Open deliveries the query found when the job started. */
  matched: number;
}

export interface BatchState {
  jobId: string;
  state: 'RUNNING' | 'COMPLETED' | 'FAILED' | 'UNSPECIFIED';
  operation: string;
  total: number;
  completed: number;
  failed: number;
  startedAt: string | null;
  closedAt: string | null;
  reason: string | null;
  identity: string | null;
}

/** google.rpc.Code of the answers we turn into operator errors. */
const GRPC = { INVALID_ARGUMENT: 3, NOT_FOUND: 5, RESOURCE_EXHAUSTED: 8 } as const;

function grpcCode(err: unknown): number | undefined {
  const own = (err as { code?: unknown }).code;
  if (typeof own === 'number') return own;
  const cause = (err as { cause?: { code?: unknown } }).cause?.code;
  return typeof cause === 'number' ? cause : undefined;
}

function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/^\d+ [A-Z_]+: /, '');
}

/** The operator's query, kept to open delivery workflows whatever it says. */
export function openDeliveriesOf(query: string): string {
  return `(${query}) AND ${OPEN_DELIVERIES}`;
}

const STATE_NAMES = temporal.api.enums.v1.BatchOperationState;
const ISO = (ts: { seconds?: unknown; nanos?: number | null } | null | undefined): string | null =>
  ts?.seconds === undefined || ts.seconds === null
    ? null
    : new Date(Number(ts.seconds) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)).toISOString();

export class OperatorDesk {
  constructor(private readonly client: Client) {}

  /**
   * Open deliveries that made no progress for `stuckForMs` (LastProgressAt before then; one that
   * never set it, by its start) or are flagged (NeedsAttention), oldest progress first.
   */
  async attention(criteria: AttentionCriteria): Promise<AttentionItem[]> {
    const now = criteria.now ?? Date.now();
    const clauses: string[] = [];
    const since = criteria.stuckForMs === undefined ? undefined : new Date(now - criteria.stuckForMs).toISOString();
    if (since)
      clauses.push(
        `${LastProgressAtKey.name} < "${since}"`,
        `(${LastProgressAtKey.name} IS NULL AND StartTime < "${since}")`,
      );
    if (criteria.flagged !== false) clauses.push(`${NeedsAttentionKey.name} = true`);
    if (clauses.length === 0)
      throw badRequest('Nothing to look for', [{ path: 'flagged', message: 'give stuckFor, or leave flagged on' }]);
    const items: AttentionItem[] = [];
    try {
      for await (const info of this.client.workflow.list({
        query: `${OPEN_DELIVERIES} AND (${clauses.join(' OR ')})`,
      })) {
        items.push(attentionItem(info, since));
        if (items.length >= criteria.limit) break;
      }
    } catch (err) {
      throw unavailable(`Temporal did not list the deliveries: ${messageOf(err)}`);
    }
    return items.sort((a, b) => a.lastProgressAt.localeCompare(b.lastProgressAt));
  }

  /** Sends one command to one open delivery, once Temporal holds it (its workflow carries it out). */
  async command(serviceId: string, request: OperatorCommandRequest, by: string): Promise<void> {
    const handle = this.client.workflow.getHandle(serviceId);
    let running: boolean;
    try {
      running = (await handle.describe()).status.name === 'RUNNING';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError)
        throw notFound('Unknown service', [{ path: 'serviceId', message: `no service ${serviceId}` }]);
      throw unavailable(`Temporal did not answer: ${messageOf(err)}`);
    }
    if (!running)
      throw conflict('The delivery already ended: nothing to change', [{ path: 'serviceId', message: serviceId }]);
    const { why } = request;
    try {
      switch (request.action) {
        case 'cancel':
          return await handle.signal(cancelSignal, { reason: why, by });
        case 'pause':
        case 'resume':
          return await handle.signal(pauseSignal, { pause: request.action === 'pause', reason: why, by });
        case 'force-status':
          return await handle.signal(operatorSignal, { action: 'force-status', status: request.status, by, why });
        default:
          return await handle.signal(operatorSignal, { action: request.action, by, why });
      }
    } catch (err) {
      if (err instanceof WorkflowNotFoundError)
        throw conflict('The delivery already ended: nothing to change', [{ path: 'serviceId', message: serviceId }]);
      throw unavailable(`Temporal did not take the command: ${messageOf(err)}`);
    }
  }

  /**
   * Cancels, pauses or resumes every open delivery the query finds, as one Temporal batch
   * operation (a signal to each, on the server, with retries): nothing is left half-done when the
   * caller goes away. The signal's argument (with the operator's why) is encoded by our data
   * converter, so encrypted; the batch's own reason, which Temporal stores in clear, names no why.
   */
  async bulk(request: BulkRequest, by: string): Promise<BulkStarted> {
    const query = openDeliveriesOf(request.query);
    let matched: number;
    try {
      matched = (await this.client.workflow.count(query)).count;
    } catch (err) {
      if (grpcCode(err) === GRPC.INVALID_ARGUMENT)
        throw badRequest('The query is not a visibility query Temporal takes', [
          { path: 'query', message: messageOf(err) },
        ]);
      throw unavailable(`Temporal did not count the deliveries: ${messageOf(err)}`);
    }
    const [signal, argument] =
      request.action === 'cancel'
        ? [cancelSignal.name, { reason: request.why, by }]
        : [pauseSignal.name, { pause: request.action === 'pause', reason: request.why, by }];
    const jobId = `bulk-${request.action}-${randomUUID()}`;
    const payloads = await encodeToPayloads(this.client.workflow.options.loadedDataConverter, argument);
    try {
      await this.client.workflowService.startBatchOperation({
        namespace: this.client.options.namespace,
        jobId,
        visibilityQuery: query,
        // Temporal keeps a batch's reason in clear (describe, Web UI): who and what only. The why
        // goes in the signal's argument, encrypted like every payload, into each delivery's timeline.
        reason: `${by}: bulk ${request.action}`,
        signalOperation: { signal, input: { payloads: payloads ?? [] }, identity: by },
      });
    } catch (err) {
      if (grpcCode(err) === GRPC.RESOURCE_EXHAUSTED)
        throw new HttpError(429, 'Another bulk operation is still running in this namespace: retry once it completed', [
          { path: 'action', message: messageOf(err) },
        ]);
      if (grpcCode(err) === GRPC.INVALID_ARGUMENT)
        throw badRequest('Temporal refused the bulk operation', [{ path: 'query', message: messageOf(err) }]);
      throw unavailable(`Temporal did not start the bulk operation: ${messageOf(err)}`);
    }
    return { jobId, action: request.action, query, matched };
  }

  /** Where a bulk operation stands (Temporal's batch job). */
  async batch(jobId: string): Promise<BatchState> {
    let info: temporal.api.batch.v1.IBatchOperationInfo &
      temporal.api.workflowservice.v1.IDescribeBatchOperationResponse;
    try {
      info = await this.client.workflowService.describeBatchOperation({
        namespace: this.client.options.namespace,
        jobId,
      });
    } catch (err) {
      if (grpcCode(err) === GRPC.NOT_FOUND)
        throw notFound('Unknown bulk operation', [{ path: 'jobId', message: `no batch job ${jobId}` }]);
      throw unavailable(`Temporal did not answer: ${messageOf(err)}`);
    }
    const state = (STATE_NAMES[info.state ?? 0] ?? 'BATCH_OPERATION_STATE_UNSPECIFIED').replace(
      'BATCH_OPERATION_STATE_',
      '',
    ) as BatchState['state'];
    const operation = temporal.api.enums.v1.BatchOperationType[info.operationType ?? 0] ?? 'UNSPECIFIED';
    return {
      jobId,
      state,
      operation: operation.replace('BATCH_OPERATION_TYPE_', ''),
      total: Number(info.totalOperationCount ?? 0),
      completed: Number(info.completeOperationCount ?? 0),
      failed: Number(info.failureOperationCount ?? 0),
      startedAt: ISO(info.startTime),
      closedAt: ISO(info.closeTime),
      reason: info.reason ?? null,
      identity: info.identity ?? null,
    };
  }
}

function attentionItem(info: WorkflowExecutionInfo, since: string | undefined): AttentionItem {
  const attributes = info.typedSearchAttributes;
  const summary = (info.memo?.summary ?? undefined) as Partial<MemoSummary> | undefined;
  const progress = attributes.get(LastProgressAtKey) ?? info.startTime;
  const lastProgressAt = progress.toISOString();
  const needsAttention = attributes.get(NeedsAttentionKey) ?? summary?.needsAttention ?? false;
  const lastError = summary?.lastError ?? null;
  const reasons: string[] = [];
  if (needsAttention) reasons.push(`flagged: ${lastError ?? 'no reason recorded'}`);
  if (since && lastProgressAt < since) reasons.push(`no progress since ${lastProgressAt}`);
  return {
    serviceId: info.workflowId,
    orderId: attributes.get(OrderIdKey) ?? null,
    platform: attributes.get(PlatformKey) ?? null,
    status: (attributes.get(DeliveryStatusKey) as DeliveryStatus | undefined) ?? null,
    needsAttention,
    lastProgressAt,
    lastError,
    reason: reasons.join('; ') || 'listed',
  };
}
