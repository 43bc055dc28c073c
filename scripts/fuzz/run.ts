/**
 * The bad-input run (docs/testing.md "Proving it"): fast-check generates and mutates requests over every intake
 * endpoint and checks, for each answer, the intake's promise: no 5xx, an answer within 1 s, a 4xx
 * that names the field (`details[].path`), nothing started in Temporal for a rejected request; and,
 * over the run, the API's memory flat. Failures are grouped by class (endpoint, property, field,
 * kind of input), each with its first example, so a fix knows where to look.
 */
import { readFileSync } from 'node:fs';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import fc from 'fast-check';
import { percentile } from '../chaos/checker';
import { ENDPOINTS, requestArbitrary, type Endpoint, type FuzzContext, type FuzzRequest } from './requests';

export type Property =
  'no-5xx' | 'within-1s' | 'accepted-within-5s' | '4xx-names-field' | 'nothing-started' | 'answered';

export interface FailureClass {
  endpoint: Endpoint;
  property: Property;
  /** the mutated field, with array indices as `*` */
  field: string;
  op: string;
  count: number;
  example: { shape: string; status: number | null; ms: number; answer: string };
}

export interface FuzzResult {
  requests: number;
  byEndpoint: Record<string, number>;
  byStatus: Record<string, number>;
  latencyMs: { p50?: number; p99?: number; max?: number };
  /** refusals (4xx): the intake's own work, due within 1 s */
  refusedLatencyMs: { p50?: number; p99?: number; max?: number };
  /** accepted requests (2xx): they wait on Temporal (a Create service on its job), due within 5 s */
  acceptedLatencyMs: { p50?: number; p99?: number; max?: number };
  failures: FailureClass[];
  /** requests that broke at least one property */
  failedRequests: number;
  /** would-be workflows of rejected requests that Temporal did not describe within 5 s */
  unchecked: number;
  /** RSS before, after the first half and after the second; flat: the second half grew under the bar */
  memory: {
    beforeMiB: number;
    midMiB: number;
    afterMiB: number;
    growthMiB: number;
    secondHalfGrowthMiB: number;
    flat: boolean;
  };
  wallMs: number;
  seed: number;
}

export interface FuzzOptions {
  runs: number;
  seed: number;
  apiUrl: string;
  /** The bearer token for a request's path (each caller role has its own). */
  tokenFor(path: string): string;
  client: Client;
  /** the API process, whose memory is read from /proc */
  apiPid: number;
  context: FuzzContext;
  /** a request with no answer by then counts as unanswered (and over 1 s) */
  requestTimeoutMs?: number;
  log?: (line: string) => void;
}

/** A refusal is the intake's own work (validation, a lookup): due within 1 s. */
export const ANSWER_WITHIN_MS = 1000;
/**
 * An accepted request waits on Temporal: a Create service on its job (VTEX's 5 s rule,
 * docs/intake-api.md), a signal, a query. Due within VTEX's 5 s, not 1 s.
 */
export const ACCEPTED_WITHIN_MS = 5000;
/**
 * Growth of the API's resident memory over the run's second half still counted as flat: the first
 * half pays the warm-up, so a leak is what the second half adds on top of it.
 */
export const FLAT_MEMORY_MIB = 16;

