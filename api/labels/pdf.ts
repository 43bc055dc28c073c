/**
 * A package's label as PDF (pdfkit), 100 x 150 mm (4 x 6 inch, the thermal printers' size), one page
 * per package: carrier and package n of N across the top; recipient, sender, order and window, and
 * the QR code of the delivery's tracking page in the left column; the Code 128 of the package's
 * tracking code along the right edge, top to bottom, where the label's length lets a 42-character
 * code keep bars a 203 dpi printer draws and a scanner reads. Symbols are vectors, sharp at any
 * resolution. A canceled delivery's label says CANCELED in large type, over its barcode.
 * Layout in docs/labels.md; the built-in Helvetica prints Latin text (WinAnsi), which our platforms send.
 */
import PDFDocument from 'pdfkit';
import { windowText, type LabelParty, type PackageLabel } from '../../mapping/labelContent';
import { code128, qrCode } from './symbols';

const MM = 72 / 25.4;
const WIDTH = 100 * MM;
const HEIGHT = 150 * MM;
const MARGIN = 4 * MM;
const HEADER = 16 * MM;
/** The barcode's column on the right: bars 18 mm long, the code printed beside them. */
const BARS = 18 * MM;
const CODE_TEXT = 4 * MM;
const BAR_COLUMN_X = WIDTH - MARGIN - BARS - CODE_TEXT;
/** The text column on the left. */
const COLUMN = BAR_COLUMN_X - 2 * MM - MARGIN;
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
  header(doc, label, options);
  let y = HEADER;
  y = party(doc, 'TO', label.recipient, y + 2 * MM, 13, 10, 7);
  rule(doc, y, COLUMN);
  y = party(doc, 'FROM', label.sender, y + 2 * MM, 9, 8, 4);
  rule(doc, y, COLUMN);

  y += 2 * MM;
  doc.font('Helvetica').fontSize(8).text('ORDER', MARGIN, y);
  doc
    .font('Helvetica-Bold')
    .fontSize(10)
    .text(label.orderId, MARGIN, y + 3 * MM, oneLine(COLUMN));
  y += 8 * MM;
  doc.font('Helvetica').fontSize(8).text('DELIVERY WINDOW', MARGIN, y);
  doc
    .font('Helvetica-Bold')
    .fontSize(10)
    .text(label.window ? windowText(label.window) : 'to be scheduled', MARGIN, y + 3 * MM, oneLine(COLUMN));
  y += 9 * MM;
  rule(doc, y, COLUMN);

  tracking(doc, label, y + 2 * MM);
  barcode(doc, label);
}

function header(doc: PDFKit.PDFDocument, label: PackageLabel, options: PdfLabelOptions): void {
  const y = MARGIN;
  let nameX = MARGIN;
  if (options.logo) {
    doc.image(options.logo, MARGIN, y, { fit: [14 * MM, 10 * MM] });
    nameX += 16 * MM;
  }
  doc
    .font('Helvetica-Bold')
    .fontSize(16)
    .text(label.carrierName, nameX, y + 2 * MM, oneLine(WIDTH - MARGIN - nameX - 30 * MM));
  doc
    .fontSize(9)
    .font('Helvetica')
    .text('PACKAGE', WIDTH - MARGIN - 28 * MM, y, { width: 28 * MM, align: 'right' });
  doc
    .font('Helvetica-Bold')
    .fontSize(18)
    .text(`${label.number} of ${label.count}`, WIDTH - MARGIN - 28 * MM, y + 4 * MM, oneLine(28 * MM, 'right'));
  rule(doc, HEADER - 2 * MM, WIDTH - 2 * MARGIN);
}

