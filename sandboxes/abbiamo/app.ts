/**
 * The Abbiamo sandbox (docs/marketplace.md, docs/sandboxes.md): sends DELIVERY_REQUEST events to our
 * intake, takes our status calls on its carrier endpoints with Abbiamo's rules, cancels a delivery
 * left unconfirmed past its confirmation timeout (CANCELLATION_REQUEST CARRIER_TIMEOUT), and sends a
 * seller's cancellation on command.
 */
import type { Express } from 'express';
import { createSandboxKit } from '../common/sandboxKit';
import { SandboxError } from '../common/errors';
import { addAbbiamoAdminRoutes } from './adminRoutes';
import { createCarrierRouter } from './carrierRoutes';
import { DeliveryStore, sellerMayCancel, type SandboxDelivery } from './deliveries';
import type { AbbiamoSandboxHandle } from './handle';
import { AbbiamoCaller } from './abbiamoCaller';
import { DEFAULT_CONFIRMATION_TIMEOUT_MS, SANDBOX_CARRIER_KEY, type AbbiamoSandboxOptions } from './options';

interface RequestedDelivery {
  delivery_id?: unknown;
  order_number?: unknown;
  tracking?: unknown;
}

export function createAbbiamoApp(input: AbbiamoSandboxOptions = {}): {
  app: Express;
  sandbox: AbbiamoSandboxHandle;
} {
  const options = { ...input };
  let confirmationTimeoutMs = options.confirmationTimeoutMs ?? DEFAULT_CONFIRMATION_TIMEOUT_MS;
  const kit = createSandboxKit({ name: 'abbiamo', faults: options.faults, logger: options.logger });
  const store = new DeliveryStore();
  const caller = new AbbiamoCaller(options, kit.logger);
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  /** Abbiamo cancels and tells the carrier; the intake's answer is kept on the delivery. */
  async function cancelAndTell(delivery: SandboxDelivery, subStatus: 'SELLER_CANCELED' | 'CARRIER_TIMEOUT') {
    const now = Date.now();
    store.cancel(delivery, subStatus, now);
    const at = new Date(now).toISOString();
    try {
      const answer = await caller.send(caller.cancellationRequest(delivery, subStatus, now));
      delivery.cancellations.push({ subStatus, at, answer: { status: answer.status, body: answer.body } });
      return answer;
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      delivery.cancellations.push({ subStatus, at, answer: { error } });
      return { error };
    }
  }

  function watchConfirmation(delivery: SandboxDelivery) {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (stopped || delivery.confirmed || delivery.terminal || delivery.refused) return;
      kit.logger.info({ deliveryId: delivery.deliveryId }, 'not confirmed in time: CARRIER_TIMEOUT');
      void cancelAndTell(delivery, 'CARRIER_TIMEOUT');
    }, confirmationTimeoutMs);
    timers.add(timer);
  }

  function fileDelivery(deliveryId: string, fields: Partial<SandboxDelivery>): SandboxDelivery {
    const delivery: SandboxDelivery = {
      deliveryId,
      orderNumber: '',
      tracking: null,
      seller: { id: null, name: null, documentNumber: null, groupId: null },
      createdAt: new Date().toISOString(),
      status: 'PENDING',
      subStatus: null,
      confirmed: false,
      externalId: null,
      collectVerificationCode: null,
      driver: null,
      terminal: null,
      refused: null,
      events: [],
      cancellations: [],
      headers: {},
      ...fields,
    };
    store.add(delivery);
    return delivery;
  }

  /** Abbiamo files every delivery of the event before sending it: the confirmation may come first. */
  function register(event: unknown): SandboxDelivery[] {
    const e = (event ?? {}) as {
      deliveries?: unknown;
      seller?: Record<string, unknown>;
      logistic_data?: { headers?: unknown };
    };
    const headers = Object.fromEntries(
      Object.entries((e.logistic_data?.headers ?? {}) as Record<string, unknown>).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string',
      ),
    );
    const text = (v: unknown) => (typeof v === 'string' ? v : null);
    const createdAt = new Date().toISOString();
    const list = Array.isArray(e.deliveries) ? (e.deliveries as RequestedDelivery[]) : [];
    return list.flatMap((d) => {
      if (typeof d?.delivery_id !== 'string' || store.get(d.delivery_id)) return [];
      const delivery = fileDelivery(d.delivery_id, {
        orderNumber: text(d.order_number) ?? '',
        tracking: text(d.tracking),
        seller: {
          id: text(e.seller?.seller_id),
          name: text(e.seller?.seller_name),
          documentNumber: text(e.seller?.seller_document_number),
          groupId: text(e.seller?.seller_group_id),
        },
        createdAt,
        headers,
      });
      return [delivery];
    });
  }

  const sandbox: AbbiamoSandboxHandle = {
    ...kit.controls,
    async sendDeliveryRequest(event = caller.defaultEvent()) {
      const filed = register(event);
      let answer;
      try {
        answer = await caller.send(event);
      } finally {
        // Unanswered or refused by a fault: Abbiamo still waits for the confirmation.
        for (const delivery of filed) watchConfirmation(delivery);
      }
      if (answer.status >= 400 && answer.status < 500) {
        const error = (answer.body as { abbiamo_error?: unknown } | null)?.abbiamo_error;
        for (const delivery of filed) {
          delivery.refused = typeof error === 'string' ? error : `refused with ${answer.status}`;
          delivery.status = 'ORDER_FAILED';
        }
      }
      return { ...answer, event };
    },
    delivery: (deliveryId) => store.view(deliveryId),
    amendDelivery: (deliveryId, change) => {
      const delivery = store.get(deliveryId);
      if (!delivery) return undefined;
      delivery.status = change.status;
      return store.view(deliveryId);
    },
    statusCalls: (deliveryId) => store.view(deliveryId)?.events ?? [],
    deliveries: () => store.rows(),
    async cancelDelivery(deliveryId, { force = false } = {}) {
      const delivery = store.get(deliveryId);
      if (!delivery) throw new SandboxError(404, `No delivery ${deliveryId}`);
      if (!force && !sellerMayCancel(delivery)) {
        throw new SandboxError(
          409,
          `Abbiamo lets the seller cancel only before collection or after a failed collection (status ${delivery.status})`,
        );
      }
      return cancelAndTell(delivery, 'SELLER_CANCELED');
    },
    async changeReceiver(deliveryId, change) {
      if (!store.get(deliveryId)) throw new SandboxError(404, `No delivery ${deliveryId}`);
      return caller.send({
        event_type: 'ORDER_RECEIVER_UPDATE',
        delivery_id: deliveryId,
        event_at: new Date().toISOString(),
        ...change,
      });
    },
    async validatePickupPin(deliveryId, pincode) {
      if (!store.get(deliveryId)) throw new SandboxError(404, `No delivery ${deliveryId}`);
      return caller.send({
        event_type: 'PICKUP_PIN_VALIDATION_REQUEST',
        delivery_id: deliveryId,
        pincode_value: pincode,
        event_at: new Date().toISOString(),
      });
    },
    setConfirmationTimeout: (ms) => {
      confirmationTimeoutMs = ms;
    },
    setIntake: (intake) => {
      options.intake = intake;
    },
    stop: () => {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };

  addAbbiamoAdminRoutes(kit.admin, sandbox);
  kit.app.use(
    createCarrierRouter({
      store,
      carrierKey: () => options.carrierKey ?? SANDBOX_CARRIER_KEY,
      // Filed as created at its first event_at: the sandbox never saw the request.
      registerUnknown: (deliveryId, eventAt) =>
        options.unknownDeliveries === 'register' ? fileDelivery(deliveryId, { createdAt: eventAt }) : undefined,
      logger: kit.logger,
    }),
  );
  kit.seal();
  return { app: kit.app, sandbox };
}
