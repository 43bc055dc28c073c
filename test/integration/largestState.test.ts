/**
 * A delivery continues as new carrying the largest state its bounds allow, through the real dev
 * server (its 2 MB payload limit and 4 MB gRPC messages) and the service's encrypting data
 * converter: every bounded list at its bound (workflows/state.ts), every text at its length, the
 * biggest call the platform takes (an inline label) as the newest kept, trimmed engine events at
 * their largest (api/eventForWorkflow.ts) in the inbox, and an outbox up to `CARRY_MAX_BYTES`.
 * Past that bound the run holds, flagged, until its reports drain, then continues as new.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Activities } from '../../activities';
import { EVENT_BOUNDS, eventForWorkflow } from '../../api/eventForWorkflow';
import type { DeliveryInput, DeliveryState, DeliveryView, WorkflowJobEvent } from '../../contracts/delivery';
import { JobEvent } from '../../contracts/deliveryEngine';
import type { OutgoingCall } from '../../contracts/platformCalls';
import { MAX_INLINE_LABEL_BYTES } from '../../contracts/vtex';
import { parseEnv, resolveTemporalAccess } from '../../config';
import { createDataConverter } from '../../security/dataConverter';
import type { deliveryWorkflow } from '../../workflows/delivery';
import { WorkflowType, carrierEventSignal, deliveryStateQuery } from '../../workflows/messages';
import {
  CARRY_MAX_BYTES,
  FAILED_REPORTS_LIMIT,
  KEPT_CALLS_MAX_BYTES,
  SEEN_EVENTS_LIMIT,
  TEXT_MAX_CHARS,
  TIMELINE_LIMIT,
  carriedBytes,
  initialState,
  keep,
  type Delivery,
} from '../../workflows/state';
import { startMemo, startSearchAttributes } from '../../workflows/searchAttributes';
import { recordHistory } from '../support/histories';
import { testTemporalClient } from '../support/temporal';
import { waitFor } from '../support/waitFor';
import { ActivityLog, jobIdOf, vtexDeliveryInput, vtexMocks } from '../workflow/fixtures';

const CONTINUE_AFTER_EVENTS = 40;
/** The history length at which the small recorded run wants to continue as new. */
const HOLD_EVENTS = 20;
/** A text at its bound, two bytes a character (the timeline's and the failures' worst case). */
const text = (chars: number) => 'ã'.repeat(chars);

/** The largest event the webhook can hand the workflow: every bound reached. */
function largestEvent(input: DeliveryInput, n: number): WorkflowJobEvent {
  const long = (chars: number) => 'x'.repeat(chars);
  const resource = {
    id: long(EVENT_BOUNDS.fieldChars),
    name: long(EVENT_BOUNDS.fieldChars),
    phone_number: long(EVENT_BOUNDS.fieldChars),
    vehicle: long(EVENT_BOUNDS.fieldChars),
  };
  const event = JobEvent.parse({
    id: `${long(EVENT_BOUNDS.idChars - 10)}-${String(n).padStart(9, '0')}`,
    type: 'ARRIVED_TO_DESTINATION',
    created_at: new Date().toISOString(),
    job: {
      id: jobIdOf(input.spec.clientReference),
      client_reference: input.spec.clientReference,
      state: long(EVENT_BOUNDS.wordChars),
      tasks: [{ id: long(EVENT_BOUNDS.idChars), type: long(EVENT_BOUNDS.wordChars), resource }],
      delivery_code: long(EVENT_BOUNDS.fieldChars),
      tracking_url: long(EVENT_BOUNDS.urlChars),
      eta: long(EVENT_BOUNDS.fieldChars),
      evidences: Array.from({ length: EVENT_BOUNDS.evidences }, () => ({
        type: 'IMAGE',
        content: long(EVENT_BOUNDS.evidenceChars),
        author: long(EVENT_BOUNDS.fieldChars),
      })),
    },
  });
  const trimmed = eventForWorkflow(event);
  expect(trimmed.trimmed).toBeUndefined();
  return trimmed;
}

