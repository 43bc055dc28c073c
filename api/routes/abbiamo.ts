/**
 * Abbiamo calls us here (docs/marketplace.md): its Delivery Request and Cancellation Request
 * webhooks may both point at `POST /marketplace/events`; the body's `event_type` says which.
 * - DELIVERY_REQUEST: one workflow per element of `deliveries`, answered 202 once every one exists;
 *   nothing starts unless every delivery maps.
 * - CANCELLATION_REQUEST: the delivery's cancel (SELLER_CANCELED only before collection; a
 *   CARRIER_TIMEOUT whatever the stage, since Abbiamo already canceled it); 202 even for a
 *   delivery we do not know or that already ended (logged), so Abbiamo does not retry it.
 * - ORDER_RECEIVER_UPDATE: the receiver's change, carried to the job; 202 like a cancel.
 * - PICKUP_PIN_VALIDATION_REQUEST: Abbiamo validated its pickup PIN; the job's hold is released
 *   within the call, answered 200 once it is.
 * Every 4xx carries `abbiamo_error`, the text Abbiamo shows the seller (`abbiamoErrorAnswers`).
 */
import { createHmac } from 'node:crypto';
import { Router, type ErrorRequestHandler } from 'express';
import {
  CancellationRequestEvent,
  DeliveryRequestEvent,
  AbbiamoEventEnvelope,
  PICKUP_PIN_VALIDATION_REQUEST,
  PickupPinValidationEvent,
  RECEIVER_UPDATE_EVENT_TYPES,
  ReceiverUpdateEvent,
  type CancellationRequestEvent as Cancellation,
} from '../../contracts/abbiamo';
import type { DeliveryInput } from '../../contracts/delivery';
import { abbiamoCancelReason } from '../../mapping/eventToAbbiamo';
import { abbiamoServiceId } from '../../mapping/ids';
import { mapAbbiamoEvent, receiverChangeOf } from '../../mapping/abbiamoToJob';
import type { Sealer } from '../../security/sealing';
import type { DeliveryGateway } from '../deliveries';
import { DeliveryRefusal } from '../deliveryRefusal';
import { badRequest, HttpError, parseBody } from '../errors';

export interface AbbiamoRouteDeps {
  gateway: DeliveryGateway;
  creationGraceMs: number;
  /** Abbiamo's confirmation timeout (MARKETPLACE_CONFIRMATION_TIMEOUT_MS). */
  confirmationTimeoutMs: number;
  /** Seals `logistic_data.headers` before they enter a workflow input. */
  sealer: Sealer;
  /** Keys our pickup codes (SECRETS_KEY): a code cannot be guessed from the public delivery id. */
  pickupCodeKey: string;
}

export const DELIVERY_REQUEST = 'DELIVERY_REQUEST';
export const CANCELLATION_REQUEST = 'CANCELLATION_REQUEST';

/**
 * One delivery's workflow input, at most: Temporal warns at 512 KB and refuses 2 MB per payload.
 * Over it the delivery is refused with its path, rather than failing at Temporal as a 503 that
 * Abbiamo would retry forever.
 */
export const MAX_DELIVERY_INPUT_BYTES = 256 * 1024;

/** 4 digits, the same for the same delivery and key (a repeated DELIVERY_REQUEST gives the same job). */
export function pickupCodeFor(key: string): (deliveryId: string) => string {
  return (deliveryId) => {
    const digest = createHmac('sha256', key).update(`abbiamo-pickup-code:${deliveryId}`).digest();
    return String(digest.readUInt32BE(0) % 10_000).padStart(4, '0');
  };
}

