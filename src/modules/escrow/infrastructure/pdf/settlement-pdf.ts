import PDFDocument from 'pdfkit';
import { Money } from '../../../../shared-kernel/money';
import type { SettlementStatement } from '../../application/settlement.service';

/** Renders a presale-office settlement statement (A4, one table of counter sales, totals, payment instructions). */
export function renderSettlementPdf(s: SettlementStatement, beneficiary: { name: string; iban: string }): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 50, info: { Title: `Settlement ${s.periodFrom}–${s.periodTo}`, Author: 'ProTicket' } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  const fmt = (minor: string) => `${Money.of(BigInt(minor), s.currency).toDecimalString()} ${s.currency}`;

  doc.font('Helvetica-Bold').fontSize(16).text('ProTicket — Abrechnung / Settlement statement');
  doc.moveDown(0.5).font('Helvetica').fontSize(10);
  doc.text(`Presale office: ${s.officeId}`);
  doc.text(`Period: ${s.periodFrom} to ${s.periodTo}`);
  doc.text(`Statement: ${s.id}   created ${s.createdAt.slice(0, 10)}   status: ${s.status}`);
  doc.moveDown();

  const cols = [50, 150, 330, 420, 490];
  const row = (cells: string[], bold = false) => {
    const y = doc.y;
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(9);
    cells.forEach((c, i) => doc.text(c, cols[i], y, { width: (cols[i + 1] ?? 545) - cols[i] - 6, lineBreak: false, ellipsis: true }));
    doc.moveDown(0.4);
    if (doc.y > 760) doc.addPage();
  };
  row(['Order', 'Event', 'Paid at', 'Amount', 'Commission'], true);
  for (const l of s.lines) row([l.orderNumber, l.eventName, l.paidAt.slice(0, 16).replace('T', ' '), fmt(l.amount), fmt(l.commission)]);
  doc.moveDown();
  row(['', `${s.orderCount} orders`, 'Gross', fmt(s.gross), ''], true);
  row(['', '', 'Commission', `− ${fmt(s.commission)}`, ''], true);
  row(['', '', 'Amount due', fmt(s.due), ''], true);
  doc.moveDown();
  doc.font('Helvetica').fontSize(10).text(`Please transfer ${fmt(s.due)} to ${beneficiary.name}, IBAN ${beneficiary.iban.replace(/(.{4})/g, '$1 ').trim()},`, 50);
  doc.text(`with the payment reference ${s.paymentReferencePrinted} (exactly as printed).`);
  doc.end();
  return done;
}
