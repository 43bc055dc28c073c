/**
 * Seed 002's DELIVERY_REQUEST examples for tests, as plain objects to change freely. `fresh` gives
 * every delivery (and the route) new ids, since all test files share one Temporal server.
 */
import { randomUUID } from 'node:crypto';

/** Seed 002, first example (`make_route: false`), valid JSON. */
export function seedDeliveryRequest(): Record<string, any> {
  return {
    event_type: 'DELIVERY_REQUEST',
    seller: {
      seller_name: 'Go Go Fruits',
      seller_id: 'eb064ede-08f3-470e-a37c-5b796a17cca8',
      seller_document_number: '88399480000156',
      seller_group_id: 'b7d56bca-606e-405e-bf4d-9b0a3291b61d',
      seller_contacts: [{ name: 'Eduardo Silveira', phone: '21999999999', phone_country_code: '55', email: '[email protected]' }],
    },
    carrier: {
      name: 'CARRIER_BRAND_NAME',
      max_dispatched_time: '14:00:00-03',
      expected_delivery_date: '2022-12-22T23:59:00.000-03:00',
      total_expected_delivery_price: 1200,
      method: { external_id: 'name/id', id: 'e84b2788-5b78-40dd-95cf-75807f70aaaa', name: 'CARRIER_BRAND_NAME_D0', type: 'D0' },
    },
    logistic_data: { headers: { Authorization: 'Bearer xxx' } },
    source_address: {
      zip_code: '04029904',
      country: 'BRA',
      state: 'SP',
      city: 'São Paulo',
      neighborhood: 'Indianópolis',
      street: 'Avenida Ibirapuera',
      street_number: '3407',
      complement: null,
      reference: null,
      latitude: -23.52045997445427,
      longitude: -46.438805678513575,
    },
    make_route: false,
    courier_must_return: true,
    route_id: null,
    route_name: null,
    deliveries: [
      {
        invoice_number: 'example_invoice_number_1',
        invoice_access_key: '42081183123141000200550010000007010046403276',
        invoice_created_at: '2023-06-22T18:59:37.024Z',
        delivery_id: '851dc274-e090-4881-8f3c-5b660cecf059',
        order_number: 'example_carrier_payload_1',
        tracking: 'a-vBGOS',
        amount: 6909,
        expected_delivery_price: 1000,
        carrier_additional_information: {
          keep_prescription: true,
          thermolabile: true,
          pos_terminal_required: true,
          return_to_origin: true,
          observation: 'pegar maquina com Walmir no caixa',
        },
        volumes: [{ id: '4754cd99-3378-4e6c-bdaf-53db23ac5a4f', weight: 0, height: null, width: null, length: null, cubic_volume: 0 }],
        customer: { name: 'Machado de Assis', phone: '911111111', phone_country_code: '55', document_number: '07073877014' },
        destination_address: {
          zip_code: '08050360',
          country: 'BRA',
          state: 'SP',
          city: 'São Paulo',
          neighborhood: 'Jardim das Camélias',
          street: 'Rua Doutor Alfredo Sales',
          street_number: '931',
          complement: 'sala 2',
          reference: null,
          latitude: -23.834499518193947,
          longitude: -45.37406370734008,
        },
      },
    ],
  };
}

/** Seed 002, second example (`make_route: true`, `courier_must_return: false`). */
export function seedRouteDeliveryRequest(): Record<string, any> {
  const event = seedDeliveryRequest();
  delete event.carrier.method.external_id;
  return { ...event, make_route: true, courier_must_return: false, route_id: '7ed34417-b51f-4d98-bec8-3ccb41290575', route_name: 'GPT-2LkRo' };
}

/** The event with new delivery ids (and route id when it has one), and `count` deliveries. */
export function fresh(event: Record<string, any>, count = event.deliveries.length): Record<string, any> {
  const copy = JSON.parse(JSON.stringify(event)) as Record<string, any>;
  const template = copy.deliveries[0];
  copy.deliveries = Array.from({ length: count }, (_, i) => ({
    ...JSON.parse(JSON.stringify(copy.deliveries[i] ?? template)),
    delivery_id: randomUUID(),
    order_number: `order-${randomUUID().slice(0, 8)}`,
  }));
  if (copy.route_id) copy.route_id = randomUUID();
  return copy;
}