export function abbiamoRoutes(deps: AbbiamoRouteDeps): Router {
  const { gateway, creationGraceMs, confirmationTimeoutMs, sealer } = deps;
  const pickupCode = pickupCodeFor(deps.pickupCodeKey);
  const router = Router();

  router.post('/events', async (req, res) => {
    const receivedAt = res.locals.receivedAt as number;
    const { event_type: eventType } = parseBody(AbbiamoEventEnvelope, req.body);

    if (eventType === CANCELLATION_REQUEST) {
      const cancel = parseBody(CancellationRequestEvent, req.body);
      const answer = await cancelDelivery(gateway, cancel);
      if (answer.outcome !== 'cancel-sent') {
        req.log.warn(
          { deliveryId: cancel.delivery_id, subStatus: cancel.sub_status, outcome: answer.outcome },
          'Abbiamo cancellation acknowledged without a cancel',
        );
      }
      res.status(202).json({ event_type: eventType, ...answer });
      return;
    }

    if (eventType === PICKUP_PIN_VALIDATION_REQUEST) {
      const validation = parseBody(PickupPinValidationEvent, req.body);
      const serviceId = abbiamoServiceId(validation.delivery_id);
      const release = await gateway.releasePickup(
        serviceId,
        validation.pincode_value ?? undefined,
        PICKUP_RELEASE_WAIT_MS,
      );
      // Never the PIN in the answer or the log: the outcome only.
      if (!release.released) throw pickupRefusal(release.reason);
      res.status(200).json({ success: true, event_type: eventType, delivery_id: validation.delivery_id, serviceId });
      return;
    }

    if ((RECEIVER_UPDATE_EVENT_TYPES as readonly string[]).includes(eventType)) {
      const update = parseBody(ReceiverUpdateEvent, req.body);
      const answer = await changeReceiver(gateway, update);
      if (answer.outcome !== 'change-sent') {
        req.log.warn(
          { deliveryId: update.delivery_id, outcome: answer.outcome },
          'Abbiamo receiver change not carried',
        );
      }
      res.status(202).json({ event_type: eventType, ...answer });
      return;
    }

    if (eventType !== DELIVERY_REQUEST) {
      // A platform that adds an event type expects carriers to acknowledge what they do not
      // handle, not to fail its webhook (docs/marketplace.md).
      req.log.warn(
        { eventType: eventType.slice(0, 100) },
        'Abbiamo event of a type we do not handle: acknowledged, nothing started',
      );
      res.status(202).json({
        event_type: eventType,
        ignored: true,
        reason: `event_type ${eventType} is not handled (only ${DELIVERY_REQUEST}, ${CANCELLATION_REQUEST} and ${RECEIVER_UPDATE_EVENT_TYPES[0]})`,
        accepted: [],
      });
      return;
    }

    const event = parseBody(DeliveryRequestEvent, req.body);
    // Every delivery is mapped before any workflow starts: one bad delivery refuses the event.
    const inputs = mapAbbiamoEvent(event, {
      now: new Date(receivedAt),
      creationGraceMs,
      confirmationTimeoutMs,
      sealHeaders: (headers, serviceId) => sealer.sealJson(headers, serviceId),
      pickupCode,
    });
    refuseOversized(inputs);
    const started = await gateway.startDeliveries(inputs);
    const route = inputs[0]?.routeId ? { id: inputs[0].routeId, name: inputs[0].routeName ?? null } : null;
    res.status(202).json({
      event_type: eventType,
      accepted: inputs.map((input, i) => ({
        delivery_id: input.report.platform === 'marketplace' ? input.report.deliveryId : input.orderId,
        serviceId: input.serviceId,
        workflow: started[i]!.workflow,
      })),
      route,
    });
  });

  return router;
}

function refuseOversized(inputs: DeliveryInput[]): void {
  const details = inputs.flatMap((input, i) => {
    const bytes = Buffer.byteLength(JSON.stringify(input), 'utf8');
    return bytes > MAX_DELIVERY_INPUT_BYTES
      ? [
          {
            path: `deliveries.${i}`,
            message: `is too large to take (${bytes} bytes once mapped, at most ${MAX_DELIVERY_INPUT_BYTES}): shorten its texts, volumes or logistic_data.headers`,
          },
        ]
      : [];
  });
  if (details.length > 0) throw badRequest('The request cannot be delivered as sent', details);
}

type CancelOutcome = 'cancel-sent' | 'unknown-delivery' | 'already-ended' | 'not-cancelable';

