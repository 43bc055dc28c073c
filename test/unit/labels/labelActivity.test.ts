/**
 * vtexPostPackageLabels (activities/labels.ts): every package's PDF and ZPL reaches VTEX's labels
 * hook once, with ids stable per package and format, the URLs signed in the activity and only ids
 * returned to the workflow (no signed URL in history).
 */
import { createLabelActivities } from '../../../activities/labels';
import type { VtexTarget } from '../../../contracts/delivery';
import type { Label } from '../../../contracts/vtex';
import { createLabelSigner } from '../../../security/labelSigning';

const target: VtexTarget = { platform: 'vtex', carrierId: 'c', serviceId: 'vtex-O1-abcdefghij' };
const signer = createLabelSigner({ key: 'k'.repeat(32), ttlMs: 36 * 3600_000, publicUrl: 'https://bridge.example' });

/** VTEX's record of labels, refusing a repeated id as VTEX does. */
function fakeVtex(held: string[] = []) {
  const posted: Label[] = [];
  return {
    posted,
    vtex: {
      async vtexAddLabel(_t: VtexTarget, label: Label) {
        if (held.includes(label.id)) return { outcome: 'already-present' as const };
        if (posted.some((l) => l.id === label.id)) throw new Error(`VTEX: label ${label.id} exists`);
        posted.push(label);
        held.push(label.id);
        return { outcome: 'sent' as const };
      },
    },
  };
}

describe('vtexPostPackageLabels', () => {
  it('posts a PDF and a ZPL per package, and answers ids only', async () => {
    const { posted, vtex } = fakeVtex();
    const result = await createLabelActivities({ signer, vtex }).vtexPostPackageLabels(target, 2);
    const ids = ['1-pdf', '1-zpl', '2-pdf', '2-zpl'].map((s) => `${target.serviceId}-${s}`);
    expect(result).toEqual({ sent: ids, alreadyPresent: [] });
    expect(JSON.stringify(result)).not.toContain('signature');
    expect(posted.map((l) => [l.type, new URL(l.url).pathname])).toEqual([
      ['PDF', `/labels/${target.serviceId}/1.pdf`],
      ['ZPL', `/labels/${target.serviceId}/1.zpl`],
      ['PDF', `/labels/${target.serviceId}/2.pdf`],
      ['ZPL', `/labels/${target.serviceId}/2.zpl`],
    ]);
  });

  it('posts only what VTEX lacks, so asking again (a retry, a new run) never repeats an id', async () => {
    const { posted, vtex } = fakeVtex([`${target.serviceId}-1-pdf`, `${target.serviceId}-1-zpl`]);
    const activities = createLabelActivities({ signer, vtex });
    expect((await activities.vtexPostPackageLabels(target, 2)).sent).toEqual([
      `${target.serviceId}-2-pdf`,
      `${target.serviceId}-2-zpl`,
    ]);
    expect((await activities.vtexPostPackageLabels(target, 2)).sent).toEqual([]);
    expect(posted).toHaveLength(2);
  });
});
