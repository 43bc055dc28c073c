/**
 * The packages' shipping labels posted to VTEX's labels hook (`POST /tracking/hook/labels/...`),
 * for a workflow to call once its job exists (docs/labels.md "Handed over"). The label URLs are
 * signed here, with LABEL_SIGNING_KEY, which workflow code never reads; the workflow gives the
 * delivery and its package count (labels/content.ts `packagesOf`, pure, fits the workflow bundle)
 * and gets back only label ids, so no signed URL (a credential to the customer's address) enters
 * history. Each label goes through `vtexAddLabel`, which reads the service back first: a label VTEX
 * already holds (same id: per package and format) is not posted again, as VTEX refuses a repeated id.
 */
import type { VtexTarget } from '../contracts/delivery';
import type { Label } from '../contracts/vtex';
import { vtexLabels } from '../security/labelLinks';
import type { LabelSigner } from '../security/labelSigning';
import type { ReportResult } from './vtex';

export interface LabelActivityDeps {
  signer: LabelSigner;
  vtex: { vtexAddLabel(target: VtexTarget, label: Label): Promise<ReportResult> };
}

export interface PostedLabels {
  /** Ids of the labels posted now. */
  sent: string[];
  /** Ids VTEX already held. */
  alreadyPresent: string[];
}

export function createLabelActivities({ signer, vtex }: LabelActivityDeps) {
  return {
    /** Every package's PDF and ZPL label at VTEX, those it lacks posted; idempotent. */
    async vtexPostPackageLabels(target: VtexTarget, packageCount: number): Promise<PostedLabels> {
      const posted: PostedLabels = { sent: [], alreadyPresent: [] };
      for (const label of vtexLabels(signer, target.serviceId, packageCount)) {
        const result = await vtex.vtexAddLabel(target, label);
        (result.outcome === 'already-present' ? posted.alreadyPresent : posted.sent).push(label.id);
      }
      return posted;
    },
  };
}