async function cancelDelivery(
  gateway: DeliveryGateway,
  cancel: Cancellation,
): Promise<{ delivery_id: string; serviceId: string; outcome: CancelOutcome }> {
  const serviceId = abbiamoServiceId(cancel.delivery_id);
  const answer = (outcome: CancelOutcome) => ({ delivery_id: cancel.delivery_id, serviceId, outcome });
  try {
    const summary = await gateway.cancel(
      serviceId,
      undefined,
      abbiamoCancelReason(cancel.sub_status, cancel.support_id),
      {
        // The seller may cancel only before collection: once the driver has the parcel the workflow
        // records and flags it instead. A timeout cancel is Abbiamo's own: carried out whatever the stage.
        onlyBeforeCollection: cancel.sub_status === 'SELLER_CANCELED',
      },
    );
    return answer(summary.running && summary.status !== 'CANCELED' ? 'cancel-sent' : 'already-ended');
  } catch (err) {
    if (err instanceof DeliveryRefusal && err.kind === 'unknown') return answer('unknown-delivery');
    // Delivered already, or a workflow that is gone (terminated): nothing to carry out here, and
    // Abbiamo cannot fix it by retrying. The gateway logs the second for an operator.
    if (err instanceof DeliveryRefusal && err.kind === 'ended')
      return answer(/already/.test(err.message) ? 'already-ended' : 'not-cancelable');
    throw err;
  }
}

/** How long Abbiamo's synchronous PIN validation waits for the engine's release (its timeout is unpublished). */
export const PICKUP_RELEASE_WAIT_MS = 8000;

const PICKUP_REFUSALS: Record<string, [number, string]> = {
  'no-pin': [409, 'this delivery has no pickup PIN of Abbiamo'],
  'wrong-pin': [422, "pincode_value is not this delivery's pickup PIN"],
  'no-job': [409, 'the delivery has no job yet: the driver is not at the pickup'],
  ended: [409, 'the delivery already ended'],
  'engine-refused': [502, 'the Delivery Engine refused to unlock the driver; an operator is told'],
};

function pickupRefusal(reason: string): HttpError {
  const [status, message] = PICKUP_REFUSALS[reason] ?? [409, reason];
  const path = reason === 'wrong-pin' ? 'pincode_value' : 'delivery_id';
  return new HttpError(status, 'The driver cannot be unlocked', [{ path, message }]);
}

type ReceiverChangeOutcome = 'change-sent' | 'unknown-delivery' | 'already-ended';

/** Like a cancel, a change for a delivery we do not know or that ended is acknowledged: a retry fixes nothing. */
async function changeReceiver(
  gateway: DeliveryGateway,
  update: ReceiverUpdateEvent,
): Promise<{ delivery_id: string; serviceId: string; outcome: ReceiverChangeOutcome }> {
  const serviceId = abbiamoServiceId(update.delivery_id);
  const answer = (outcome: ReceiverChangeOutcome) => ({ delivery_id: update.delivery_id, serviceId, outcome });
  const change = receiverChangeOf(update);
  try {
    await gateway.changeReceiver(serviceId, change, 'marketplace');
    return answer('change-sent');
  } catch (err) {
    if (err instanceof DeliveryRefusal && err.kind === 'unknown') return answer('unknown-delivery');
    if (err instanceof DeliveryRefusal && err.kind === 'ended') return answer('already-ended');
    throw err;
  }
}

/** Abbiamo shows the seller one text: what to fix, with every field path. */
export function abbiamoErrorText(body: { error?: unknown; details?: unknown }): string {
  const details = Array.isArray(body.details) ? (body.details as Array<{ path?: unknown; message?: unknown }>) : [];
  const fields = details
    .filter((d) => typeof d?.path === 'string' && typeof d?.message === 'string')
    .map((d) => `${String(d.path)}: ${String(d.message)}`);
  const head = typeof body.error === 'string' ? body.error : 'The request was refused';
  return fields.length > 0 ? `${head}: ${fields.join('; ')}` : head;
}

/**
 * Mounted after Abbiamo's routes (and their auth and JSON parser): every 4xx the error
 * middleware answers for them also carries `abbiamo_error`; `error` and `details` stay as on
 * every other route.
 */
export function abbiamoErrorAnswers(): ErrorRequestHandler {
  return (err, _req, res, next) => {
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      if (res.statusCode >= 400 && res.statusCode < 500 && body && typeof body === 'object') {
        return json({ abbiamo_error: abbiamoErrorText(body as { error?: unknown; details?: unknown }), ...body });
      }
      return json(body);
    };
    next(err);
  };
}
