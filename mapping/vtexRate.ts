/**
 * A Delivery Engine slot as VTEX's rate (its OpenAPI's `ServiceBody` with `Rate`): what POST
 * /vtex/rates answers. Pure: the clock is the `now` it is given. What we send and why: docs/specification.md
 * "Rates".
 */
import type { ChosenSlot } from '../contracts/deliveryEngine';
import type { DeliveryInput } from '../contracts/delivery';

export interface Money {
  /** minor units ("cents" in VTEX's schema), an integer */
  value: number;
  /** ISO 4217 */
  currency: string;
}

export interface VtexRate {
  shippingPrice: Money;
  insurancePrice: Money;
}

export interface VtexRateAnswer {
  message: string;
  data: {
    orderId: string;
    carrierId: string;
    /** a quote creates no service */
    serviceId: null;
    status: null;
    seller: string | null;
    type: string;
    carrierServiceType: string | null;
    paymentMethod: string | null;
    rate: VtexRate;
    shippingEstimatedDate: string;
    shippingFinishedDate: null;
    /** whole minutes from the quote to the end of the slot (when the parcel is delivered at the latest) */
    transitTime: number;
    tags: string[];
    labels: never[];
    metaData: {
      integrationResponse: { slotStartsAt: string; slotEndsAt: string; validUntil: string };
      carrier: {
        id: string;
        name: string;
        image: null;
        metaData: Record<string, never>;
        type: {
          id: string;
          name: string;
          description: string;
          terms: string;
          metaData: Record<string, never>;
          rate: VtexRate;
          transitTime: number;
          shippingEstimatedDate: string;
          international: boolean;
        };
      };
    };
  };
}

/** Major units to VTEX's integer "cents" (every currency times 100, as VTEX's schema says). */
export function toCents(major: number): number {
  return Math.round(major * 100);
}

export function vtexRateAnswer(
  input: DeliveryInput,
  slot: Pick<ChosenSlot, 'from' | 'to' | 'expires_at' | 'priceCents' | 'currency'>,
  now: Date,
): VtexRateAnswer {
  // The carrier's rate card prices in its own currency, in cents already.
  const currency = slot.currency;
  const rate: VtexRate = {
    shippingPrice: { value: slot.priceCents, currency },
    // The engine sells no insurance: zero, in the same currency, as VTEX's own example does.
    insurancePrice: { value: 0, currency },
  };
  const transitTime = Math.max(0, Math.ceil((Date.parse(slot.to) - now.getTime()) / 60_000));
  const context = input.context ?? {};
  const carrierServiceType = typeof context.carrierServiceType === 'string' ? context.carrierServiceType : null;
  const type = typeof context.type === 'string' ? context.type : 'DELIVERY';
  return {
    message: 'Rate calculated',
    data: {
      orderId: input.orderId,
      carrierId: input.carrierId,
      serviceId: null,
      status: null,
      seller: typeof context.seller === 'string' ? context.seller : null,
      type,
      carrierServiceType,
      paymentMethod: typeof context.paymentMethod === 'string' ? context.paymentMethod : null,
      rate,
      shippingEstimatedDate: slot.to,
      shippingFinishedDate: null,
      transitTime,
      tags: [],
      labels: [],
      metaData: {
        integrationResponse: { slotStartsAt: slot.from, slotEndsAt: slot.to, validUntil: slot.expires_at },
        carrier: {
          id: input.carrierId,
          name: input.carrierId,
          image: null,
          metaData: {},
          type: {
            id: carrierServiceType ?? 'OTHERS',
            name: `Last mile, delivered ${slot.from} to ${slot.to}`,
            description: '',
            terms: '',
            metaData: {},
            rate,
            transitTime,
            shippingEstimatedDate: slot.to,
            international: false,
          },
        },
      },
    },
  };
}
