/** Picks the reporter of a delivery's platform. */
import type { ReportTarget } from '../contracts/delivery';
import type { ReporterMemory } from '../contracts/platformCalls';
import { abbiamoReporter, vtexReporter, type PlatformReporter } from './reporters';

/** The reporter of the delivery's platform; `packages`: how many labels VTEX gets (one per package). */
export function reporterFor(
  target: ReportTarget,
  confirmationDelayMs: number,
  memory: ReporterMemory,
  packages: number,
): PlatformReporter {
  switch (target.platform) {
    case 'vtex':
      return vtexReporter(target, confirmationDelayMs, memory, packages);
    case 'marketplace':
      // Abbiamo has no confirmation window: its reporter's delay (0) is not tunable.
      return abbiamoReporter(target, memory);
  }
}
