/**
 * When the platform takes our first tracking call (contracts/confirmation.ts): VTEX's 5 s after our
 * Create answer plus one margin, the same for the intake that answers and the workflow that waits.
 */
import { CONFIRMATION_MARGIN_MS as APP_MARGIN_MS } from '../../api/app';
import {
  CONFIRMATION_DELAY_MS,
  CONFIRMATION_MARGIN_MS,
  confirmationAt,
  answerNeedsSignal,
} from '../../contracts/confirmation';
import { DEFAULT_CONFIRMATION_DELAY_MS, DEFAULT_CONFIRMATION_MARGIN_MS } from '../../contracts/delivery';

it('is one rule: the intake starts deliveries with its margin, the workflow reads its values', () => {
  expect(APP_MARGIN_MS).toBe(CONFIRMATION_MARGIN_MS);
  expect(CONFIRMATION_MARGIN_MS).toBe(1000);
  expect(DEFAULT_CONFIRMATION_DELAY_MS).toBe(CONFIRMATION_DELAY_MS);
  expect(CONFIRMATION_DELAY_MS).toBe(5000);
  // An input without a margin waits the same: one margin for every delivery.
  expect(DEFAULT_CONFIRMATION_MARGIN_MS).toBe(CONFIRMATION_MARGIN_MS);
});

it('confirms VTEX 5 s plus the margin after our answer, as the delivery is tuned', () => {
  expect(confirmationAt(10_000, { confirmationMarginMs: CONFIRMATION_MARGIN_MS })).toBe(16_000);
  expect(confirmationAt(10_000)).toBe(10_000 + 5000 + CONFIRMATION_MARGIN_MS);
  expect(confirmationAt(10_000, { confirmationDelayMs: 0, confirmationMarginMs: 50 })).toBe(10_050);
});

it('asks for the real answer time only when the answer spent more than half the margin on its way', () => {
  expect(answerNeedsSignal({ producedAt: 1000, sentAt: 1000 + CONFIRMATION_MARGIN_MS / 2 })).toBe(false);
  expect(answerNeedsSignal({ producedAt: 1000, sentAt: 1001 + CONFIRMATION_MARGIN_MS / 2 })).toBe(true);
  expect(answerNeedsSignal({ producedAt: 1000, sentAt: 1100, marginMs: 100 })).toBe(true);
});
