/**
 * Renders the documentation samples `docs/modules/ticketing-sheet.png` (A4 security-stock sheet, three blanks) and
 * `docs/modules/ticketing-home.png` (print@home page) with the module's own renderers and real signed barcodes, and
 * checks each barcode decodes (dmtxread / zbarimg) and verifies. `node -r ts-node/register/transpile-only scripts/bench/printing-samples.ts`
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import { mkdtempSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_SHEET_LAYOUT } from '../../config/sections/ticketing';
import { base45Encode, encodeSignedPart, joinSigned, verifyTicketBarcode } from '../../src/modules/ticketing/contracts';
import { ticketText } from '../../src/modules/ticketing/domain/ticket-text';
import { renderHomeTickets, renderStockSheets } from '../../src/modules/ticketing/infrastructure/pdf/ticket-pdf';
import { encodeMatrix } from '../../src/modules/ticketing/infrastructure/pdf/vector-barcode';

async function main() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const eventId = randomUUID();
  const startsAt = new Date('2026-12-19T19:00:00Z');
  const bundle = { keys: [{ eventId, keyId: 1, publicKey: spki.subarray(spki.length - 32).toString('base64url') }], revoked: [] };
  const tickets = [7, 8, 9].map((seat) => {
    const ticketId = randomUUID();
    const signed = encodeSignedPart({ keyId: 1, ticketId, issue: 1, eventId, placeKind: 'seat', placeId: randomUUID(), validFrom: new Date(startsAt.getTime() - 86400_000), validUntil: new Date(startsAt.getTime() + 86400_000), secret: randomBytes(16) });
    const code = base45Encode(joinSigned(signed, sign(null, signed, privateKey)));
    const text = ticketText({ ticketId, eventName: 'Sinfoniekonzert: Größe & Klang', eventStartsAt: startsAt, venueName: 'Stadthalle Musterstadt', kind: 'seat', block: 'A', row: '3', seat: String(seat), areaName: null, categoryName: 'Kategorie 1', reduction: 'adult', priceMinor: 4500n, currency: 'EUR', orderNumber: 'PT-7K3M9Q' });
    return { ticketId, code, text, serial: `KR${String(1040 + seat).padStart(6, '0')}` };
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'pt-samples-'));
  const out = path.resolve('docs/modules');
  const { pdf: sheet } = await renderStockSheets(tickets, DEFAULT_SHEET_LAYOUT, 'datamatrix', async (s, t) => encodeMatrix(s, t));
  const home = await renderHomeTickets(tickets.slice(0, 1), async (s, t) => encodeMatrix(s, t));
  for (const [name, pdf, decode] of [
    ['ticketing-sheet', sheet, (f: string) => execFileSync('dmtxread', ['-n', '-N', '3', f], { encoding: 'latin1' })],
    ['ticketing-home', home, (f: string) => execFileSync('zbarimg', ['-q', '--raw', f], { encoding: 'latin1' })],
  ] as const) {
    writeFileSync(path.join(dir, `${name}.pdf`), pdf);
    execFileSync('pdftoppm', ['-r', '60', '-singlefile', '-png', path.join(dir, `${name}.pdf`), path.join(dir, name)]);
    execFileSync('pdftoppm', ['-r', '150', '-gray', '-singlefile', '-png', path.join(dir, `${name}.pdf`), path.join(dir, `${name}-hi`)]);
    const codes = decode(path.join(dir, `${name}-hi.png`)).split('\n').filter(Boolean);
    for (const c of codes) {
      const v = await verifyTicketBarcode(c, bundle, startsAt);
      if (!v.valid) throw new Error(`${name}: decoded barcode does not verify: ${v.reason}`);
    }
    renameSync(path.join(dir, `${name}.png`), path.join(out, `${name}.png`));
    console.log(`${name}.png: ${codes.length} barcode(s) decoded and verified`);
  }
  void readdirSync;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
