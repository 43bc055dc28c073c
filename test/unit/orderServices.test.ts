/**
 * When VTEX asking again for an order whose service ended asks for another service
 * (api/deliveries.ts `isAnotherService`): after a cancel always; after the end of a delivery only
 * for another type; otherwise it is a repeat.
 */
import { isAnotherService } from '../../api/deliveries';

it.each([
  [{ status: 'CANCELED', type: 'DELIVERY' }, 'DELIVERY', true],
  [{ status: 'CANCELED', type: 'DELIVERY' }, 'RETURN', true],
  [{ status: 'DELIVERED', type: 'DELIVERY' }, 'RETURN', true],
  [{ status: 'RETURNED', type: 'DELIVERY' }, 'PICKUP', true],
  [{ status: 'DELIVERED', type: 'DELIVERY' }, 'DELIVERY', false],
  [{ status: 'DELIVERED', type: 'RETURN' }, 'RETURN', false],
  [{ status: 'ON_ROUTE', type: 'DELIVERY' }, 'RETURN', false],
] as const)('an ended %j asked for %s: another service %s', (ended, asked, another) => {
  expect(isAnotherService(ended, asked)).toBe(another);
});
