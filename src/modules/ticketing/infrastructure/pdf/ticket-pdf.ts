import PDFDocument from 'pdfkit';
import type { SheetLayout } from '../../../../../config/sections/ticketing';
import type { TicketText } from '../../domain/ticket-text';
import { drawMatrix, ModuleMatrix, Symbology } from './vector-barcode';

const MM = 72 / 25.4;

export interface StockTicket {
  text: TicketText;
  serial: string;
  code: string;
}

export interface HomeTicket {
  text: TicketText;
  code: string;
  ticketId: string;
}

type Doc = InstanceType<typeof PDFDocument>;

function collect(doc: Doc): Promise<Buffer> {
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  return new Promise((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
}

/** Shortens text with an ellipsis until it fits the width (measured with the current font and size). */
function fit(doc: Doc, text: string, width: number): string {
  if (doc.widthOfString(text) <= width) return text;
  let t = text;
  while (t.length > 1 && doc.widthOfString(`${t}…`) > width) t = t.slice(0, -1);
  return `${t}…`;
}

const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

/** Encodes one barcode text into its module matrix (BarcodeEncoder: worker threads, or in-process). */
export type Encode = (symbology: Symbology, text: string) => Promise<ModuleMatrix>;

/**
 * Keeps up to `ahead` encodings in flight in front of the one being drawn, so the encoder threads are busy while
 * this thread lays out text and paths. take(i) must be called for i = 0, 1, 2, … in order.
 */
function prefetch(texts: string[], symbology: Symbology, encode: Encode, ahead = 24): (i: number) => Promise<ModuleMatrix> {
  const pending = new Map<number, Promise<ModuleMatrix>>();
  let next = 0;
  const fill = (upTo: number) => {
    for (; next < texts.length && next <= upTo; next++) {
      const p = encode(symbology, texts[next]);
      p.catch(() => undefined); // a failure surfaces when that index is taken, not as an unhandled rejection
      pending.set(next, p);
    }
  };
  return (i) => {
    fill(i + ahead);
    const p = pending.get(i)!;
    pending.delete(i);
    return p;
  };
}

/**
 * Security stock: A4 sheets, each carrying `layout.blanks.length` blanks (three by default). Blank i of a sheet gets
 * ticket i; text fields and the barcode are placed relative to the blank's corner, in millimetres from the layout.
 * Only content is printed (the blank's artwork is pre-printed). `onSheet` is awaited after every sheet (progress,
 * and a turn of the event loop so the job's lock is renewed).
 */
export async function renderStockSheets(
  tickets: StockTicket[],
  layout: SheetLayout,
  symbology: Symbology,
  encode: Encode,
  onSheet?: (ticketsDone: number) => Promise<void> | void,
): Promise<{ pdf: Buffer; pages: number }> {
  const matrixOf = prefetch(tickets.map((t) => t.code), symbology, encode);
  const doc = new PDFDocument({ size: [layout.pageWidthMm * MM, layout.pageHeightMm * MM], margin: 0, autoFirstPage: false, compress: true, info: { Title: 'ProTicket security stock', Producer: 'ProTicket' } });
  const done = collect(doc);
  const perSheet = layout.blanks.length;
  let pages = 0;
  for (let i = 0; i < tickets.length; i += perSheet) {
    doc.addPage();
    pages++;
    for (let j = 0; j < perSheet && i + j < tickets.length; j++) {
      const t = tickets[i + j];
      const b = layout.blanks[j];
      const bx = b.xMm * MM;
      const by = b.yMm * MM;
      const f = layout.fields;
      const put = (field: keyof SheetLayout['fields'], value: string, bold = false) => {
        const spec = f[field];
        doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(spec.sizePt);
        // single line, no line wrapper (it costs more than the barcode); cut to the field's width if given
        doc.text(spec.widthMm ? fit(doc, value, spec.widthMm * MM) : value, bx + spec.xMm * MM, by + spec.yMm * MM, { lineBreak: false });
      };
      put('event', t.text.event, true);
      put('date', t.text.date);
      put('venue', t.text.venue);
      put('place', t.text.place, true);
      put('category', t.text.category);
      put('price', t.text.price);
      put('order', t.text.order);
      put('serial', `Nr. ${t.serial}`);
      const bc = layout.barcode;
      drawMatrix(doc, await matrixOf(i + j), bx + bc.xMm * MM, by + bc.yMm * MM, bc.sizeMm * MM, 1);
    }
    await onSheet?.(Math.min(i + perSheet, tickets.length));
    await yieldToLoop();
  }
  doc.end();
  return { pdf: await done, pages };
}

/** Print@home: one A4 page per ticket with a large QR code (scanned from paper or from a phone screen). */
export async function renderHomeTickets(tickets: HomeTicket[], encode: Encode): Promise<Buffer> {
  const matrixOf = prefetch(tickets.map((t) => t.code), 'qrcode', encode);
  const doc = new PDFDocument({ size: 'A4', margin: 0, autoFirstPage: false, info: { Title: 'ProTicket print@home', Producer: 'ProTicket' } });
  const done = collect(doc);
  for (const [i, t] of tickets.entries()) {
    doc.addPage();
    const x = 20 * MM;
    doc.font('Helvetica-Bold').fontSize(22).text(t.text.event, x, 20 * MM, { width: 170 * MM });
    doc.font('Helvetica').fontSize(13).text(t.text.date, x, 34 * MM).text(t.text.venue, x, 41 * MM);
    doc.font('Helvetica-Bold').fontSize(16).text(t.text.place, x, 54 * MM, { width: 170 * MM });
    doc.font('Helvetica').fontSize(12).text(t.text.category, x, 64 * MM).text(t.text.price, x, 71 * MM).text(t.text.order, x, 78 * MM);
    drawMatrix(doc, await matrixOf(i), 55 * MM, 95 * MM, 100 * MM, 4);
    doc
      .fontSize(9)
      .text(`Ticket ${t.ticketId}`, x, 205 * MM)
      .text('print@home: only the most recently issued barcode of this ticket is admitted; copies are detected at entry.', x, 212 * MM, { width: 170 * MM });
    await yieldToLoop();
  }
  doc.end();
  return done;
}
