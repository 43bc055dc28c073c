/**
 * A package's label as ZPL II, the language of the stores' Zebra printers: 4 x 6 inch at 203 dpi
 * (812 x 1218 dots), one `^XA ... ^XZ` format per package, the same content as labels/pdf.ts. The
 * printer draws the Code 128 (`^BC`, automatic subsets) and the QR code (`^BQ`) itself. Text is
 * UTF-8 (`^CI28`); every field's data goes through `^FH` hex escapes, so no customer text can
 * end a field or start a command. The carrier's logo is the PDF's only.
 */
import { windowText, type LabelParty, type PackageLabel } from './content';
import { code128 } from './symbols';

const DOTS_PER_MM = 8;
const WIDTH = 812;
const HEIGHT = 1218;
const MARGIN = 32;
const INNER = WIDTH - 2 * MARGIN;
/** Code 128 quiet zone, in modules, on each side. */
const QUIET_MODULES = 10;

/** Field data with `_`, `^`, `~` and `\` hex-escaped (`^FH_`), the only characters ZPL reads inside it. */
export function zplField(text: string): string {
  return text.replace(/[_^~\\]/g, (c) => `_${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

class Zpl {
  private readonly out: string[] = [];
  raw(command: string): this {
    this.out.push(command);
    return this;
  }
  /** One line of text at (x, y), `height` dots high, cut to `width` dots (`^FB` one line). */
  text(x: number, y: number, height: number, text: string, width = INNER, align: 'L' | 'C' | 'R' = 'L'): this {
    return this.raw(`^FO${x},${y}^A0N,${height},${height}^FB${width},1,0,${align},0^FH_^FD${zplField(text)}^FS`);
  }
  rule(y: number): this {
    return this.raw(`^FO${MARGIN},${y}^GB${INNER},3,3^FS`);
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
  let y = MARGIN;
  z.text(MARGIN, y + 16, 48, label.carrierName, INNER - 240);
  z.text(WIDTH - MARGIN - 220, y, 24, 'PACKAGE', 220, 'R');
  z.text(WIDTH - MARGIN - 220, y + 30, 52, `${label.number} of ${label.count}`, 220, 'R');
  y += 14 * DOTS_PER_MM;
  z.rule(y);
  y = party(z, 'TO', label.recipient, y + 16, 40, 30, 5);
  z.rule(y);
  y = party(z, 'FROM', label.sender, y + 16, 26, 22, 3);
  z.rule(y);
  y += 16;
  z.text(MARGIN, y, 22, 'ORDER').text(MARGIN, y + 24, 30, label.orderId);
  y += 64;
  z.text(MARGIN, y, 22, 'DELIVERY WINDOW').text(
    MARGIN,
    y + 24,
    30,
    label.window ? windowText(label.window) : 'to be scheduled',
  );
  y += 72;
  z.rule(y);

  // The barcode, 2 dots a module (0.25 mm) when it fits the label's width with its quiet zones.
  y += 24;
  const modules = code128(label.trackingCode).modules;
  const module = (modules + 2 * QUIET_MODULES) * 2 <= WIDTH ? 2 : 1;
  const barX = Math.max(MARGIN, Math.round((WIDTH - modules * module) / 2));
  const barHeight = 18 * DOTS_PER_MM;
  z.raw(`^BY${module},3,${barHeight}`).raw(
    `^FO${barX},${y}^BCN,${barHeight},N,N,N,A^FH_^FD${zplField(label.trackingCode)}^FS`,
  );
  z.text(MARGIN, y + barHeight + 12, 26, label.trackingCode, INNER, 'C');
  if (label.canceled) {
    // CANCELED, white on a black band over the barcode (as labels/pdf.ts): no scan takes the parcel.
    z.raw(`^FO0,${y - 16}^GB${WIDTH},${barHeight + 32},${barHeight + 32},B^FS`);
    z.raw(`^FO0,${y + 10}^A0N,120,120^FB${WIDTH},1,0,C,0^FR^FH_^FDCANCELED^FS`);
  }
  y += barHeight + 56;
  z.rule(y);

  // The QR code: model 2, 5 dots a module, error correction M.
  y += 24;
  z.raw(`^FO${MARGIN},${y}^BQN,2,5^FH_^FDMA,${zplField(label.trackingUrl ?? label.trackingCode)}^FS`);
  const textX = MARGIN + 260;
  z.text(textX, y + 30, 30, 'Track this delivery', WIDTH - MARGIN - textX);
  z.text(textX, y + 72, 20, label.trackingUrl ?? 'tracking link once a driver is booked', WIDTH - MARGIN - textX);
  if (label.packageId) z.text(textX, y + 180, 18, `Package id ${label.packageId}`, WIDTH - MARGIN - textX);

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
  for (const line of p.lines.slice(0, maxLines)) {
    z.text(MARGIN, y, lineSize, line);
    y += lineSize + 4;
  }
  if (p.phone) {
    z.text(MARGIN, y, lineSize, `Phone ${p.phone}`);
    y += lineSize + 4;
  }
  return y + 12;
}
