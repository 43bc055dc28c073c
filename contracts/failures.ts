/**
 * The failure vocabulary shared by activities (which throw) and workflows (which decide): one name
 * per kind of outside failure, and the typed details a failure may carry. Activities build their
 * ApplicationFailures from these (activities/failures.ts); workflows read them (workflows/failures.ts).
 * Pure: the workflow bundle imports it.
 */
export const FailureType = {
  BadRequest: 'BadRequest',
  Unauthorized: 'Unauthorized',
  NotFound: 'NotFound',
  Conflict: 'Conflict',
  SlotExpired: 'SlotExpired',
  Refused: 'Refused',
  RateLimited: 'RateLimited',
  ServerError: 'ServerError',
  Network: 'Network',
  InvalidResponse: 'InvalidResponse',
  /** A sealed platform secret that does not open (other SECRETS_KEY, altered input): no retry helps. */
  SecretUnreadable: 'SecretUnreadable',
  /** An error no classification foresaw (a bug, a partner answer in a shape nobody parsed): tried a few times, then final. */
  Unexpected: 'Unexpected',
  /** One of Abbiamo's documented refusals (EVENT_CANNOT_BE_TERMINAL_AGAIN, ...): definite. */
  AbbiamoRefused: 'AbbiamoRefused',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/** Types a retry cannot fix; the workflow decides what to do instead. */
export const NON_RETRYABLE: readonly FailureType[] = [
  FailureType.BadRequest,
  FailureType.Conflict,
  FailureType.SlotExpired,
  FailureType.Refused,
  FailureType.SecretUnreadable,
  FailureType.AbbiamoRefused,
];

/** The engine will never take this job as it stands: creation stops and the delivery is flagged. */
export const JOB_REFUSED: readonly FailureType[] = [FailureType.BadRequest, FailureType.Refused];

/** The slot can no longer carry the job (lapsed, taken, unknown): ask for another one. */
export const SLOT_UNUSABLE: readonly FailureType[] = [
  FailureType.SlotExpired,
  FailureType.Conflict,
  FailureType.NotFound,
];

/**
 * Detail of a failed job creation saying whether a `POST /jobs` may have reached the engine. When
 * it did not, nothing can exist there, so a cancel stops creation at once.
 */
export interface CreationAttemptDetail {
  kind: 'creation-attempt';
  postJobsSent: boolean;
}

export function creationAttemptDetail(postJobsSent: boolean): CreationAttemptDetail {
  return { kind: 'creation-attempt', postJobsSent };
}

/** The marker string histories recorded before CreationAttemptDetail existed (read, never written). */
export const LEGACY_BEFORE_ANY_CREATE = 'before-any-create';

/** Whether a failure's details say no `POST /jobs` was sent (the typed detail, or the legacy marker). */
export function failedBeforeAnyCreate(details: readonly unknown[]): boolean {
  return details.some(
    (d) =>
      d === LEGACY_BEFORE_ANY_CREATE ||
      (typeof d === 'object' &&
        d !== null &&
        (d as Partial<CreationAttemptDetail>).kind === 'creation-attempt' &&
        (d as CreationAttemptDetail).postJobsSent === false),
  );
}
