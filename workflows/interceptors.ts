/**
 * The workflow's tracing interceptors, bundled into the workflow code (worker/bundle.ts) and so
 * replayed with it: the SDK's OpenTelemetry interceptors (a span per run, signal, update and
 * scheduled activity, exported through the worker's `exporter` sink, never during replay), plus one
 * rule of ours.
 *
 * The rule: an activity scheduled in the workflow task that handled a signal or an update
 * continues that message's trace, not the run's. A carrier event arrives as a signal, is queued in
 * the inbox and reported from the outbox lane, a coroutine started with the run; without the rule
 * the VTEX call of every event would hang under the Create service's trace. An activity scheduled
 * in a task without a message (a timer fired, an earlier report came back) stays in the run's
 * trace. With several messages in one task the last one handled is the cause (README "Traces").
 *
 * Deterministic: nothing here yields or reads the clock; a context is only chosen, so commands,
 * their order and the history are the same with or without tracing.
 */
import * as otel from '@opentelemetry/api';
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow';
import type {
  ActivateInput,
  ActivityInput,
  LocalActivityInput,
  Next,
  SignalInput,
  UpdateInput,
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptors,
  WorkflowInternalsInterceptor,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';

/** The trace context of the message the current workflow task handled, if any. One per workflow. */
class MessageCause {
  private current: otel.Context | undefined;

  /** Inside the SDK's handler span (it runs first): that span is the cause. */
  readonly inbound: WorkflowInboundCallsInterceptor = {
    handleSignal: (input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>) => {
      this.current = otel.context.active();
      return next(input);
    },
    handleUpdate: (input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>) => {
      this.current = otel.context.active();
      return next(input);
    },
  };

  /** Around the SDK's scheduling (it runs after): its StartActivity span becomes the cause's child. */
  readonly outbound: WorkflowOutboundCallsInterceptor = {
    scheduleActivity: (input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>) =>
      this.current ? otel.context.with(this.current, () => next(input)) : next(input),
    scheduleLocalActivity: (
      input: LocalActivityInput,
      next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>,
    ) => (this.current ? otel.context.with(this.current, () => next(input)) : next(input)),
  };

  /** A new workflow task: no message handled yet. */
  readonly internals: WorkflowInternalsInterceptor = {
    activate: (input: ActivateInput, next: Next<WorkflowInternalsInterceptor, 'activate'>) => {
      this.current = undefined;
      return next(input);
    },
  };
}

export const interceptors = (): WorkflowInterceptors => {
  const cause = new MessageCause();
  return {
    inbound: [new OpenTelemetryInboundInterceptor(), cause.inbound],
    outbound: [cause.outbound, new OpenTelemetryOutboundInterceptor()],
    internals: [cause.internals, new OpenTelemetryInternalsInterceptor()],
  };
};
