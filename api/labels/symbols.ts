/**
 * The label's two symbols as geometry: a Code 128's bar widths (bwip-js, the Barcode Writer in Pure
 * PostScript's encoder) and a QR code's module matrix (qrcode: bwip-js's QR encoder took about 16 ms
 * of CPU for a label's QR code, qrcode 2 to 4 ms; BENCHMARKS.md section 8). Each renderer draws them in its
 * own units (labels/pdf.ts as vector rectangles; labels/zpl.ts leaves them to the printer and uses
 * only the width), so nothing here is an image.
 */
import bwipjs from 'bwip-js';
import QRCode from 'qrcode';

export interface Code128 {
  /** Alternating bar and space widths in modules, starting with a bar. */
  widths: number[];
  /** The symbol's width in modules, quiet zones not included. */
  modules: number;
}

export interface QrMatrix {
  /** Modules per side. */
  size: number;
  /** `dark[row * size + column]`: whether that module is dark. */
  dark: boolean[];
}

export function code128(text: string): Code128 {
  const [symbol] = bwipjs.raw('code128', text, {}) as Array<{ sbs?: number[] }>;
  if (!symbol?.sbs) throw new Error('Code 128 encoder answered no bars');
  return { widths: symbol.sbs, modules: symbol.sbs.reduce((a, b) => a + b, 0) };
}

export function qrCode(text: string): QrMatrix {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  return { size: modules.size, dark: Array.from(modules.data, (bit) => bit === 1) };
}
