/**
 * Drift repair's comparison (activities/platformDrift.ts) and the operators' time spans: what
 * counts as drift, what is a conflict for an operator, what is left alone.
 */
import example from '../../contracts/examples/vtex.get-service.json';
import type { DeliveryView, TimelineEntry } from '../../contracts/delivery';
import { durationMs } from '../../contracts/operations';
import { ServiceRecord } from '../../contracts/vtex';
import { ConfigError, parseEnv } from '../../config';
import {
  abbiamoDrift,
  expectationOf,
  notComparable,
  vtexDrift,
  type PlatformExpectation,
} from '../../activities/platformDrift';

const record = (over: Partial<ServiceRecord> = {}): ServiceRecord => ({
  ...ServiceRecord.parse((example as { data: unknown }).data),
  notes: [],
  evidences: [],
  ...over,
});
const note = (content: string) => ({ type: 'COMMENT' as const, date: '2026-12-01T10:00:00Z', content, author: 'Ana' });
const expected = (over: Partial<PlatformExpectation> = {}): PlatformExpectation => ({
  status: 'ON_ROUTE',
  paused: false,
  notes: 0,
  evidences: 0,
  ...over,
});
const line = (kind: TimelineEntry['kind'], message: string): TimelineEntry => ({
  at: '2026-12-01T10:00:00Z',
  kind,
  message,
});
const view = (over: Partial<DeliveryView> = {}): DeliveryView => ({
  serviceId: 'vtex-X-aaaaaaaaaa',
  platform: 'vtex',
  orderId: 'X',
  clientReference: 'vtex-X-aaaaaaaaaa',
  carrierId: 'c',
  status: 'ON_ROUTE',
  phase: 'active',
  paused: false,
  needsAttention: false,
  failedReports: [],
  pendingReports: 0,
  refusedReports: 0,
  timeline: [],
  run: 1,
  ...over,
});

describe('VTEX drift', () => {
  it('is nothing when VTEX shows what the delivery told it', () => {
    expect(vtexDrift(expected({ notes: 1 }), record({ status: 'ON_ROUTE', notes: [note('a')] }))).toEqual({
      kind: 'same',
    });
  });

  it('names a status behind ours and notes or evidences VTEX lost, all at once', () => {
    expect(vtexDrift(expected({ notes: 2, evidences: 1 }), record({ status: 'ASSIGNED', notes: [note('a')] }))).toEqual(
      {
        kind: 'drift',
        drift: [
          'status: VTEX shows ASSIGNED, the delivery is ON_ROUTE',
          'notes: VTEX holds 1, the delivery sent 2',
          'evidences: VTEX holds 0, the delivery sent 1',
        ],
      },
    );
  });

  it('names another driver when the delivery knows its driver', () => {
    const shown = record({ status: 'ON_ROUTE', agent: { id: 'r-2', name: 'Bo' } as ServiceRecord['agent'] });
    expect(vtexDrift(expected({ driverId: 'r-1' }), shown)).toEqual({
      kind: 'drift',
      drift: ['driver: VTEX shows r-2, the delivery has r-1'],
    });
  });

  it("leaves VTEX's own pause alone, and calls an end the delivery has not reached a conflict", () => {
    expect(vtexDrift(expected({ paused: true }), record({ status: 'ON_HOLD' }))).toEqual({ kind: 'same' });
    expect(vtexDrift(expected(), record({ status: 'ON_HOLD' })).kind).toBe('drift');
    expect(vtexDrift(expected(), record({ status: 'CANCELED' }))).toEqual({
      kind: 'conflict',
      reason: 'VTEX shows CANCELED, the delivery is ON_ROUTE',
    });
  });
});

describe('Abbiamo drift (a lower bound: its steps and ours do not map one to one)', () => {
  it('wants a confirmed delivery confirmed, and one on route started', () => {
    expect(abbiamoDrift(expected({ status: 'ASSIGNED' }), { status: 'PENDING' })).toEqual({
      kind: 'drift',
      drift: ['status: Abbiamo shows PENDING, the delivery is ASSIGNED'],
    });
    expect(abbiamoDrift(expected({ status: 'ON_ROUTE' }), { status: 'IN_TRANSIT' }).kind).toBe('drift');
    expect(abbiamoDrift(expected({ status: 'ON_ROUTE' }), { status: 'START_DELIVERY' })).toEqual({ kind: 'same' });
    expect(abbiamoDrift(expected({ status: 'ASSIGNED' }), { status: 'IN_TRANSIT' })).toEqual({ kind: 'same' });
    expect(abbiamoDrift(expected({ status: 'ASSIGNED' }), { status: 'ORDER_FAILED' }).kind).toBe('conflict');
  });
});

describe('what the delivery expects the platform to hold', () => {
  it('counts the notes and evidences the platform took, but not the same ones re-sent by a repair', () => {
    const timeline = [
      line('report', 'PATCH status ASSIGNED'),
      line('report', 'POST notes (2)'),
      line('report', 'POST evidences (1)'),
      line('error', 'POST notes (1) refused: 400'),
      line('note', "operator reconciler repairs the platform's record (notes: VTEX holds 0): 2 call(s) sent again"),
      line('report', 'POST notes (2)'),
      line('report', 'POST evidences (1)'),
      line('report', 'POST notes (1)'),
    ];
    expect(expectationOf(view({ timeline, paused: true }))).toEqual({
      status: 'ON_ROUTE',
      paused: true,
      notes: 3,
      evidences: 1,
    });
  });

  it('compares only active deliveries with nothing in flight and nothing refused', () => {
    expect(notComparable(view())).toBeUndefined();
    expect(notComparable(view({ phase: 'waiting-confirmation' }))).toBe('phase waiting-confirmation');
    expect(notComparable(view({ pendingReports: 2 }))).toBe('2 report(s) in flight');
    expect(notComparable(view({ refusedReports: 1 }))).toBe('1 refused report(s) wait for an operator');
  });
});

describe('time spans', () => {
  it('reads 30s, 15m, 2h, 1d and plain milliseconds, and nothing else', () => {
    expect([durationMs('30s'), durationMs('15m'), durationMs('2h'), durationMs('1d'), durationMs('1500')]).toEqual([
      30_000, 900_000, 7_200_000, 86_400_000, 1500,
    ]);
    expect(durationMs('soon')).toBeUndefined();
    expect(durationMs('5 m')).toBeUndefined();
  });

  it('RECONCILE_INTERVAL: 5 minutes by default, at least 10 s, a clear error naming it', () => {
    expect(parseEnv({}).RECONCILE_INTERVAL).toBe(300_000);
    expect(parseEnv({ RECONCILE_INTERVAL: '30s' }).RECONCILE_INTERVAL).toBe(30_000);
    expect(() => parseEnv({ RECONCILE_INTERVAL: '5s' })).toThrow(
      new ConfigError('RECONCILE_INTERVAL', 'must be at least 10s (got "5s")'),
    );
    expect(() => parseEnv({ RECONCILE_INTERVAL: 'hourly' })).toThrow(/RECONCILE_INTERVAL must be a time span/);
  });
});
