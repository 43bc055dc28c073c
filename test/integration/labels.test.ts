/**
 * Shipping labels through the real stack: VTEX's Create service answer lists a PDF and a ZPL label
 * per package whose URLs fetch the label rendered from the delivery as Temporal holds it (scanned
 * back to the delivery from a 203 dpi image); Abbiamo's `confirmed` carries `mail_label`, a PDF of
 * every package; an altered or forged URL is a bare 403, a canceled delivery's label says CANCELED.
 */
import { createActivities } from '../../activities';
import { CreateServiceResponse } from '../../contracts/vtex';
import { createLabelSigner } from '../../security/labelSigning';
import { abbiamoServiceId, vtexServiceId } from '../../mapping/ids';
import { createServiceBody, stateOf } from '../support/deliveries';
import { pdfPages, pdfText, requirePoppler, scanSymbols } from '../support/labels';
import { fresh, seedDeliveryRequest } from '../support/abbiamoEvents';
import { useTestStack } from '../support/stack';
import { waitFor } from '../support/waitFor';

const stack = useTestStack();

beforeAll(() => {
  requirePoppler();
}, 600_000);

async function get(url: string): Promise<{ status: number; type: string | null; body: Buffer; headers: Headers }> {
  const response = await fetch(url);
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    body: Buffer.from(await response.arrayBuffer()),
    headers: response.headers,
  };
}

/** A VTEX Create service with `packages` packages; its answer and the job the engine got. */
async function createWithPackages(packages: number) {
  const body = createServiceBody();
  const [first] = body.packages;
  body.packages = Array.from({ length: packages }, (_, i) => ({ ...structuredClone(first), id: `PKG-${i + 1}` }));
  const result = await stack.vtex.createService(body);
  expect(result.status).toBe(200);
  const answer = CreateServiceResponse.parse(result.body);
  const serviceId = vtexServiceId(body.carrierId, body.orderId);
  const job = await waitFor(() => stack.engine.jobsByClientReference(serviceId)[0], { what: 'the job' });
  // Instaleap's create answers no tracking page: the delivery learns it from the job's CREATED event.
  await waitFor(async () => (await stateOf(stack, serviceId)).job?.trackingUrl, { what: 'the tracking page' });
  return { body, answer, serviceId, job };
}

describe("VTEX's Create service answer", () => {
  it('lists a PDF and a ZPL per package, whose URLs fetch labels that scan back to the delivery', async () => {
    const { answer, serviceId, job } = await createWithPackages(2);
    expect(answer.labels.map((l) => [l.id, l.type])).toEqual([
      [`${serviceId}-1-pdf`, 'PDF'],
      [`${serviceId}-1-zpl`, 'ZPL'],
      [`${serviceId}-2-pdf`, 'PDF'],
      [`${serviceId}-2-zpl`, 'ZPL'],
    ]);
    for (const label of answer.labels) expect(label.url.startsWith(`${stack.apiUrl}/labels/`)).toBe(true);

    const pdf = await get(answer.labels[2]!.url);
    expect([pdf.status, pdf.type, pdf.body.subarray(0, 5).toString()]).toEqual([200, 'application/pdf', '%PDF-']);
    expect(pdf.headers.get('cache-control')).toBe('no-store');
    const [page] = pdfPages(pdf.body, 203);
    const symbols = await scanSymbols(page!);
    expect(symbols.sort((a, b) => a.format.localeCompare(b.format))).toEqual([
      { format: 'Code128', text: `${serviceId}-2` },
      { format: 'QRCode', text: job.tracking_url },
    ]);
    expect(pdfText(pdf.body)).toContain('2 of 2');

    const zpl = await get(answer.labels[1]!.url);
    expect(zpl.status).toBe(200);
    const text = zpl.body.toString('utf8');
    expect(text.startsWith('^XA')).toBe(true);
    expect(text.trim().endsWith('^XZ')).toBe(true);
    expect(text).toContain(`^FD${serviceId}-1^FS`);
    expect(text).toContain(`^FDMA,${job.tracking_url}^FS`);
  });

  it('answers the same label ids to the same request again', async () => {
    const { body, answer } = await createWithPackages(1);
    const again = await stack.vtex.createService(body);
    expect(CreateServiceResponse.parse(again.body).labels.map((l) => l.id)).toEqual(answer.labels.map((l) => l.id));
  });
});

