import { loadConfig } from '../../../../../config/configuration';
import { DEFAULT_SHEET_LAYOUT } from '../../../../../config/sections/ticketing';
import { encodeMatrix, drawMatrix } from './vector-barcode';
import { BarcodeEncoder } from './barcode-encoder';
import { renderStockSheets } from './ticket-pdf';

describe('sheet layout and vector barcodes', () => {
  it('layoutFromConfig_defaultsToThreeBlanksOnA4_andRefusesBadJson', () => {
    const c = loadConfig({ NODE_ENV: 'test' });
    expect(c.TICKETING_SHEET_LAYOUT.blanks).toHaveLength(3);
    expect(() => loadConfig({ NODE_ENV: 'test', TICKETING_SHEET_LAYOUT: '{nope' })).toThrow(/TICKETING_SHEET_LAYOUT/);
    expect(() => loadConfig({ NODE_ENV: 'test', TICKETING_SHEET_LAYOUT: JSON.stringify({ ...DEFAULT_SHEET_LAYOUT, blanks: [] }) })).toThrow(/TICKETING_SHEET_LAYOUT/);
  });

  it('drawMatrix_coversExactlyTheDarkModules_withRowRuns', () => {
    const m = encodeMatrix('qrcode', 'PT TEST 123');
    const rects: number[][] = [];
    const ops: string[] = [];
    const sink = { save: () => ops.push('q'), transform: (...a: number[]) => ops.push(`cm ${a.join(' ')}`), restore: () => ops.push('Q'), fill: () => ops.push('f') };
    drawMatrix({ ...sink, rect: (x, y, w, h) => rects.push([x, y, w, h]) }, m, 10, 20, m.cols * 2, 0);
    expect(ops).toEqual(['q', 'cm 2 0 0 2 10 20', 'f', 'Q']); // module units under one matrix, state restored
    expect(rects.every(([x, y, , h]) => Number.isInteger(x) && Number.isInteger(y) && h === 1.02)).toBe(true);
    const dark = Array.from(m.bits).filter(Boolean).length;
    const covered = rects.reduce((s, r) => s + Math.round(r[2] - 0.02), 0);
    expect(covered).toBe(dark);
    expect(rects.length).toBeLessThan(dark); // runs merged
  });

  it('renderStockSheets_putsThreeTicketsPerPage_andIsVectorOnly', async () => {
    const text = { event: 'E', date: 'D', venue: 'V', place: 'P', category: 'C', price: 'P', order: 'O' };
    const tickets = Array.from({ length: 7 }, (_, i) => ({ text, serial: `S${i}`, code: `CODE ${i}` }));
    const progress: number[] = [];
    const { pdf, pages } = await renderStockSheets(tickets, DEFAULT_SHEET_LAYOUT, 'datamatrix', async (s, t) => encodeMatrix(s, t), (n) => void progress.push(n));
    expect(pages).toBe(3);
    expect(progress).toEqual([3, 6, 7]);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.toString('latin1')).not.toMatch(/\/Subtype\s*\/Image/);
  });

  it('barcodeEncoder_workerThreadsGiveTheSameMatrixAsInProcess_andFailuresReject', async () => {
    const pooled = new BarcodeEncoder({ ...loadConfig({ NODE_ENV: 'test' }), TICKETING_BARCODE_THREADS: 2 });
    const inline = new BarcodeEncoder({ ...loadConfig({ NODE_ENV: 'test' }), TICKETING_BARCODE_THREADS: 0 });
    try {
      const texts = Array.from({ length: 6 }, (_, i) => `PT0${i}ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 $%*+-./:${i}`);
      const a = await Promise.all(texts.map((t) => pooled.encode('datamatrix', t)));
      const b = await Promise.all(texts.map((t) => inline.encode('datamatrix', t)));
      for (let i = 0; i < texts.length; i++) {
        expect(a[i].cols).toBe(b[i].cols);
        expect(Array.from(a[i].bits)).toEqual(Array.from(b[i].bits));
      }
      expect(Array.from(a[0].bits)).not.toEqual(Array.from(a[1].bits));
      await expect(pooled.encode('code39' as never, 'X')).rejects.toThrow(/unsupported symbology/);
      await expect(inline.encode('code39' as never, 'X')).rejects.toThrow(/unsupported symbology/);
    } finally {
      await pooled.onModuleDestroy();
    }
  });
});