/** A call carrying one largest event's proofs (the largest call an event makes). */
const evidencesCall = (event: WorkflowJobEvent, ref: string): OutgoingCall => ({
  call: {
    kind: 'evidences',
    evidences: (event.job.evidences as Array<{ type: 'IMAGE'; content: string; author: string }>).map((e, i) => ({
      ...e,
      ref: `${ref}-${i}`,
    })),
  },
  eventAt: event.created_at,
});

/** The largest inline label VTEX takes (the largest single call). */
const labelCall = (): OutgoingCall => ({
  call: { kind: 'label', label: { type: 'BASE64', url: 'A'.repeat(MAX_INLINE_LABEL_BYTES) } as never },
});

/** A carried delivery on its way (ON_ROUTE, its job made and confirmed), nothing else kept yet: a new one's state, moved on. */
function onRoute(input: DeliveryInput): DeliveryState {
  const now = new Date().toISOString();
  return {
    ...initialState({ ...input, carried: undefined }),
    status: 'ON_ROUTE',
    phase: 'active',
    job: {
      jobId: jobIdOf(input.spec.clientReference),
      slotId: 'slot-carried',
      priceCents: 1250,
      startsAt: now,
      endsAt: now,
    },
    createAttempted: true,
    confirmed: true,
    agentAssigned: true,
  };
}

/** A state at every bound, its outbox filled until the carried input is near `outboxUpTo` bytes. */
function largestState(input: DeliveryInput, outboxUpTo: number): DeliveryState {
  const now = new Date().toISOString();
  const events = Array.from({ length: 5 }, (_, n) => largestEvent(input, n));
  const refused: OutgoingCall[] = [];
  const sent: OutgoingCall[] = [];
  for (let i = 0; i < 40; i += 1) {
    keep(refused, evidencesCall(events[0]!, `refused-${i}`));
    keep(sent, evidencesCall(events[0]!, `sent-${i}`));
  }
  keep(refused, labelCall());
  keep(sent, labelCall());
  const base = onRoute(input);
  const state: DeliveryState = {
    ...base,
    job: {
      ...base.job!,
      trackingUrl: 'x'.repeat(EVENT_BOUNDS.urlChars),
      deliveryCode: 'x'.repeat(EVENT_BOUNDS.fieldChars),
    },
    lastError: text(TEXT_MAX_CHARS),
    needsAttention: true,
    failedReports: Array.from({ length: FAILED_REPORTS_LIMIT }, () => ({
      at: now,
      call: text(TEXT_MAX_CHARS),
      error: text(TEXT_MAX_CHARS),
    })),
    timeline: Array.from({ length: TIMELINE_LIMIT }, (_, i) => ({
      at: now,
      kind: 'event' as const,
      message: text(TEXT_MAX_CHARS),
      eventId: `seen-${i}`,
    })),
    seenEventIds: Array.from({ length: SEEN_EVENTS_LIMIT }, (_, i) => `${'s'.repeat(EVENT_BOUNDS.idChars - 10)}${i}`),
    inbox: events.map((event) => ({ kind: 'event' as const, event })),
    refused,
    sent,
    reporterMemory: { vtexFields: { agent: JSON.stringify({ id: 'x'.repeat(EVENT_BOUNDS.fieldChars) }) } },
    run: 7,
  };
  const sizeOf = () => carriedBytes({ input: { ...input, carried: undefined }, state } as unknown as Delivery);
  let n = 0;
  const call = evidencesCall(events[0]!, 'outbox');
  const step = Buffer.byteLength(JSON.stringify(call));
  while (sizeOf() + step <= outboxUpTo) state.outbox.push(evidencesCall(events[0]!, `outbox-${(n += 1)}`));
  return state;
}

/**
 * A carried state of a delivery on its way, small but for its outbox: one small proof (the call the
 * harness holds), then `patches` PATCHes of about 1 KB each, which nothing keeps once sent.
 */
