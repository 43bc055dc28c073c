/**
 * The label's two symbols as geometry, made by bwip-js (the Barcode Writer in Pure PostScript's
 * encoders): a Code 128's bar widths and a QR code's module matrix. Each renderer draws them in its
 * own units (labels/pdf.ts as vector rectangles; labels/zpl.ts leaves them to the printer and uses
 * only the width), so nothing here is an image.
 */
import bwipjs from 'bwip-js';

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
  const [symbol] = bwipjs.raw('qrcode', text, 'eclevel=M') as Array<{
    pixs?: number[];
    pixx?: number;
    pixy?: number;
  }>;
  if (!symbol?.pixs || !symbol.pixx || symbol.pixx !== symbol.pixy) throw new Error('QR encoder answered no matrix');
  return { size: symbol.pixx, dark: symbol.pixs.map((p) => p === 1) };
}
