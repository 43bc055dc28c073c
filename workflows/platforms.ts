/** Picks the reporter of a delivery's platform. */
import { ApplicationFailure } from '@temporalio/workflow';
import { vtexReporter, type PlatformReporter } from './reporters';
import type { ReportTarget } from './types';

export function reporterFor(target: ReportTarget, confirmationDelayMs: number): PlatformReporter {
  switch (target.platform) {
    case 'vtex':
      return vtexReporter(target, confirmationDelayMs);
    case 'marketplace':
      throw ApplicationFailure.nonRetryable('marketplace reporting is not part of this build', 'UnsupportedPlatform');
  }
}
