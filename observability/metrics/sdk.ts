/**
 * The Temporal SDK's own series that the dashboard reads (deploy/grafana/delivery-bridge.json),
 * as the SDK's Prometheus exporter names them with our runtime options (worker/runtime.ts: seconds,
 * unit suffix, `_total` on counters). The metrics integration test checks each one is served.
 * Labels: `namespace`, `task_queue`, `workflow_type`, `activity_type`, `worker_type`.
 */
export const SDK_DASHBOARD_METRICS = {
  workflowTaskExecution: 'temporal_workflow_task_execution_latency_seconds',
  workflowTaskScheduleToStart: 'temporal_workflow_task_schedule_to_start_latency_seconds',
  activityExecution: 'temporal_activity_execution_latency_seconds',
  activityScheduleToStart: 'temporal_activity_schedule_to_start_latency_seconds',
  slotsUsed: 'temporal_worker_task_slots_used',
  slotsAvailable: 'temporal_worker_task_slots_available',
  stickyCacheSize: 'temporal_sticky_cache_size',
  stickyCacheHits: 'temporal_sticky_cache_hit_total',
  workflowsCompleted: 'temporal_workflow_completed_total',
  serverRequestLatency: 'temporal_request_latency_seconds',
} as const;

/** Histograms among them: the dashboard reads their `_bucket` series. */
export const SDK_HISTOGRAMS: ReadonlySet<string> = new Set([
  SDK_DASHBOARD_METRICS.workflowTaskExecution,
  SDK_DASHBOARD_METRICS.workflowTaskScheduleToStart,
  SDK_DASHBOARD_METRICS.activityExecution,
  SDK_DASHBOARD_METRICS.activityScheduleToStart,
  SDK_DASHBOARD_METRICS.serverRequestLatency,
]);
