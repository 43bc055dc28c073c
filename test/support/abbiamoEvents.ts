/**
 * Abbiamo's DELIVERY_REQUEST examples (contracts/examples) for tests, as fresh copies to change
 * freely. `fresh` gives every delivery (and the route) new ids and the event new callback headers,
 * since all test files share one Temporal server and one sandbox may see many events.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import example from '../../contracts/examples/abbiamo.delivery-request.json';
import routeExample from '../../contracts/examples/abbiamo.delivery-request-route.json';

/** Abbiamo's first example (`make_route: false`, `courier_must_return: true`). */
export function seedDeliveryRequest(): Record<string, any> {
  return structuredClone(example) as Record<string, any>;
}

/** Abbiamo's second example (`make_route: true`, `courier_must_return: false`). */
export function seedRouteDeliveryRequest(): Record<string, any> {
  return structuredClone(routeExample) as Record<string, any>;
}

/** The event with `count` deliveries (copies of the first), new ids, new route id, new headers. */
export function fresh(event: Record<string, any>, count = event.deliveries.length): Record<string, any> {
  const copy = structuredClone(event);
  const template = copy.deliveries[0];
  copy.deliveries = Array.from({ length: count }, (_, i) => ({
    ...structuredClone(copy.deliveries[i] ?? template),
    delivery_id: randomUUID(),
    order_number: `IT-MKT-${randomUUID().slice(0, 8)}-${i + 1}`,
  }));
  if (copy.route_id) copy.route_id = randomUUID();
  copy.logistic_data = {
    headers: {
      Authorization: `Bearer ${randomBytes(18).toString('base64url')}`,
      'X-Carrier-Key': randomBytes(12).toString('hex'),
    },
  };
  return copy;
}
