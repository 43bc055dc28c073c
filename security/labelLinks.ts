/**
 * The label URLs handed to the platforms (docs/labels.md "Handed over"): every package's PDF and
 * ZPL in VTEX's Create service answer, with ids stable per package and format (VTEX refuses a label
 * id it already has), and the one PDF of every package that Abbiamo's `confirmed` carries as `mail_label`.
 */
import type { Label } from '../contracts/vtex';
import { LABEL_FORMATS, type LabelSigner } from './labelSigning';

export function labelId(serviceId: string, number: number, format: (typeof LABEL_FORMATS)[number]): string {
  return `${serviceId}-${number}-${format}`;
}

/** VTEX `labels`: package 1's PDF and ZPL, then package 2's, ... */
export function vtexLabels(signer: LabelSigner, serviceId: string, packageCount: number, now = Date.now()): Label[] {
  const labels: Label[] = [];
  for (let number = 1; number <= packageCount; number += 1) {
    for (const format of LABEL_FORMATS) {
      labels.push({
        id: labelId(serviceId, number, format),
        url: signer.url({ serviceId, package: number, format }, now),
        name: `Package ${number} of ${packageCount} (${format.toUpperCase()})`,
        type: format === 'pdf' ? 'PDF' : 'ZPL',
      });
    }
  }
  return labels;
}

/** Abbiamo `mail_label`: one PDF, a page per package. */
export function mailLabelUrl(signer: LabelSigner, serviceId: string, now = Date.now()): string {
  return signer.url({ serviceId, package: 'all', format: 'pdf' }, now);
}
