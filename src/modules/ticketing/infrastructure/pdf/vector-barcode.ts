import bwipjs from 'bwip-js';

export type Symbology = 'qrcode' | 'datamatrix' | 'azteccode';

export interface ModuleMatrix {
  /** modules per row / per column */
  cols: number;
  rows: number;
  /** row-major, 1 = dark */
  bits: ArrayLike<number>;
}

/** Encodes text with bwip-js and returns the symbol's module matrix (no raster image is produced). */
export function encodeMatrix(symbology: Symbology, text: string): ModuleMatrix {
  const opts = symbology === 'qrcode' ? { eclevel: 'M' } : {};
  const [sym] = bwipjs.raw(symbology, text, opts as never) as { pixs: number[]; pixx: number; pixy: number }[];
  if (!sym || !('pixs' in sym)) throw new Error(`bwip-js returned no 2D matrix for ${symbology}`);
  return { cols: sym.pixx, rows: sym.pixy, bits: sym.pixs };
}

/** Minimal slice of pdfkit's document API used to draw vector paths. */
export interface PathSink {
  rect(x: number, y: number, w: number, h: number): unknown;
  fill(color?: string): unknown;
}

/**
 * Draws a module matrix as vector rectangles: horizontal runs of dark modules become one rectangle each, all in a
 * single path filled once (a few hundred path operators per symbol instead of an embedded PNG).
 * `size` is the side of the symbol in PDF points, excluding `quiet` modules of white margin on each side.
 */
export function drawMatrix(doc: PathSink, m: ModuleMatrix, x: number, y: number, size: number, quiet = 0): void {
  const unit = size / (Math.max(m.cols, m.rows) + 2 * quiet);
  const ox = x + quiet * unit;
  const oy = y + quiet * unit;
  for (let r = 0; r < m.rows; r++) {
    const base = r * m.cols;
    let c = 0;
    while (c < m.cols) {
      if (!m.bits[base + c]) {
        c++;
        continue;
      }
      const start = c;
      while (c < m.cols && m.bits[base + c]) c++;
      // a hair of overlap avoids anti-aliasing seams between adjacent rectangles
      doc.rect(ox + start * unit, oy + r * unit, (c - start) * unit + 0.01, unit + 0.01);
    }
  }
  doc.fill('black');
}