describe("VTEX's labels hook", () => {
  it('gets from vtexPostPackageLabels only the labels VTEX lacks: none, after it took the Create answer', async () => {
    const { answer, serviceId, body } = await createWithPackages(2);
    const target = { platform: 'vtex' as const, carrierId: body.carrierId as string, serviceId };
    await waitFor(() => stack.vtex.service(target.carrierId, serviceId)?.trackingUrl, {
      what: 'VTEX confirmed the service',
      timeoutMs: 15_000,
    });
    expect(stack.vtex.service(target.carrierId, serviceId)!.labels.map((l) => l.id)).toEqual(
      answer.labels.map((l) => l.id),
    );
    const { vtexPostPackageLabels } = createActivities({ config: stack.config });
    expect(await vtexPostPackageLabels(target, 2)).toEqual({
      sent: [],
      alreadyPresent: answer.labels.map((l) => l.id),
    });
  });
});

describe('a label URL', () => {
  it('refuses, with a bare 403, another package, format, expiry or signature, and no signature at all', async () => {
    const { answer } = await createWithPackages(2);
    const url = new URL(answer.labels[0]!.url);
    const variants = [
      url.href.replace('/1.pdf?', '/2.pdf?'),
      url.href.replace('/1.pdf?', '/1.zpl?'),
      url.href.replace('/1.pdf?', '/all.pdf?'),
      url.href.replace(/expires=(\d+)/, (_m, e: string) => `expires=${Number(e) + 3600}`),
      url.href.replace(/signature=([\w-]{10})/, 'signature=AAAAAAAAAA'),
      `${url.origin}${url.pathname}`,
    ];
    for (const variant of variants) {
      const refused = await get(variant);
      expect([variant, refused.status, JSON.parse(refused.body.toString()).details]).toEqual([variant, 403, []]);
    }
    expect((await get(url.href)).status).toBe(200);
  });

  it('is a bare 404 for a delivery or package that does not exist, even signed', async () => {
    const signer = createLabelSigner({
      key: stack.config.labels.signingKey,
      ttlMs: 3600_000,
      publicUrl: stack.apiUrl,
    });
    const unknown = await get(signer.url({ serviceId: 'vtex-nobody-abcdefghij', package: 1, format: 'pdf' }));
    expect([unknown.status, JSON.parse(unknown.body.toString()).details]).toEqual([404, []]);
    const { serviceId } = await createWithPackages(1);
    expect((await get(signer.url({ serviceId, package: 2, format: 'pdf' }))).status).toBe(404);
  });

  it("says CANCELED on a canceled delivery's label", async () => {
    const { answer, serviceId, body } = await createWithPackages(1);
    const canceled = await stack.call('POST', '/vtex/services/cancel', {
      serviceId,
      carrierId: body.carrierId,
      reason: 'the customer changed their mind',
    });
    expect(canceled.status).toBe(200);
    await waitFor(async () => (await stateOf(stack, serviceId)).status === 'CANCELED', { what: 'CANCELED' });
    const pdf = await get(answer.labels[0]!.url);
    expect(pdf.status).toBe(200);
    expect(pdfText(pdf.body)).toMatch(/^\s*CANCELED\s*$/m);
  });
});

describe("Abbiamo's confirmed", () => {
  it('carries mail_label: the PDF of every package, scanning back to the delivery', async () => {
    const event = fresh(seedDeliveryRequest());
    const delivery = event.deliveries[0];
    delivery.volumes = [0, 1, 2].map((i) => ({ ...structuredClone(delivery.volumes[0]), id: `VOL-${i + 1}` }));
    const deliveryId = delivery.delivery_id as string;
    expect((await stack.abbiamo.sendDeliveryRequest(event)).status).toBe(202);
    const confirmed = await waitFor(
      () => stack.abbiamo.statusCalls(deliveryId).find((c) => c.endpoint === 'confirmed' && c.outcome === 'accepted'),
      { what: 'confirmed at Abbiamo', timeoutMs: 20_000 },
    );
    const mailLabel = (confirmed.body as { mail_label?: string }).mail_label;
    expect(mailLabel).toMatch(new RegExp(`^${stack.apiUrl}/labels/${abbiamoServiceId(deliveryId)}/all\\.pdf\\?`));

    const pdf = await get(mailLabel!);
    expect(pdf.status).toBe(200);
    const pages = pdfPages(pdf.body, 203);
    expect(pages).toHaveLength(3);
    const codes = await Promise.all(
      pages.map(async (png) => (await scanSymbols(png)).find((s) => s.format === 'Code128')?.text),
    );
    expect(codes).toEqual([1, 2, 3].map((n) => `${abbiamoServiceId(deliveryId)}-${n}`));
  });
});
