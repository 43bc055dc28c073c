/**
 * A package's label as ZPL II, the language of the stores' Zebra printers: 4 x 6 inch at 203 dpi
 * (812 x 1218 dots), one `^XA ... ^XZ` format per package, laid out as labels/pdf.ts lays the PDF
 * (the barcode top to bottom along the right edge). The printer draws the Code 128 (`^BC`,
 * automatic subsets) and the QR code (`^BQ`) itself. Text is UTF-8 (`^CI28`); every field's data
 * goes through `^FH` hex escapes, so no customer text can end a field or start a command. The
 * carrier's logo is the PDF's only.
 */
import { windowText, type LabelParty, type PackageLabel } from '../../mapping/labelContent';
import { code128 } from './symbols';

const WIDTH = 812;
const HEIGHT = 1218;
const MARGIN = 32;
const HEADER = 128;
/** The barcode's column on the right: bars 144 dots (18 mm) long, the code printed beside them. */
const BARS = 144;
const CODE_TEXT = 32;
const BAR_COLUMN_X = WIDTH - MARGIN - BARS - CODE_TEXT;
/** The text column on the left. */
const COLUMN = BAR_COLUMN_X - 16 - MARGIN;
/** Code 128 quiet zone, in modules, on each side. */
const QUIET_MODULES = 10;

/** Field data with `_`, `^`, `~` and `\` hex-escaped (`^FH_`), the only characters ZPL reads inside it. */
export function zplField(text: string): string {
  return text.replace(/[_^~\\]/g, (c) => `_${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

type Align = 'L' | 'C' | 'R';

class Zpl {
  private readonly out: string[] = [];
  raw(command: string): this {
    this.out.push(command);
    return this;
  }
  /** One line of text at (x, y), `height` dots high, cut to `width` dots (`^FB` one line). */
  text(x: number, y: number, height: number, text: string, width = COLUMN, align: Align = 'L'): this {
    return this.raw(`^FO${x},${y}^A0N,${height},${height}^FB${width},1,0,${align},0^FH_^FD${zplField(text)}^FS`);
  }
  /** One line of text read top to bottom (rotated 90 degrees), `length` dots long. */
  textDown(x: number, y: number, height: number, text: string, length: number, reverse = false): this {
    const fr = reverse ? '^FR' : '';
    return this.raw(`^FO${x},${y}^A0R,${height},${height}^FB${length},1,0,C,0${fr}^FH_^FD${zplField(text)}^FS`);
  }
  rule(y: number, width = COLUMN): this {
    return this.raw(`^FO${MARGIN},${y}^GB${width},3,3^FS`);
  }
  toString(): string {
    return this.out.join('\n');
  }
}

/** Every label given, one format each, as one ZPL document. */
export function renderLabelZpl(labels: PackageLabel[]): string {
  return labels.map(labelZpl).join('\n') + '\n';
}

function labelZpl(label: PackageLabel): string {
  const z = new Zpl().raw('^XA').raw('^CI28').raw(`^PW${WIDTH}`).raw(`^LL${HEIGHT}`).raw('^LH0,0');
  z.text(MARGIN, MARGIN + 16, 48, label.carrierName, WIDTH - 2 * MARGIN - 240);
  z.text(WIDTH - MARGIN - 220, MARGIN, 24, 'PACKAGE', 220, 'R');
  z.text(WIDTH - MARGIN - 220, MARGIN + 30, 52, `${label.number} of ${label.count}`, 220, 'R');
  z.rule(HEADER - 16, WIDTH - 2 * MARGIN);

  let y = party(z, 'TO', label.recipient, HEADER, 36, 26, 7);
  z.rule(y);
  y = party(z, 'FROM', label.sender, y + 16, 24, 20, 4);
  z.rule(y);
  y += 16;
  z.text(MARGIN, y, 22, 'ORDER').text(MARGIN, y + 24, 30, label.orderId);
  y += 64;
  z.text(MARGIN, y, 22, 'DELIVERY WINDOW');
  z.text(MARGIN, y + 24, 30, label.window ? windowText(label.window) : 'to be scheduled');
  y += 72;
  z.rule(y);

  // The QR code: model 2, 5 dots a module, error correction M; its words beside it.
  y += 16;
  z.raw(`^FO${MARGIN},${y}^BQN,2,5^FH_^FDMA,${zplField(label.trackingUrl ?? label.trackingCode)}^FS`);
  const textX = MARGIN + 230;
  const textWidth = MARGIN + COLUMN - textX;
  z.text(textX, y + 30, 26, 'Track this delivery', textWidth);
  z.raw(
    `^FO${textX},${y + 66}^A0N,18,18^FB${textWidth},4,2,L,0^FH_^FD${zplField(label.trackingUrl ?? 'tracking link once a driver is booked')}^FS`,
  );
  if (label.packageId) z.text(textX, y + 170, 18, `Package id ${label.packageId}`, textWidth);

  // The barcode top to bottom (^BCR), 2 dots a module (0.25 mm) when it fits the label's length.
  const top = HEADER;
  const length = HEIGHT - MARGIN - top;
  const modules = code128(label.trackingCode).modules;
  const module = (modules + 2 * QUIET_MODULES) * 2 <= length ? 2 : 1;
  const barY = top + Math.max(0, Math.round((length - modules * module) / 2));
  z.raw(`^BY${module},3,${BARS}`);
  z.raw(`^FO${BAR_COLUMN_X + CODE_TEXT},${barY}^BCR,${BARS},N,N,N,A^FH_^FD${zplField(label.trackingCode)}^FS`);
  z.textDown(BAR_COLUMN_X, top, 24, label.trackingCode, length);
  if (label.canceled) {
    // CANCELED, white on a black band over the barcode (as labels/pdf.ts): no scan takes the parcel.
    const x = BAR_COLUMN_X - 16;
    z.raw(`^FO${x},${top}^GB${WIDTH - x},${length},${WIDTH - x},B^FS`);
    z.textDown(x + 20, top, 130, 'CANCELED', length, true);
  }
  return z.raw('^XZ').toString();
}

function party(
  z: Zpl,
  title: string,
  p: LabelParty,
  y: number,
  nameSize: number,
  lineSize: number,
  maxLines: number,
): number {
  z.text(MARGIN, y, 22, title);
  y += 28;
  z.text(MARGIN, y, nameSize, p.name);
  y += nameSize + 6;
  // An address line may take two lines (the printer wraps it in ^FB; the font's characters average
  // about half their height wide); the block at most `maxLines`, as labels/pdf.ts.
  let room = maxLines;
  for (const line of p.lines) {
    const lines = Math.min(line.length * lineSize * 0.5 > COLUMN ? 2 : 1, room);
    if (lines === 0) break;
    room -= lines;
    z.raw(`^FO${MARGIN},${y}^A0N,${lineSize},${lineSize}^FB${COLUMN},${lines},4,L,0^FH_^FD${zplField(line)}^FS`);
    y += lines * (lineSize + 4);
  }
  if (p.phone) {
    z.text(MARGIN, y, lineSize, `Phone ${p.phone}`);
    y += lineSize + 4;
  }
  return y + 12;
}
