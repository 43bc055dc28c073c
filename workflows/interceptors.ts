/**
 * The workflow's tracing interceptors, bundled into the workflow code (worker/bundle.ts) and so
 * replayed with it: the SDK's OpenTelemetry interceptors (a span per run, signal, update and
 * scheduled activity, exported through the worker's `exporter` sink, never during replay), with
 * two rules of ours (docs/observability.md "Traces").
 *
 * Only what arrives traced is traced. A run is traced when its start carried a trace context
 * (the client of a traced process adds one), a signal or an update when it carried one. Without
 * it the SDK's interceptors are not even built: with traces off, the workflow does no tracing
 * work at all. The headers are in history, so a replay takes the same paths.
 *
 * An activity scheduled in the workflow task that handled a traced signal or update continues
 * that message's trace, not the run's. A carrier event arrives as a signal, is queued in the inbox
 * and reported from the outbox lane, a coroutine started with the run; without the rule the VTEX
 * call of every event would hang under the Create service's trace. An activity scheduled in a task
 * without a message (a timer fired, an earlier report came back) stays in the run's trace; with
 * several messages in one task, the last one handled is the cause.
 *
 * Deterministic: nothing here yields or reads the clock; a context is only chosen, so commands and
 * their order are the same with or without tracing.
 */
import * as otel from '@opentelemetry/api';
import { TRACE_HEADER } from '@temporalio/interceptors-opentelemetry/lib/instrumentation';
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow';
import type {
  ActivateInput,
  ActivityInput,
  ContinueAsNewInput,
  Headers,
  LocalActivityInput,
  Next,
  QueryInput,
  SignalInput,
  SignalWorkflowInput,
  StartChildWorkflowExecutionInput,
  UpdateInput,
  WorkflowExecuteInput,
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptors,
  WorkflowInternalsInterceptor,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';

type In<M extends keyof WorkflowInboundCallsInterceptor> = Next<WorkflowInboundCallsInterceptor, M>;
type Out<M extends keyof WorkflowOutboundCallsInterceptor> = Next<WorkflowOutboundCallsInterceptor, M>;

const carriesTrace = (headers: Headers) => headers[TRACE_HEADER] !== undefined;

/** One per workflow: whether its run is traced, and the message that caused the current task. */
class DeliveryTracing {
  private traced = false;
  private cause: otel.Context | undefined;
  private built: { inbound: OpenTelemetryInboundInterceptor; outbound: OpenTelemetryOutboundInterceptor } | undefined;

  /** The SDK's interceptors, built on first use (they set up the tracer of the sandbox). */
  private get sdk() {
    return (this.built ??= {
      inbound: new OpenTelemetryInboundInterceptor(),
      outbound: new OpenTelemetryOutboundInterceptor(),
    });
  }

  /** Outbound calls that carry a context: under the cause, else the run's; not at all when untraced. */
  private outboundCall<I, O>(input: I, next: (input: I) => O, sdkCall: (input: I, next: (input: I) => O) => O): O {
    if (this.cause) return otel.context.with(this.cause, () => sdkCall(input, next));
    return this.traced ? sdkCall(input, next) : next(input);
  }

  readonly inbound: WorkflowInboundCallsInterceptor = {
    execute: (input: WorkflowExecuteInput, next: In<'execute'>) => {
      this.traced = carriesTrace(input.headers);
      return this.traced ? this.sdk.inbound.execute(input, next) : next(input);
    },
    handleSignal: (input: SignalInput, next: In<'handleSignal'>) => {
      if (!carriesTrace(input.headers)) return next(input);
      return this.sdk.inbound.handleSignal(input, (inner) => {
        this.cause = otel.context.active(); // inside the SDK's HandleSignal span
        return next(inner);
      });
    },
    handleUpdate: (input: UpdateInput, next: In<'handleUpdate'>) => {
      if (!carriesTrace(input.headers)) return next(input);
      return this.sdk.inbound.handleUpdate(input, (inner) => {
        this.cause = otel.context.active();
        return next(inner);
      });
    },
    validateUpdate: (input: UpdateInput, next: In<'validateUpdate'>) =>
      carriesTrace(input.headers) ? this.sdk.inbound.validateUpdate(input, next) : next(input),
    handleQuery: (input: QueryInput, next: In<'handleQuery'>) =>
      carriesTrace(input.headers) ? this.sdk.inbound.handleQuery(input, next) : next(input),
  };

  readonly outbound: WorkflowOutboundCallsInterceptor = {
    scheduleActivity: (input: ActivityInput, next: Out<'scheduleActivity'>) =>
      this.outboundCall(input, next, (i, n) => this.sdk.outbound.scheduleActivity(i, n)),
    scheduleLocalActivity: (input: LocalActivityInput, next: Out<'scheduleLocalActivity'>) =>
      this.outboundCall(input, next, (i, n) => this.sdk.outbound.scheduleLocalActivity(i, n)),
    startChildWorkflowExecution: (input: StartChildWorkflowExecutionInput, next: Out<'startChildWorkflowExecution'>) =>
      this.outboundCall(input, next, (i, n) => this.sdk.outbound.startChildWorkflowExecution(i, n)),
    signalWorkflow: (input: SignalWorkflowInput, next: Out<'signalWorkflow'>) =>
      this.outboundCall(input, next, (i, n) => this.sdk.outbound.signalWorkflow(i, n)),
    // The next run is traced when this one is: the SDK puts the run's context in its headers.
    continueAsNew: (input: ContinueAsNewInput, next: Out<'continueAsNew'>) =>
      this.traced ? this.sdk.outbound.continueAsNew(input, next) : next(input),
    // Workflow log lines get the active span's trace id.
    getLogAttributes: (input, next: Out<'getLogAttributes'>) =>
      this.built ? this.built.outbound.getLogAttributes(input, next) : next(input),
  };

  readonly internals: WorkflowInternalsInterceptor = {
    /** A new workflow task: no message handled yet. */
    activate: (input: ActivateInput, next: Next<WorkflowInternalsInterceptor, 'activate'>) => {
      this.cause = undefined;
      return next(input);
    },
  };
}

export const interceptors = (): WorkflowInterceptors => {
  const tracing = new DeliveryTracing();
  return {
    inbound: [tracing.inbound],
    outbound: [tracing.outbound],
    internals: [tracing.internals, new OpenTelemetryInternalsInterceptor()],
  };
};
