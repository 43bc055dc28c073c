/**
 * What operators send (docs/runbook.md "Operators"): the bodies of the operator routes and the CLI's
 * arguments, parsed with the same schemas, and what a reconcile run (drift repair) returns.
 * Types and zod only: the reconcile workflow imports the result type.
 */
import { z } from 'zod';
import { boundedLine, boundedText } from './common';
import { DELIVERY_STATUSES } from './delivery';

/** `30s`, `15m`, `2h`, `1d` or plain milliseconds: how operators write a time span. */
export const DURATION_PATTERN = /^(\d{1,9})(ms|s|m|h|d)?$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** A hundred years: the longest span an operator may ask about. */
const MAX_DURATION_MS = 36_500 * UNIT_MS.d;

export function durationMs(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[(match[2] ?? 'ms') as keyof typeof UNIT_MS];
}

/** A time span as text (`15m`), as milliseconds. */
export const Duration = z
  .string()
  .trim()
  .regex(DURATION_PATTERN, 'must be a time span such as 30s, 15m, 2h or 1d')
  .transform((text) => durationMs(text)!)
  .refine((ms) => ms >= 1000, 'must be at least 1s')
  // A span beyond any date (940686174d) would make "since when" an invalid date.
  .refine((ms) => ms <= MAX_DURATION_MS, 'must be at most 36500d')
  .describe('A time span: digits and a unit (ms, s, m, h, d; none is ms), from 1s to 36500d');

/** Why an operator acts: kept in the delivery's timeline, so it says something. */
export const OperatorReason = boundedText(500)
  .trim()
  .min(3, 'say why (at least 3 characters): it is written in the delivery timeline');

/**
 * The statuses an operator may force, for the routes, the CLI and the workflow (workflows/operator.ts
 * gives each its carrier event). CANCELED is a cancel; every delivery starts PENDING.
 */
export const ForceableStatus = z.enum(DELIVERY_STATUSES).exclude(['PENDING', 'CANCELED']);
export type ForceableStatus = z.infer<typeof ForceableStatus>;

/** `POST /operator/deliveries/:serviceId/commands`: one command to one delivery. */
export const OperatorCommandRequest = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('resend-refused'), why: OperatorReason }),
  z.strictObject({ action: z.literal('force-status'), status: ForceableStatus, why: OperatorReason }),
  z.strictObject({ action: z.literal('clear-flag'), why: OperatorReason }),
  z.strictObject({ action: z.literal('cancel'), why: OperatorReason }),
  z.strictObject({ action: z.literal('pause'), why: OperatorReason }),
  z.strictObject({ action: z.literal('resume'), why: OperatorReason }),
]);
export type OperatorCommandRequest = z.output<typeof OperatorCommandRequest>;

export const BULK_ACTIONS = ['cancel', 'pause', 'resume'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

/**
 * A visibility query as the Web UI takes it (`DeliveryStatus = "PENDING" AND Platform = "vtex"`).
 * Bulk work always adds "open delivery workflows only" to it (api/operatorDesk.ts).
 */
export const VisibilityQuery = boundedLine(2000)
  .trim()
  .min(1, 'must be a visibility query')
  .refine(balanced, 'its parentheses and quotes must pair up (it is put in parentheses before it runs)');

/** Whether a query's parentheses pair up outside its quoted strings: it cannot step out of ours. */
function balanced(query: string): boolean {
  let depth = 0;
  let quote: string | undefined;
  for (const ch of query) {
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    else if (ch === '(') depth += 1;
    else if (ch === ')' && --depth < 0) return false;
  }
  return depth === 0 && quote === undefined;
}

/** `POST /operator/bulk`: cancel, pause or resume every open delivery a query finds. */
export const BulkRequest = z.strictObject({
  action: z.enum(BULK_ACTIONS),
  query: VisibilityQuery,
  why: OperatorReason,
});
export type BulkRequest = z.output<typeof BulkRequest>;

/** `GET /operator/deliveries?stuckFor=30m&flagged=true`: what an operator looks at first. */
export const AttentionListQuery = z.strictObject({
  /** No progress for at least this long (LastProgressAt). */
  stuckFor: Duration.optional(),
  /** Flagged (NeedsAttention). */
  flagged: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type AttentionListQuery = z.output<typeof AttentionListQuery>;

/** A batch job id, as Temporal has it (ours are `bulk-<action>-<uuid>`). */
export const BatchJobId = z.string().regex(/^[A-Za-z0-9._:-]{1,200}$/, 'not a batch job id');

/** One delivery whose platform shows something else than its workflow, and how. */
export interface DriftFound {
  serviceId: string;
  platform: 'vtex' | 'marketplace';
  drift: string[];
}

/**
 * What one reconcile run did (its workflow result, shown in the Web UI). `compared`: open,
 * confirmed deliveries with no report in flight, read at their platform; `drifted`: those that
 * differed; `repaired`: those sent a repair; `conflicts`: the platform shows an end the delivery
 * has not reached (the platform canceled, for example): left to an operator, never overwritten.
 */
export interface ReconcileResult {
  startedAt: string;
  finishedAt: string;
  listed: number;
  compared: number;
  /** Not compared: not active yet, reports in flight, ended meanwhile, or no answer. */
  skipped: number;
  drifted: number;
  repaired: number;
  conflicts: number;
  /** The platform could not be read (kept for the next run). */
  unreadable: number;
  /** The first drifts found (bounded), for the Web UI. */
  drifts: DriftFound[];
}
