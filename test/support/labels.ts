/**
 * Looking at a label as a scanner would: the PDF turned into PNG pages by `pdftoppm` (poppler-utils,
 * installed by scripts/poppler.ts when missing), its text read by `pdftotext`, and the barcodes
 * decoded from the image by ZXing (zxing-wasm, its WebAssembly read from node_modules: no network).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';
import { ensurePdftoppm } from '../../scripts/poppler';

/** pdftoppm, installed first when missing; a test setup calls it (minutes on a fresh machine). */
export function requirePoppler(): void {
  const found = ensurePdftoppm((line) => process.stdout.write(`${line}\n`));
  if ('missing' in found) throw new Error(`pdftoppm is needed to look at labels: ${found.missing}`);
}

/** Every page of `pdf` as a PNG at `dpi` (203: a thermal label printer's). */
export function pdfPages(pdf: Buffer, dpi: number): Buffer[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'label-'));
  try {
    writeFileSync(path.join(dir, 'label.pdf'), pdf);
    execFileSync('pdftoppm', ['-r', String(dpi), '-png', path.join(dir, 'label.pdf'), path.join(dir, 'page')]);
    return readdirSync(dir)
      .filter((f) => f.endsWith('.png'))
      .sort()
      .map((f) => readFileSync(path.join(dir, f)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The text printed on the PDF, in reading order. */
export function pdfText(pdf: Buffer): string {
  return execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf }).toString('utf8');
}

let prepared = false;
function prepareReader(): void {
  if (prepared) return;
  // dist/cjs/reader/index.js -> dist/reader/zxing_reader.wasm
  const wasmPath = path.join(path.dirname(require.resolve('zxing-wasm/reader')), '../../reader/zxing_reader.wasm');
  const wasm = readFileSync(wasmPath);
  prepareZXingModule({
    overrides: { wasmBinary: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer },
  });
  prepared = true;
}

export interface ScannedSymbol {
  format: string;
  text: string;
}

/** The Code 128 and QR codes ZXing reads in a PNG image, valid ones only. */
export async function scanSymbols(png: Buffer): Promise<ScannedSymbol[]> {
  prepareReader();
  const results = await readBarcodes(new Uint8Array(png), {
    formats: ['Code128', 'QRCode'],
    maxNumberOfSymbols: 8,
  });
  return results.filter((r) => r.isValid).map((r) => ({ format: r.format, text: r.text }));
}
