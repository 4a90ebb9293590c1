import { loadConfig } from '../../../../../config/configuration';
import { DEFAULT_SHEET_LAYOUT } from '../../../../../config/sections/ticketing';
import { encodeMatrix, drawMatrix } from './vector-barcode';
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
    drawMatrix({ rect: (x, y, w, h) => rects.push([x, y, w, h]), fill: () => undefined }, m, 0, 0, m.cols, 0);
    const dark = Array.from(m.bits).filter(Boolean).length;
    const covered = rects.reduce((s, r) => s + Math.round(r[2] - 0.01), 0);
    expect(covered).toBe(dark);
    expect(rects.length).toBeLessThan(dark); // runs merged
  });

  it('renderStockSheets_putsThreeTicketsPerPage_andIsVectorOnly', async () => {
    const text = { event: 'E', date: 'D', venue: 'V', place: 'P', category: 'C', price: 'P', order: 'O' };
    const tickets = Array.from({ length: 7 }, (_, i) => ({ text, serial: `S${i}`, code: `CODE ${i}` }));
    const progress: number[] = [];
    const { pdf, pages } = await renderStockSheets(tickets, DEFAULT_SHEET_LAYOUT, 'datamatrix', (n) => void progress.push(n));
    expect(pages).toBe(3);
    expect(progress).toEqual([3, 6, 7]);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.toString('latin1')).not.toMatch(/\/Subtype\s*\/Image/);
  });
});
