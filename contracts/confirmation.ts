/**
 * When did we answer, and when does the platform take our first tracking call: the one rule the
 * intake (which answers Create service) and the delivery workflow (which waits before its first
 * report) both follow. Pure: the workflow bundle imports it.
 *
 * VTEX's guide: "a 5 seconds timeout before the service creation is confirmed"; a tracking call
 * before that is refused (404). Our wait counts from the moment our answer left, plus a margin
 * for its trip back to VTEX. A later first PATCH costs nothing at VTEX; an earlier one is refused.
 */

/** VTEX confirms a created service this long after the carrier's answer. */
export const CONFIRMATION_DELAY_MS = 5000;

/**
 * On top of the delay: the answer's trip back to VTEX. The workflow counts from when it produced
 * the answer; only an answer that took more than half of this to leave us costs a signal (a
 * workflow task and a new timer) telling the workflow the real time (BENCHMARKS.md: with 300 ms
 * that was most answers under load).
 */
export const CONFIRMATION_MARGIN_MS = 1000;

export interface ConfirmationTuning {
  confirmationDelayMs?: number;
  confirmationMarginMs?: number;
}

/**
 * The first moment the platform takes a tracking call, for an answer that left us at `answeredAt`,
 * with the delivery's tuning.
 */
export function confirmationAt(answeredAt: number, tuning: ConfirmationTuning = {}): number {
  return (
    answeredAt +
    (tuning.confirmationDelayMs ?? CONFIRMATION_DELAY_MS) +
    (tuning.confirmationMarginMs ?? CONFIRMATION_MARGIN_MS)
  );
}

/**
 * Whether the workflow must be told when we really answered: the answer it produced at
 * `producedAt` left us at `sentAt`, later than half the margin allows for.
 */
export function answerNeedsSignal({
  producedAt,
  sentAt,
  marginMs = CONFIRMATION_MARGIN_MS,
}: {
  producedAt: number;
  sentAt: number;
  marginMs?: number;
}): boolean {
  return sentAt - producedAt > marginMs / 2;
}