function rssMiB(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return kb ? Number(kb[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

const generalize = (field: string) => field.replace(/\.\d+(?=\.|$)/g, '.*');

/** Whether Temporal holds a workflow of this id; undefined when it would not say within 5 s. */
async function exists(client: Client, workflowId: string): Promise<boolean | undefined> {
  try {
    await client.connection.withDeadline(Date.now() + 5000, () => client.workflow.getHandle(workflowId).describe());
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    // An id Temporal cannot even hold (over its limits) was never started either; a timeout is unknown.
    return /deadline|timed? ?out/i.test(String(err)) ? undefined : false;
  }
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzResult> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const timeoutMs = options.requestTimeoutMs ?? 15_000;
  const latencies: number[] = [];
  const refused: number[] = [];
  const accepted: number[] = [];
  const byEndpoint: Record<string, number> = {};
  const byStatus: Record<string, number> = {};
  const classes = new Map<string, FailureClass>();
  let failedRequests = 0;
  let count = 0;
  /** rejected requests whose would-be workflow Temporal did not describe in time */
  let unchecked = 0;

  const send = async (request: FuzzRequest) => {
    const t0 = performance.now();
    try {
      const response = await fetch(`${options.apiUrl}${request.path}`, {
        method: request.method,
        headers: { authorization: `Bearer ${options.tokenFor(request.path)}`, ...request.headers },
        ...(request.body !== undefined ? { body: request.body } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      return { status: response.status as number | null, text, ms: performance.now() - t0 };
    } catch (err) {
      return { status: null, text: String(err), ms: performance.now() - t0 };
    }
  };

  const check = async (request: FuzzRequest) => {
    const answer = await send(request);
    count += 1;
    latencies.push(answer.ms);
    byEndpoint[request.endpoint] = (byEndpoint[request.endpoint] ?? 0) + 1;
    byStatus[String(answer.status ?? 'none')] = (byStatus[String(answer.status ?? 'none')] ?? 0) + 1;
    const broken: Property[] = [];
    if (answer.status === null) broken.push('answered');
    else if (answer.status >= 500) broken.push('no-5xx');
    const wasAccepted = answer.status !== null && answer.status < 400;
    (wasAccepted ? accepted : refused).push(answer.ms);
    if (wasAccepted ? answer.ms > ACCEPTED_WITHIN_MS : answer.ms > ANSWER_WITHIN_MS)
      broken.push(wasAccepted ? 'accepted-within-5s' : 'within-1s');
    if (answer.status !== null && answer.status >= 400 && answer.status < 500) {
      let details: unknown;
      try {
        details = (JSON.parse(answer.text) as { details?: unknown }).details;
      } catch {
        details = undefined;
      }
      const named =
        Array.isArray(details) &&
        details.length > 0 &&
        details.every(
          (d) => typeof (d as { path?: unknown })?.path === 'string' && (d as { path: string }).path !== '',
        );
      if (!named) broken.push('4xx-names-field');
    }
    if (answer.status === null || answer.status >= 400) {
      for (const id of new Set(request.wouldStart)) {
        const found = await exists(options.client, id);
        if (found === undefined) unchecked += 1;
        if (found) {
          broken.push('nothing-started');
          break;
        }
      }
    }
    if (broken.length > 0) failedRequests += 1;
    for (const property of broken) {
      const field = generalize(request.mutation.field);
      const key = [request.endpoint, property, field, request.mutation.op].join('\u0000');
      const known = classes.get(key);
      if (known) known.count += 1;
      else {
        classes.set(key, {
          endpoint: request.endpoint,
          property,
          field,
          op: request.mutation.op,
          count: 1,
          example: {
            shape: request.mutation.shape,
            status: answer.status,
            ms: Math.round(answer.ms),
            answer: answer.text.slice(0, 240),
          },
        });
      }
    }
    if (count % 500 === 0)
      log(
        `fuzz: ${count}/${options.runs} requests, ${failedRequests} broke a property, ${classes.size} failure classes`,
      );
  };

  // Two halves, memory read before, between and after (each once the API's collector caught up):
  // warming up (JIT, pools, V8's heap growing to its working size) shows in the first half only;
  // a leak grows the second half as much as the first.
  const settledRss = async () => {
    await new Promise((r) => setTimeout(r, 3000));
    return rssMiB(options.apiPid);
  };
  const beforeMiB = await settledRss();
  const halves = [Math.ceil(options.runs / 2), Math.floor(options.runs / 2)];
  const readings = [beforeMiB];
  for (const [i, numRuns] of halves.entries()) {
    if (numRuns === 0) continue;
    await fc.assert(
      // Every answer is checked and recorded; the run goes on past a failure so one run lists them all.
      fc.asyncProperty(requestArbitrary(options.context), async (request) => {
        await check(request);
        return true;
      }),
      { numRuns, seed: options.seed + i, endOnFailure: true },
    );
    readings.push(await settledRss());
  }
  const midMiB = readings[1] ?? beforeMiB;
  const afterMiB = readings[readings.length - 1]!;
  const growthMiB = afterMiB - beforeMiB;
  const secondHalfGrowthMiB = afterMiB - midMiB;
  const failures = [...classes.values()].sort(
    (a, b) => a.endpoint.localeCompare(b.endpoint) || a.property.localeCompare(b.property) || b.count - a.count,
  );
  for (const e of ENDPOINTS) byEndpoint[e] ??= 0;
  return {
    requests: count,
    byEndpoint,
    byStatus,
    latencyMs: spread(latencies),
    refusedLatencyMs: spread(refused),
    acceptedLatencyMs: spread(accepted),
    failures,
    failedRequests,
    unchecked,
    memory: {
      beforeMiB: round(beforeMiB),
      midMiB: round(midMiB),
      afterMiB: round(afterMiB),
      growthMiB: round(growthMiB),
      secondHalfGrowthMiB: round(secondHalfGrowthMiB),
      flat: Number.isFinite(secondHalfGrowthMiB) && secondHalfGrowthMiB < FLAT_MEMORY_MIB,
    },
    wallMs: Date.now() - started,
    seed: options.seed,
  };
}

const round = (v: number) => Math.round(v * 10) / 10;
const signed = (v: number) => `${v >= 0 ? '+' : ''}${v}`;
const spread = (values: number[]) => ({
  p50: percentile(values, 50),
  p99: percentile(values, 99),
  max: percentile(values, 100),
});
const ms = (l: { p50?: number; p99?: number; max?: number }) =>
  `p50 ${Math.round(l.p50 ?? 0)} ms, p99 ${Math.round(l.p99 ?? 0)} ms, max ${Math.round(l.max ?? 0)} ms`;

/** The figures and every failure class, as printed by `npm run fuzz` and the in-suite run. */
export function describeFuzz(result: FuzzResult): string {
  const lines = [
    `fuzz: ${result.requests} requests in ${Math.round(result.wallMs / 1000)} s (seed ${result.seed}); by endpoint ${JSON.stringify(result.byEndpoint)}`,
    `fuzz: answers by status ${JSON.stringify(result.byStatus)}; latency ${ms(result.latencyMs)}`,
    `fuzz: refusals (4xx) ${ms(result.refusedLatencyMs)}; accepted (2xx) ${ms(result.acceptedLatencyMs)}`,
    `fuzz: API memory ${result.memory.beforeMiB} MiB -> ${result.memory.midMiB} MiB after the first half -> ${result.memory.afterMiB} MiB (second half ${signed(result.memory.secondHalfGrowthMiB)} MiB, bar ${FLAT_MEMORY_MIB}: ${result.memory.flat ? 'flat' : 'NOT flat'}; whole run ${signed(result.memory.growthMiB)} MiB)`,
    `fuzz: ${result.failedRequests} requests broke a property, in ${result.failures.length} classes${result.failures.length ? ':' : ''}${result.unchecked ? ` (${result.unchecked} would-be workflows not described within 5 s)` : ''}`,
  ];
  for (const f of result.failures) {
    lines.push(
      `  - ${f.endpoint} | ${f.property} | field ${f.field} | ${f.op}: ${f.count}x, e.g. ${f.example.shape} -> ${f.example.status ?? 'no answer'} in ${f.example.ms} ms: ${f.example.answer.replace(/\s+/g, ' ').slice(0, 160)}`,
    );
  }
  return lines.join('\n');
}
