/** Picks the reporter of a delivery's platform. */
import { patched } from '@temporalio/workflow';
import { legacyMarketplaceReporter, marketplaceReporter, vtexReporter, type PlatformReporter } from './reporters';

/**
 * Marketplace deliveries report through Abbiamo's carrier protocol; those recorded before it
 * (our invented status callbacks) replay with the reporter they ran with.
 */
const PATCH_ABBIAMO_REPORTER = 'abbiamo-reporter';
import type { ReporterMemory, ReportTarget } from '../contracts/delivery';

export function reporterFor(
  target: ReportTarget,
  confirmationDelayMs: number,
  memory: ReporterMemory,
): PlatformReporter {
  switch (target.platform) {
    case 'vtex':
      return vtexReporter(target, confirmationDelayMs, memory);
    case 'marketplace':
      // The marketplace has no confirmation window: its reporter's delay (0) is not tunable.
      return patched(PATCH_ABBIAMO_REPORTER) ? marketplaceReporter(target, memory) : legacyMarketplaceReporter(target);
  }
}
