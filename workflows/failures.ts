/**
 * Reading an activity's failure in the workflow: its type from the shared vocabulary
 * (contracts/failures.ts), its typed details, and a message fit for the timeline.
 */
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import { failedBeforeAnyCreate, type FailureType } from '../contracts/failures';

function applicationCause(err: unknown): ApplicationFailure | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure ? cause : undefined;
}

export function failureType(err: unknown): string | undefined {
  return applicationCause(err)?.type ?? undefined;
}

/** Whether the failure is one of these types (a definite answer of the partner, not a fault). */
export function isFailureOf(err: unknown, types: readonly FailureType[]): boolean {
  const type = failureType(err);
  return type !== undefined && (types as readonly string[]).includes(type);
}

/** Whether the failed creation attempt certainly sent no `POST /jobs`. */
export function sentNoCreate(err: unknown): boolean {
  return failedBeforeAnyCreate(applicationCause(err)?.details ?? []);
}

export function failureMessage(err: unknown): string {
  if (err instanceof ActivityFailure) return err.cause?.message ?? err.message;
  return err instanceof Error ? err.message : String(err);
}
