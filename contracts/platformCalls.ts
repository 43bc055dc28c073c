/**
 * The calls a delivery makes to its platform, as its state keeps them: the outbox (decided, not yet
 * taken), the refused (kept for an operator's resend) and the sent (kept for a repair). Each is an
 * envelope around one platform call, with what the sending needs beside the call itself.
 */
import type { AbbiamoCall, AbbiamoMemory } from '../mapping/eventToAbbiamo';
import type { VtexCall } from '../mapping/eventToVtex';

/** A call to VTEX's tracking hooks or to Abbiamo's status endpoints (each kind names its platform). */
export type PlatformCall = VtexCall | AbbiamoCall;

export interface OutgoingCall<C extends PlatformCall = PlatformCall> {
  call: C;
  /** When the carrier event it reports happened (ISO): the worker's event-to-report metric. */
  eventAt?: string;
  /** A copy of a call the platform took before (a repair, a resend): not kept for repair again. */
  resent?: true;
  /** Its place in the order the delivery decided its calls (`DeliveryState.callSeq`). */
  seq?: number;
}

/**
 * What each platform's reporter remembers across events, carried whole by continue-as-new: the
 * fields VTEX already holds (field -> JSON of the value it took), Abbiamo's sequence so far.
 */
export interface ReporterMemory {
  vtexFields?: Record<string, string>;
  abbiamo?: AbbiamoMemory;
}
