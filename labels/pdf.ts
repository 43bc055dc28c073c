/**
 * A package's label as PDF (pdfkit), 100 x 150 mm (4 x 6 inch, the thermal printers' size), one page
 * per package: carrier, package n of N, recipient, sender, order and window, the Code 128 of the
 * package's tracking code and the QR code of the delivery's tracking page, drawn as vectors so they
 * print sharp at any resolution. A canceled delivery's label says CANCELED in large type, over its barcode.
 * Layout in docs/labels.md; the built-in Helvetica prints Latin text (WinAnsi), which our platforms send.
 */
import PDFDocument from 'pdfkit';
import { windowText, type LabelParty, type PackageLabel } from './content';
import { code128, qrCode } from './symbols';

const MM = 72 / 25.4;
const WIDTH = 100 * MM;
const HEIGHT = 150 * MM;
const MARGIN = 4 * MM;
const INNER = WIDTH - 2 * MARGIN;
/** Widest Code 128 module: 0.33 mm reads well on every scanner; narrower only when the code is long. */
const MAX_MODULE = 0.33 * MM;
/** Code 128 wants ten modules of white on each side. */
const QUIET_MODULES = 10;

export interface PdfLabelOptions {
  /** The carrier's logo (PNG or JPEG bytes, LABEL_CARRIER_LOGO), drawn left of its name. */
  logo?: Buffer;
}

