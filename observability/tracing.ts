/**
 * Traces (docs/observability.md "Traces"): OpenTelemetry through the Temporal SDK's interceptors, from the intake
 * request into the workflow and out to every partner call, one trace per request.
 *
 * - the intake: a SERVER span per request (observability/tracingHttp.ts `traceRequests`);
 * - the Temporal client: the SDK's client interceptor puts the context in the headers of every
 *   start, signal and update (security/temporalClient.ts);
 * - the workflow: the SDK's workflow interceptors, bundled with the workflow code
 *   (workflows/interceptors.ts); their spans leave the sandbox through the `exporter` sink;
 * - activities: the SDK's activity interceptors continue the context of the activity's headers;
 * - partner calls: a CLIENT span per HTTP call, its context sent as `traceparent`
 *   (observability/tracingHttp.ts `withPartnerCallSpans`).
 *
 * OpenTelemetry JS v1 (sdk-trace-base 1.x), because @temporalio/interceptors-opentelemetry 1.24
 * is built on it: its worker sink rebuilds workflow spans in the v1 shape (`parentSpanId`,
 * `instrumentationLibrary`), which a v2 exporter would misread.
 *
 * One tracer provider per process, registered globally by the first `installTracing` (the API's
 * globals are set once; a later call returns the first one). Without an endpoint nothing is
 * registered: the client and activity interceptors are left out, partner calls are not wrapped,
 * the request middleware passes through, and the workflow's spans go to a sink that drops them.
 */
import * as otel from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { ClientInterceptors } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  type OpenTelemetrySinks,
} from '@temporalio/interceptors-opentelemetry';
import type { InjectedSinks, WorkerInterceptors } from '@temporalio/worker';
import type { WorkflowInfo } from '@temporalio/workflow';

/** The workflow interceptor module: in every bundle and every worker, traced or not (replay sees the same code). */
export const WORKFLOW_INTERCEPTORS_PATH = require.resolve('../workflows/interceptors');

/** What the configuration says (config/index.ts): where to send spans, under which service name. */
export interface TracingSettings {
  /** OTLP/HTTP traces URL (`.../v1/traces`); unset: no export. */
  endpoint?: string;
  serviceName: string;
}

export interface TracingOptions extends Partial<TracingSettings> {
  /** Spans go here instead of OTLP (tests: an InMemorySpanExporter), each as soon as it ends. */
  exporter?: SpanExporter;
}

export interface Tracing {
  readonly enabled: boolean;
  /** Where spans go: the OTLP URL, `in-process` for a handed-in exporter, undefined when off. */
  readonly exportsTo?: string;
  /** Interceptors of every Temporal client of ours. */
  clientInterceptors(): ClientInterceptors;
  /**
   * The worker's interceptors: activities' when on; the workflow module when the worker bundles
   * the workflows itself (a prebuilt bundle has it inside: worker/bundle.ts).
   */
  workerInterceptors(options: { bundling: boolean }): WorkerInterceptors;
  /** The `exporter` sink the workflow interceptors call: the span processor, or nothing. */
  workflowSinks(): InjectedSinks<OpenTelemetrySinks>;
  /** Sends the spans still buffered (before a stop). */
  flush(): Promise<void>;
}

/** Workflow info fields kept on workflow spans; the sink would copy all of them (memo, search attributes...). */
const WORKFLOW_INFO_ATTRIBUTES = ['workflowId', 'runId', 'workflowType', 'taskQueue', 'namespace', 'attempt'] as const;

const dropAll: InjectedSinks<OpenTelemetrySinks> = {
  exporter: { export: { fn: () => undefined, callDuringReplay: false } },
};

const DISABLED: Tracing = {
  enabled: false,
  clientInterceptors: () => ({}),
  workerInterceptors: ({ bundling }) => workflowModules(bundling),
  workflowSinks: () => dropAll,
  flush: async () => undefined,
};

let installed: Tracing | undefined;

/** The process's tracing: the one installed, or off. */
export function activeTracing(): Tracing {
  return installed ?? DISABLED;
}

/** Installs tracing once per process (see the module comment); off without endpoint or exporter. */
export function installTracing(options: TracingOptions = {}): Tracing {
  if (installed) return installed;
  if (!options.exporter && !options.endpoint) return (installed = DISABLED);

  const resource = new Resource({ 'service.name': options.serviceName ?? 'delivery-bridge' });
  const processor: SpanProcessor = options.exporter
    ? new SimpleSpanProcessor(options.exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter({ url: options.endpoint }));
  const provider = new BasicTracerProvider({ resource, spanProcessors: [processor] });
  provider.register({
    contextManager: new AsyncLocalStorageContextManager(),
    propagator: new W3CTraceContextPropagator(),
  });
  const workflowExporter = makeWorkflowExporter(processor, resource);

  installed = {
    enabled: true,
    exportsTo: options.exporter ? 'in-process' : options.endpoint,
    clientInterceptors: () => ({ workflow: [new OpenTelemetryWorkflowClientInterceptor()] }),
    workerInterceptors: ({ bundling }) => ({
      ...workflowModules(bundling),
      activity: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
    }),
    workflowSinks: () => ({
      exporter: {
        export: {
          fn: (info, spans) => workflowExporter.export.fn(onlyIdentity(info), spans),
          callDuringReplay: false,
        },
      },
    }),
    flush: () => provider.forceFlush(),
  };
  return installed;
}

function workflowModules(bundling: boolean): WorkerInterceptors {
  return bundling ? { workflowModules: [WORKFLOW_INTERCEPTORS_PATH] } : {};
}

function onlyIdentity(info: WorkflowInfo): WorkflowInfo {
  const kept: Record<string, unknown> = {};
  for (const key of WORKFLOW_INFO_ATTRIBUTES) kept[key] = info[key];
  return kept as unknown as WorkflowInfo;
}

/** The tracer of our own spans (intake requests, partner calls): the global one, a no-op when off. */
export function bridgeTracer(): otel.Tracer {
  return otel.trace.getTracer('delivery-bridge');
}
