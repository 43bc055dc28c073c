/** Picks the reporter of a delivery's platform. */
import { legacyMarketplaceReporter, marketplaceReporter, vtexReporter, type PlatformReporter } from './reporters';

import type { ReporterMemory, ReportTarget } from '../contracts/delivery';

/**
 * The reporter of the delivery's platform. `abbiamoProtocol` false: a marketplace delivery recorded
 * before Abbiamo's carrier protocol, which replays with our earlier invented callbacks (the
 * workflow decides it with `patched()`). `statusAsActivity` false: a run recorded while status
 * reports were local activities (workflows/reporters.ts).
 */
export function reporterFor(
  target: ReportTarget,
  confirmationDelayMs: number,
  memory: ReporterMemory,
  abbiamoProtocol = true,
  statusAsActivity = true,
): PlatformReporter {
  switch (target.platform) {
    case 'vtex':
      return vtexReporter(target, confirmationDelayMs, memory, statusAsActivity);
    case 'marketplace':
      // The marketplace has no confirmation window: its reporter's delay (0) is not tunable.
      return abbiamoProtocol
        ? marketplaceReporter(target, memory, statusAsActivity)
        : legacyMarketplaceReporter(target);
  }
}