/** The tracking page's QR code (or, before the job exists, the tracking code itself), and its words. */
function tracking(doc: PDFKit.PDFDocument, label: PackageLabel, y: number): void {
  const qr = qrCode(label.trackingUrl ?? label.trackingCode);
  const side = Math.min(HEIGHT - MARGIN - y, 30 * MM);
  const cell = side / (qr.size + 8);
  const qrX = MARGIN - 4 * cell + 4 * cell;
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
  const textX = qrX + qr.size * cell + 4 * cell + 1 * MM;
  const textWidth = MARGIN + COLUMN - textX;
  doc
    .font('Helvetica-Bold')
    .fontSize(9)
    .text('Track this delivery', textX, y + 4 * MM, oneLine(textWidth));
  doc
    .font('Helvetica')
    .fontSize(6.5)
    .text(label.trackingUrl ?? 'tracking link once a driver is booked', textX, y + 8 * MM, {
      width: textWidth,
      height: 14 * MM,
      ellipsis: true,
    });
  if (label.packageId)
    doc.fontSize(6).text(`Package id ${label.packageId}`, textX, y + side - 6 * MM, oneLine(textWidth));
}

/** The package's Code 128, top to bottom along the right edge, centred, its code printed beside it. */
function barcode(doc: PDFKit.PDFDocument, label: PackageLabel): void {
  const top = HEADER;
  const length = HEIGHT - MARGIN - top;
  const bars = code128(label.trackingCode);
  const module = Math.min(MAX_MODULE, length / (bars.modules + 2 * QUIET_MODULES));
  let y = top + (length - bars.modules * module) / 2;
  bars.widths.forEach((w, i) => {
    if (i % 2 === 0) doc.rect(BAR_COLUMN_X + CODE_TEXT, y, BARS, w * module);
    y += w * module;
  });
  doc.fill('black');
  // The code, read top to bottom like the bars, beside them.
  doc.save();
  doc.rotate(90, { origin: [BAR_COLUMN_X + CODE_TEXT - 0.5 * MM, top] });
  doc
    // Helvetica, the label's one family: each font a PDF uses is parsed again per document.
    .font('Helvetica-Bold')
    .fontSize(8)
    .text(label.trackingCode, BAR_COLUMN_X + CODE_TEXT - 0.5 * MM, top, oneLine(length, 'center'));
  doc.restore();
  // A canceled delivery's parcel must not travel: CANCELED covers its barcode, so no scan takes it.
  if (label.canceled) canceledStamp(doc, top, length);
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
  doc.font('Helvetica-Bold').fontSize(nameSize).text(p.name, MARGIN, y, oneLine(COLUMN));
  y += nameSize * 1.25;
  doc.font('Helvetica').fontSize(lineSize);
  // An address line may take two lines (a street and its number must not be cut); the block at
  // most `maxLines`, so the QR code below keeps its room.
  const lineHeight = lineSize * 1.2;
  let room = maxLines * lineHeight;
  for (const line of p.lines) {
    const height = Math.min(doc.heightOfString(line, { width: COLUMN }), 2 * lineHeight, room);
    if (height < lineHeight) break;
    doc.text(line, MARGIN, y, { width: COLUMN, height, ellipsis: true });
    y += height;
    room -= height;
  }
  if (p.phone) {
    doc.font('Helvetica-Bold').text(`Phone ${p.phone}`, MARGIN, y, oneLine(COLUMN));
    y += lineSize * 1.2;
  }
  return y + 2 * MM;
}

function oneLine(width: number, align: 'left' | 'center' | 'right' = 'left'): PDFKit.Mixins.TextOptions {
  return { width, align, lineBreak: false, ellipsis: true, height: 1 };
}

function rule(doc: PDFKit.PDFDocument, y: number, width: number): void {
  doc
    .moveTo(MARGIN, y)
    .lineTo(MARGIN + width, y)
    .lineWidth(1)
    .stroke('black');
}

/** CANCELED, white on a black band over the barcode's column, 40 pt (14 mm) letters read top to bottom. */
function canceledStamp(doc: PDFKit.PDFDocument, top: number, length: number): void {
  const x = BAR_COLUMN_X - 2 * MM;
  const width = WIDTH - x;
  doc.rect(x, top, width, length).fill('black');
  doc.save();
  doc.rotate(90, { origin: [x + width, top] });
  doc
    .font('Helvetica-Bold')
    .fontSize(40)
    .fillColor('white')
    .text('CANCELED', x + width, top + (width - 40 * 0.72) / 2, { width: length, align: 'center', lineBreak: false });
  doc.restore();
  doc.fillColor('black');
}