function smallStateWithOutbox(input: DeliveryInput, patches: number): DeliveryState {
  return {
    ...onRoute(input),
    outbox: [
      {
        call: {
          kind: 'evidences',
          evidences: [{ type: 'TEXT', content: 'left at the door', author: 'courier-1', ref: 'held-0' }],
        },
      } as OutgoingCall,
      ...Array.from({ length: patches }, (_, i): OutgoingCall => ({
        call: {
          kind: 'patch',
          body: { status: 'ON_ROUTE', agent: { id: 'courier-1', name: `${i} ${'x'.repeat(1_000)}` } },
        },
      })),
    ],
    run: 3,
  };
}

describe('the largest state a delivery may carry', () => {
  let client: Client;
  let connection: NativeConnection;
  beforeAll(async () => {
    client = await testTemporalClient();
    connection = await NativeConnection.connect({ address: process.env.TEST_TEMPORAL_ADDRESS! });
  });
  afterAll(async () => {
    await connection.close();
  });

  /**
   * Runs a delivery carried in with `state` (its run is `state.run + 1`): the first report it sends (the outbox's first call)
   * is held until `release` is called, so the outbox stays whole while carrier events push the
   * history past CONTINUE_AFTER_EVENTS.
   */
  async function run(state: DeliveryState, input: DeliveryInput, body: (h: Harness) => Promise<void>) {
    const log = new ActivityLog();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const mocks = vtexMocks(log);
    const taskQueue = `largest-${randomUUID()}`;
    const access = resolveTemporalAccess(parseEnv({ TEMPORAL_ADDRESS: process.env.TEST_TEMPORAL_ADDRESS }));
    const worker = await Worker.create({
      connection,
      taskQueue,
      workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! },
      dataConverter: createDataConverter(access.codecKeys),
      activities: {
        ...mocks,
        vtexAddEvidences: async (...args: Parameters<Activities['vtexAddEvidences']>) => {
          await held;
          return mocks.vtexAddEvidences!(...args);
        },
      },
    });
    const carriedInput: DeliveryInput = { ...input, carried: state };
    const handle = await client.workflow.start<typeof deliveryWorkflow>(WorkflowType.delivery, {
      taskQueue,
      workflowId: input.serviceId,
      args: [carriedInput],
      typedSearchAttributes: startSearchAttributes(input, new Date()),
      memo: startMemo(input),
    });
    const view = () => handle.query(deliveryStateQuery);
    const nextRun = () =>
      waitFor(
        async () => {
          const v = await view();
          return v.run > state.run + 1 ? v : undefined;
        },
        { what: 'the next run', timeoutMs: 60_000 },
      );
    const events = async (count: number) => {
      for (let i = 0; i < count; i += 1)
        await handle.signal(carrierEventSignal, {
          id: `push-${randomUUID()}`,
          type: 'ARRIVED_TO_DESTINATION',
          created_at: new Date().toISOString(),
          job: { id: jobIdOf(input.spec.clientReference), client_reference: input.spec.clientReference },
        });
    };
    try {
      await worker.runUntil(
        body({ view, events, release, nextRun, carriedRunId: handle.firstExecutionRunId }).catch((err: unknown) => {
          release();
          throw err;
        }),
      );
    } finally {
      release();
      await handle.terminate('test over').catch(() => undefined);
    }
  }

  interface Harness {
    view: () => Promise<DeliveryView>;
    events: (count: number) => Promise<void>;
    release: () => void;
    /** The view of the run after the carried one, once it answers. */
    nextRun: () => Promise<DeliveryView>;
    /** The run started with the carried state. */
    carriedRunId: string;
  }

  it('continues as new with every bound reached and an outbox up to CARRY_MAX_BYTES', async () => {
    const input = vtexDeliveryInput(Date.now(), { tuning: { continueAsNewAfterEvents: CONTINUE_AFTER_EVENTS } });
    const state = largestState(input, CARRY_MAX_BYTES);
    const size = carriedBytes({ input, state } as unknown as Delivery);
    // The bounded parts alone, and the whole as carried: near the bound, under it.
    expect(KEPT_CALLS_MAX_BYTES * 2).toBeLessThan(size);
    expect(size).toBeGreaterThan(CARRY_MAX_BYTES - 30_000);
    expect(size).toBeLessThanOrEqual(CARRY_MAX_BYTES);

    await run(state, input, async ({ view, events, release, nextRun }) => {
      await waitFor(async () => ((await view()).run === state.run + 1 ? true : undefined), {
        what: 'the carried run answering',
      });
      await events(CONTINUE_AFTER_EVENTS);
      release();
      const next = await nextRun();
      expect(next.run).toBe(state.run + 2);
      // Carried whole: the kept lists at their bounds, the timeline full.
      expect(next.refusedReports).toBe(state.refused.length);
      expect(next.timeline).toHaveLength(TIMELINE_LIMIT);
      expect(next.failedReports).toHaveLength(FAILED_REPORTS_LIMIT);
    });
  }, 120_000);

  /**
   * Runs `state` over `bound`: once `events` carrier events ask for a continue-as-new, the run holds,
   * flagged; once its first report is let go and the outbox drains, it continues as new and the flag
   * is cleared. Gives the id of the run that held.
   */
  async function holdsThenContinues(state: DeliveryState, input: DeliveryInput, bound: number, events: number) {
    let heldRunId = '';
    await run(state, input, async (h) => {
      await h.events(events);
      const held = await waitFor(
        async () => {
          // History length is read once a workflow task: one more event gives the run a task to read it in.
          await h.events(1);
          const v = await h.view();
          return v.lastError?.includes(`over ${bound} bytes`) ? v : undefined;
        },
        { what: 'the over-the-bound flag', timeoutMs: 60_000 },
      );
      expect(held).toMatchObject({ run: state.run + 1, needsAttention: true });
      h.release();
      const next = await h.nextRun();
      expect(next.timeline.some((e) => e.message.includes('the state fits again'))).toBe(true);
      expect(next.needsAttention).toBe(false);
      heldRunId = h.carriedRunId;
    });
    return heldRunId;
  }

  it('holds a state over CARRY_MAX_BYTES in its run, flagged, until its reports drain, then continues as new', async () => {
    const input = vtexDeliveryInput(Date.now(), { tuning: { continueAsNewAfterEvents: CONTINUE_AFTER_EVENTS } });
    const state = largestState(input, CARRY_MAX_BYTES + 300_000);
    // Over the bound even once the carried inbox is handled (its events leave the state).
    const withoutInbox = { ...state, inbox: [] };
    expect(carriedBytes({ input, state: withoutInbox } as unknown as Delivery)).toBeGreaterThan(CARRY_MAX_BYTES);

    await holdsThenContinues(state, input, CARRY_MAX_BYTES, CONTINUE_AFTER_EVENTS);
  }, 120_000);

  /**
   * The same hold under a bound tuned low (`tuning.carryMaxBytes`), so that its history is small
   * enough to keep: `test/histories/hold-oversized-state.json`, the patch's recorded history
   * (docs/versioning.md "Patches in force"), replayed by test/replay.
   */
  it('holds a state over a tuned bound the same way, and records that run for the replay test', async () => {
    const base = vtexDeliveryInput(Date.now());
    const small = smallStateWithOutbox(base, 10);
    const bound =
      carriedBytes({ input: base, state: { ...small, outbox: small.outbox.slice(0, 1) } } as unknown as Delivery) +
      8_000;
    // Fewer events than the other cases: the timeline they add must fit under the bound once the outbox drained.
    const input = { ...base, tuning: { continueAsNewAfterEvents: HOLD_EVENTS, carryMaxBytes: bound } };
    expect(carriedBytes({ input, state: small } as unknown as Delivery)).toBeGreaterThan(bound);

    const heldRunId = await holdsThenContinues(small, input, bound, HOLD_EVENTS);
    await recordHistory(client, input.serviceId, 'hold-oversized-state', { waitForEnd: false, runId: heldRunId });
  }, 120_000);
});
