export type Symbology = 'qrcode' | 'datamatrix' | 'azteccode';

export interface ModuleMatrix {
  /** modules per row / per column */
  cols: number;
  rows: number;
  /** row-major, 1 = dark */
  bits: ArrayLike<number>;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain JS so that worker threads can load it too
const matrix = require('./barcode-matrix.js') as { encodeMatrix(symbology: Symbology, text: string): ModuleMatrix };

/** Encodes text with bwip-js and returns the symbol's module matrix (no raster image is produced), in this thread. */
export function encodeMatrix(symbology: Symbology, text: string): ModuleMatrix {
  return matrix.encodeMatrix(symbology, text);
}

/** Minimal slice of pdfkit's document API used to draw vector paths. */
export interface PathSink {
  save(): unknown;
  transform(a: number, b: number, c: number, d: number, e: number, f: number): unknown;
  rect(x: number, y: number, w: number, h: number): unknown;
  fill(color?: string): unknown;
  restore(): unknown;
}

/**
 * Draws a module matrix as vector rectangles: horizontal runs of dark modules become one rectangle each, all in a
 * single path filled once (a few hundred path operators per symbol instead of an embedded PNG). The path is written
 * in module units under one transformation matrix, so every rectangle is a handful of small integers: a third of the
 * bytes (and of the page-stream compression time) of coordinates in points.
 * `size` is the side of the symbol in PDF points, excluding `quiet` modules of white margin on each side.
 */
export function drawMatrix(doc: PathSink, m: ModuleMatrix, x: number, y: number, size: number, quiet = 0): void {
  const unit = size / (Math.max(m.cols, m.rows) + 2 * quiet);
  doc.save();
  doc.transform(unit, 0, 0, unit, x + quiet * unit, y + quiet * unit);
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
      // a hair of overlap (1/50 module) avoids anti-aliasing seams between adjacent rectangles
      doc.rect(start, r, c - start + 0.02, 1.02);
    }
  }
  doc.fill('black');
  doc.restore();
}
