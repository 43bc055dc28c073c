/**
 * A label looked at, not only parsed: the PDF rendered from a mapped VTEX delivery is turned into
 * an image at a thermal printer's 203 dpi (pdftoppm), the Code 128 and the QR code are decoded from
 * that image (ZXing), and what they say is what the label prints and claims: the package's tracking
 * code and the delivery's tracking page. The ZPL of the same package is well-formed and carries the
 * same code and page, with hostile customer text unable to break out of its fields.
 */
import bwipjs from 'bwip-js';
import example from '../../../contracts/examples/vtex.create-service.json';
import { CreateServiceRequest } from '../../../contracts/vtex';
import type { DeliveryInput } from '../../../contracts/delivery';
import { packageLabels, packageTrackingCode, type LabelState } from '../../../mapping/labelContent';
import { renderLabelPdf } from '../../../api/labels/pdf';
import { renderLabelZpl } from '../../../api/labels/zpl';
import { mapVtexCreateService } from '../../../mapping/vtexToJob';
import { pdfPages, pdfText, requirePoppler, scanSymbols } from '../../support/labels';

const now = new Date('2026-11-27T12:00:00.000Z');
const TRACKING_URL = 'https://track.engine.example/jobs/job-4f2a9c?ref=label';
const STATE: LabelState = {
  status: 'ASSIGNED',
  job: { trackingUrl: TRACKING_URL, startsAt: '2026-11-27T14:00:00.000Z', endsAt: '2026-11-27T16:00:00.000Z' },
};

/** VTEX's example with three packages, mapped as the intake maps it. */
function threePackageDelivery(overrides: (body: Record<string, any>) => void = () => undefined): DeliveryInput {
  const body = structuredClone(example) as Record<string, any>;
  const [first] = body.packages;
  body.packages = ['PKG-A', 'PKG-B', 'PKG-C'].map((id) => ({ ...structuredClone(first), id }));
  overrides(body);
  return mapVtexCreateService(CreateServiceRequest.parse(body), { now, creationGraceMs: 600_000 });
}

beforeAll(() => {
  requirePoppler();
}, 600_000);

describe('a PDF label, looked at as an image', () => {
  const input = threePackageDelivery();
  const labels = packageLabels(input, STATE, 'Rápido Entregas');

  it('scans at 203 dpi to the package tracking code and the tracking page it prints', async () => {
    const label = labels[1]!;
    const pdf = await renderLabelPdf([label]);
    const [page, ...more] = pdfPages(pdf, 203);
    expect(more).toHaveLength(0);
    const symbols = await scanSymbols(page!);
    const code = packageTrackingCode(input.serviceId, 2);
    expect(symbols.sort((a, b) => a.format.localeCompare(b.format))).toEqual([
      { format: 'Code128', text: code },
      { format: 'QRCode', text: TRACKING_URL },
    ]);

    // What the label claims in print is what the symbols say, beside who and which package.
    const text = pdfText(pdf);
    expect(text).toContain(code);
    expect(text.replace(/\s+/g, '')).toContain(TRACKING_URL); // wrapped over lines in its column
    expect(text).toContain('2 of 3');
    expect(text).toContain('Pansy Graves');
    expect(text).toContain('Phone +57 4240807147');
    expect(text).toContain('Tabitha Sears');
    expect(text).toContain(input.orderId);
    expect(text).toContain('2026-11-27 14:00-16:00 UTC');
    expect(text).toContain('Rápido Entregas');
    expect(text).not.toContain('CANCELED');
  });

  it('gives every package its own page and its own code, in the platform order', async () => {
    const pages = pdfPages(await renderLabelPdf(labels), 203);
    expect(pages).toHaveLength(3);
    const codes = await Promise.all(
      pages.map(async (png) => (await scanSymbols(png)).find((s) => s.format === 'Code128')?.text),
    );
    expect(codes).toEqual([1, 2, 3].map((n) => packageTrackingCode(input.serviceId, n)));
    expect(labels.map((l) => l.packageId)).toEqual(['PKG-A', 'PKG-B', 'PKG-C']);
  });

  it('puts the tracking code in the QR code while the delivery has no job yet', async () => {
    const [label] = packageLabels(input, {}, 'Rápido Entregas');
    const symbols = await scanSymbols(pdfPages(await renderLabelPdf([label!]), 203)[0]!);
    expect(symbols.map((s) => s.text)).toEqual([label!.trackingCode, label!.trackingCode]);
    expect(pdfText(await renderLabelPdf([label!]))).toContain('tracking link once a driver is booked');
  });

  it("says CANCELED in large type over a canceled delivery's barcode, so no scan takes the parcel", async () => {
    const [label] = packageLabels(input, { ...STATE, status: 'CANCELED' }, 'Rápido Entregas');
    const pdf = await renderLabelPdf([label!]);
    expect(pdfText(pdf)).toMatch(/^\s*CANCELED\s*$/m);
    const symbols = await scanSymbols(pdfPages(pdf, 203)[0]!);
    expect(symbols).toEqual([{ format: 'QRCode', text: TRACKING_URL }]);
  });

  it("draws the carrier's logo from configuration beside its name, and still scans", async () => {
    const logo = await bwipjs.toBuffer({ bcid: 'datamatrix', text: 'carrier logo', scale: 4 });
    const pdf = await renderLabelPdf([labels[0]!], { logo });
    expect(pdf.toString('latin1')).toMatch(/\/Subtype \/Image/);
    expect(pdfText(pdf)).toContain('Rápido Entregas');
    const symbols = await scanSymbols(pdfPages(pdf, 203)[0]!);
    expect(symbols.map((s) => s.format).sort()).toEqual(['Code128', 'QRCode']);
  });

  it('keeps both symbols scannable however long the addresses: lines wrap to two, blocks are bounded', async () => {
    const long = 'Rua das Laranjeiras de Cima e de Baixo, Conjunto Habitacional Esperança, Bloco 17, Apartamento 1203';
    const [label] = packageLabels(threePackageDelivery(), STATE, 'Rápido Entregas');
    const crowded = {
      ...label!,
      recipient: { ...label!.recipient, lines: Array.from({ length: 8 }, () => long) },
      sender: { ...label!.sender, lines: Array.from({ length: 8 }, () => long) },
    };
    const symbols = await scanSymbols(pdfPages(await renderLabelPdf([crowded]), 203)[0]!);
    expect(symbols.map((s) => s.format).sort()).toEqual(['Code128', 'QRCode']);
    expect(pdfText(await renderLabelPdf([crowded]))).toContain('Apartamento 1203');
  });

  it('still scans with the longest VTEX orderId (40 characters): the bars narrow to fit', async () => {
    const long = threePackageDelivery((b) => {
      b.orderId = '1234567890123456789012345678901234567890';
    });
    const [label] = packageLabels(long, STATE, 'Rápido Entregas');
    expect(label!.trackingCode).toHaveLength(58);
    const symbols = await scanSymbols(pdfPages(await renderLabelPdf([label!]), 300)[0]!);
    expect(symbols.find((s) => s.format === 'Code128')?.text).toBe(label!.trackingCode);
  });
});