/** Every label given, one page each, as one PDF. */
export function renderLabelPdf(labels: PackageLabel[], options: PdfLabelOptions = {}): Promise<Buffer> {
  const doc = new PDFDocument({
    size: [WIDTH, HEIGHT],
    margin: 0,
    autoFirstPage: false,
    // Fixed metadata: the same label renders to the same bytes.
    info: { Title: 'Shipping label', Creator: 'delivery bridge', CreationDate: new Date(0) },
    compress: true,
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  for (const label of labels) {
    doc.addPage();
    drawLabel(doc, label, options);
  }
  doc.end();
  return done;
}

function drawLabel(doc: PDFKit.PDFDocument, label: PackageLabel, options: PdfLabelOptions): void {
  let y = MARGIN;
  // Header: logo and carrier, package n of N.
  let nameX = MARGIN;
  if (options.logo) {
    doc.image(options.logo, MARGIN, y, { fit: [14 * MM, 12 * MM] });
    nameX += 16 * MM;
  }
  doc.font('Helvetica-Bold').fontSize(16);
  doc.text(label.carrierName, nameX, y + 2 * MM, oneLine(WIDTH - MARGIN - nameX - 30 * MM));
  doc
    .fontSize(9)
    .font('Helvetica')
    .text('PACKAGE', WIDTH - MARGIN - 28 * MM, y, { width: 28 * MM, align: 'right' });
  doc
    .font('Helvetica-Bold')
    .fontSize(18)
    .text(`${label.number} of ${label.count}`, WIDTH - MARGIN - 28 * MM, y + 4 * MM, oneLine(28 * MM, 'right'));
  y += 14 * MM;
  rule(doc, y);

  y = party(doc, 'TO', label.recipient, y + 2 * MM, 13, 10, 5);
  rule(doc, y);
  y = party(doc, 'FROM', label.sender, y + 2 * MM, 9, 8, 3);
  rule(doc, y);

  // Order and window.
  y += 2 * MM;
  doc.font('Helvetica').fontSize(8).text('ORDER', MARGIN, y);
  doc
    .font('Helvetica-Bold')
    .fontSize(10)
    .text(label.orderId, MARGIN, y + 3 * MM, oneLine(INNER));
  y += 8 * MM;
  doc.font('Helvetica').fontSize(8).text('DELIVERY WINDOW', MARGIN, y);
  doc
    .font('Helvetica-Bold')
    .fontSize(10)
    .text(label.window ? windowText(label.window) : 'to be scheduled', MARGIN, y + 3 * MM, oneLine(INNER));
  y += 9 * MM;
  rule(doc, y);

  // The package's barcode, as wide as it needs (at most 0.33 mm a module), centred.
  y += 3 * MM;
  const bars = code128(label.trackingCode);
  const module = Math.min(MAX_MODULE, INNER / (bars.modules + 2 * QUIET_MODULES));
  let x = (WIDTH - bars.modules * module) / 2;
  const barHeight = 18 * MM;
  bars.widths.forEach((w, i) => {
    if (i % 2 === 0) doc.rect(x, y, w * module, barHeight);
    x += w * module;
  });
  doc.fill('black');
  doc
    .font('Courier-Bold')
    .fontSize(9)
    .text(label.trackingCode, MARGIN, y + barHeight + 1.5 * MM, oneLine(INNER, 'center'));
  // A canceled delivery's parcel must not travel: CANCELED covers its barcode, so no scan takes it.
  if (label.canceled) canceledStamp(doc, y - 2 * MM, barHeight + 4 * MM);
  y += barHeight + 7 * MM;
  rule(doc, y);

  // The tracking page's QR code (or, before the job exists, the tracking code itself).
  y += 3 * MM;
  const qr = qrCode(label.trackingUrl ?? label.trackingCode);
  const qrSide = Math.min(HEIGHT - MARGIN - y, 30 * MM);
  const cell = qrSide / (qr.size + 8);
  const qrX = MARGIN + 4 * cell;
  const qrY = y + 4 * cell;
  for (let row = 0; row < qr.size; row += 1) {
    // One rectangle per run of dark modules in the row.
    let run = 0;
    for (let col = 0; col <= qr.size; col += 1) {
      if (col < qr.size && qr.dark[row * qr.size + col]) run += 1;
      else if (run > 0) {
        doc.rect(qrX + (col - run) * cell, qrY + row * cell, run * cell, cell);
        run = 0;
      }
    }
  }
  doc.fill('black');
  const textX = MARGIN + qrSide + 3 * MM;
  const textWidth = WIDTH - MARGIN - textX;
  doc
    .font('Helvetica-Bold')
    .fontSize(10)
    .text('Track this delivery', textX, y + 4 * MM, oneLine(textWidth));
  doc
    .font('Helvetica')
    .fontSize(7)
    .text(label.trackingUrl ?? 'tracking link once a driver is booked', textX, y + 9 * MM, {
      width: textWidth,
      height: 12 * MM,
      ellipsis: true,
    });
  doc.fontSize(6).text(label.packageId ? `Package id ${label.packageId}` : '', textX, y + 22 * MM, oneLine(textWidth));
}

/** A party's block; returns the y under it. */
function party(
  doc: PDFKit.PDFDocument,
  title: string,
  p: LabelParty,
  y: number,
  nameSize: number,
  lineSize: number,
  maxLines: number,
): number {
  doc.font('Helvetica').fontSize(8).text(title, MARGIN, y);
  y += 3.5 * MM;
  doc.font('Helvetica-Bold').fontSize(nameSize).text(p.name, MARGIN, y, oneLine(INNER));
  y += nameSize * 1.25;
  doc.font('Helvetica').fontSize(lineSize);
  for (const line of p.lines.slice(0, maxLines)) {
    doc.text(line, MARGIN, y, oneLine(INNER));
    y += lineSize * 1.2;
  }
  if (p.phone) {
    doc.font('Helvetica-Bold').text(`Phone ${p.phone}`, MARGIN, y, oneLine(INNER));
    y += lineSize * 1.2;
  }
  return y + 2 * MM;
}

function oneLine(width: number, align: 'left' | 'center' | 'right' = 'left'): PDFKit.Mixins.TextOptions {
  return { width, align, lineBreak: false, ellipsis: true, height: 1 };
}

function rule(doc: PDFKit.PDFDocument, y: number): void {
  doc
    .moveTo(MARGIN, y)
    .lineTo(WIDTH - MARGIN, y)
    .lineWidth(1)
    .stroke('black');
}

/** CANCELED, white on a black band across the label, 40 pt (14 mm) letters. */
function canceledStamp(doc: PDFKit.PDFDocument, y: number, height: number): void {
  doc.rect(0, y, WIDTH, height).fill('black');
  doc
    .font('Helvetica-Bold')
    .fontSize(40)
    .fillColor('white')
    .text('CANCELED', 0, y + (height - 40 * 0.72) / 2, { width: WIDTH, align: 'center', lineBreak: false });
  doc.fillColor('black');
}
