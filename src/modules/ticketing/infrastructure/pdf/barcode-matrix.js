'use strict';
/**
 * Encodes a barcode text into its module matrix with bwip-js (no raster image). Plain CommonJS on purpose: it is
 * both required in-process (vector-barcode.ts) and run as a Piscina worker thread (barcode-encoder.ts), where no
 * TypeScript loader exists. Symbology options live here only.
 */
const bwipjs = require('bwip-js');

const OPTIONS = { qrcode: { eclevel: 'M' }, datamatrix: {}, azteccode: {} };

function encodeMatrix(symbology, text) {
  const opts = OPTIONS[symbology];
  if (!opts) throw new Error(`unsupported symbology ${symbology}`);
  const [sym] = bwipjs.raw(symbology, text, { ...opts });
  if (!sym || !('pixs' in sym)) throw new Error(`bwip-js returned no 2D matrix for ${symbology}`);
  return { cols: sym.pixx, rows: sym.pixy, bits: Uint8Array.from(sym.pixs) };
}

/** Piscina task: { symbology, text } → { cols, rows, bits } */
module.exports = ({ symbology, text }) => encodeMatrix(symbology, text);
module.exports.encodeMatrix = encodeMatrix;