describe('a ZPL label', () => {
  const input = threePackageDelivery((b) => {
    b.receiver.name = 'Evil^XZ~JA_Name\\x';
  });
  const [label] = packageLabels(input, STATE, 'Rápido Entregas');
  const zpl = renderLabelZpl([label!]);

  it('is one well-formed format: ^XA first, ^XZ last, every field opened by ^FD closed by ^FS', () => {
    expectWellFormed(zpl);
    expect(zpl).toContain('^PW812');
    expect(zpl).toContain('^LL1218');
    expect(zpl).toContain('^CI28');
  });

  function expectWellFormed(zpl: string): void {
    const commands = zpl.trim().split('\n');
    expect(commands[0]).toBe('^XA');
    expect(commands.at(-1)).toBe('^XZ');
    expect(zpl.match(/\^XA/g)).toHaveLength(1);
    expect(zpl.match(/\^XZ/g)).toHaveLength(1);
    for (const line of commands.slice(1, -1)) {
      // Each line: commands only, a field's data (if any) between ^FD and ^FS with no ^ or ~ inside.
      expect(line).toMatch(/^(\^[A-Z][A-Z0-9@][^^~]*)+$/);
      if (line.includes('^FD')) expect(line).toMatch(/\^FH_\^FD[^^~]*\^FS$/);
    }
  }

  it('carries the same tracking code in its Code 128 and the tracking page in its QR code', () => {
    const barcode = /\^BCR,\d+,N,N,N,A\^FH_\^FD([^^]*)\^FS/.exec(zpl);
    expect(barcode?.[1]).toBe(packageTrackingCode(input.serviceId, 1));
    const qr = /\^BQN,2,\d+\^FH_\^FDMA,([^^]*)\^FS/.exec(zpl);
    expect(qr?.[1]).toBe(TRACKING_URL);
    expect(zpl).toContain('^FD1 of 3^FS');
  });

  it("escapes the customer's ^ ~ _ and \\ so the name stays one field", () => {
    expect(zpl).toContain('^FDEvil_5EXZ_7EJA_5FName_5Cx^FS');
  });

  it('says CANCELED on a canceled delivery', () => {
    const [canceled] = packageLabels(input, { ...STATE, status: 'CANCELED' }, 'Rápido Entregas');
    expectWellFormed(renderLabelZpl([canceled!]));
    expect(renderLabelZpl([canceled!])).toMatch(/\^A0R,130,130[^\n]*\^FR\^FH_\^FDCANCELED\^FS/);
  });
});
