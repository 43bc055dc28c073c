/**
 * What the Web UI shows of a delivery: search attributes (status, job, flag) and the memo summary
 * (what the attributes cannot hold). Each is sent only when it changed: every upsert is server work.
 * A new delivery got them at start (workflows/searchAttributes.ts); a continued one its previous run's.
 */
import { upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import type { DeliveryState } from '../contracts/delivery';
import {
  memoSummary,
  DeliveryStatusKey,
  JobIdKey,
  LastProgressAtKey,
  NeedsAttentionKey,
  type MemoSummary,
} from './searchAttributes';

export interface Publisher {
  /** Upserts the search attributes and the memo that changed since they were last sent. */
  publish(): void;
  /** The memo summary as the state says now (continue-as-new hands it to the next run). */
  summary(): MemoSummary;
}

export function createPublisher(state: DeliveryState): Publisher {
  const attributesNow = () =>
    JSON.stringify([state.status, state.needsAttention, state.job?.jobId ?? null, state.progressAt ?? null]);
  const summary = () =>
    memoSummary({
      jobId: state.job?.jobId ?? null,
      paused: state.paused,
      needsAttention: state.needsAttention,
      lastError: state.lastError ?? null,
    });
  let publishedAttributes = attributesNow();
  let publishedSummary = JSON.stringify(summary());
  return {
    summary,
    publish() {
      const attributes = attributesNow();
      if (attributes !== publishedAttributes) {
        publishedAttributes = attributes;
        upsertSearchAttributes([
          { key: DeliveryStatusKey, value: state.status },
          { key: NeedsAttentionKey, value: state.needsAttention },
          ...(state.job ? [{ key: JobIdKey, value: state.job.jobId }] : []),
          ...(state.progressAt ? [{ key: LastProgressAtKey, value: new Date(state.progressAt) }] : []),
        ]);
      }
      const next = JSON.stringify(summary());
      if (next !== publishedSummary) {
        publishedSummary = next;
        upsertMemo({ summary: summary() });
      }
    },
  };
}
