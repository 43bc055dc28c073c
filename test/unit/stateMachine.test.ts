import type { DeliveryStatus } from '../../contracts/delivery';
import { decideMove, isTerminal, statusForEventType, type StatusPosition } from '../../workflows/stateMachine';

const at = (status: DeliveryStatus, rankBeforeInterruption?: number): StatusPosition => ({
  status,
  rankBeforeInterruption,
});
const moved = (from: StatusPosition, to: DeliveryStatus) => decideMove(from, to).kind === 'move';

describe('the delivery status machine', () => {
  it('maps every Instaleap event type of docs/partners.md "Delivery Engine" to its VTEX status, or to none', () => {
    const table: Array<[string, DeliveryStatus | undefined]> = [
      ['CREATED', 'PENDING'],
      ['ALLOCATED', 'ASSIGNED'],
      ['RE_ALLOCATED', 'ASSIGNED'],
      ['GOING_TO_ORIGIN_STARTED', 'ASSIGNED'],
      ['ARRIVED_TO_ORIGIN', 'ASSIGNED'],
      ['PICKING_FINISHED', 'PICKED'],
      ['CHECKING_OUT_STARTED', 'PICKED'],
      ['CHECKED_OUT', 'PICKED'],
      ['GOING_TO_DESTINATION_STARTED', 'ON_ROUTE'],
      ['ARRIVED_TO_DESTINATION', 'ON_ROUTE'],
      ['DELIVERING_STARTED', 'ON_ROUTE'],
      ['CLIENT_RECEIVED', 'DELIVERED'],
      ['CANCELLED', 'CANCELED'],
      ['REFUSED', 'INCIDENT'],
      ['TASK_RESET_PICKING', 'INCIDENT'],
      ['TASK_RESET_DELIVERY', 'INCIDENT'],
      // Not Instaleap's: an operator raises them (force-status).
      ['INCIDENT', undefined],
      ['ON_HOLD', undefined],
      ['RETURNED', undefined],
      ['RESCHEDULED', undefined],
      ['PICKING_STARTED', undefined],
      ['INVOICED', undefined],
      ['SOMETHING_NEW', undefined],
    ];
    for (const [type, status] of table) expect([type, statusForEventType(type)]).toEqual([type, status]);
  });

  it('moves forward through the progress statuses, skipping steps when events are missed', () => {
    expect(moved(at('PENDING'), 'ASSIGNED')).toBe(true);
    expect(moved(at('ASSIGNED'), 'PICKED')).toBe(true);
    expect(moved(at('PICKED'), 'ON_ROUTE')).toBe(true);
    expect(moved(at('ON_ROUTE'), 'DELIVERED')).toBe(true);
    expect(moved(at('PENDING'), 'ON_ROUTE')).toBe(true);
  });

  it('never moves a delivery backwards', () => {
    expect(decideMove(at('ON_ROUTE'), 'PICKED')).toEqual({
      kind: 'refuse',
      reason: 'PICKED would move the delivery back from ON_ROUTE',
    });
    expect(moved(at('ASSIGNED'), 'PENDING')).toBe(false);
  });

  it('treats the same status again as no move (a new driver on ASSIGNED is a detail update)', () => {
    expect(decideMove(at('ASSIGNED'), 'ASSIGNED')).toEqual({ kind: 'same', position: at('ASSIGNED') });
  });

  it('lets INCIDENT and ON_HOLD interrupt any open status and resume where progress stood', () => {
    const incident = decideMove(at('PICKED'), 'INCIDENT');
    expect(incident).toEqual({ kind: 'move', to: 'INCIDENT', position: at('INCIDENT', 2) });
    const held = decideMove(at('INCIDENT', 2), 'ON_HOLD');
    expect(held).toEqual({ kind: 'move', to: 'ON_HOLD', position: at('ON_HOLD', 2) });
    expect(moved(at('ON_HOLD', 2), 'PICKED')).toBe(true);
    expect(moved(at('ON_HOLD', 2), 'ON_ROUTE')).toBe(true);
    expect(moved(at('INCIDENT', 2), 'ASSIGNED')).toBe(false);
  });

  it('ends on DELIVERED, RETURNED and CANCELED, after which nothing moves it', () => {
    for (const end of ['DELIVERED', 'RETURNED', 'CANCELED'] as const) {
      expect(isTerminal(end)).toBe(true);
      expect(decideMove(at(end), 'ON_ROUTE')).toEqual({ kind: 'refuse', reason: `the delivery already ended ${end}` });
      expect(decideMove(at(end), end).kind).toBe('same');
    }
    expect(moved(at('ON_ROUTE'), 'RETURNED')).toBe(true);
    expect(moved(at('PENDING'), 'CANCELED')).toBe(true);
    expect(isTerminal('ON_HOLD')).toBe(false);
  });
});
