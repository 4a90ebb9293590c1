import { randomUUID } from 'node:crypto';
import { SMTPServer } from 'smtp-server';
import { runSql } from '../../../src/infrastructure/database/sql';
import { verifyTicketBarcode } from '../../../src/modules/ticketing/contracts';
import { camt053, xmllint } from '../../fixtures/escrow/camt053';
import { createIsolatedDatabase, TestApp, uniq } from '../../support/app-harness';
import { uploadStatement } from '../escrow/escrow-test-kit';
import { makePlan, setupEvent } from '../sales/sales-fixtures';
import { decodePdf, ensureBarcodeTools, waitFor } from '../ticketing/ticketing-fixtures';

/**
 * The whole online sale across the modules, with nothing simulated: Sales (shop hold → order pending payment) →
 * Escrow (RF reference, camt.053 statement matched) → Sales (paid) → Ticketing (barcode + print@home PDF by mail).
 * Before the money is matched there is no barcode, no PDF, no mail and no download; afterwards the QR code in the
 * mailed PDF verifies with the event's public keys.
 */
describe('online sale: money first, then the ticket (Sales + Escrow + Ticketing, real HTTPS/SMTP)', () => {
  let t: TestApp;
  let smtp: SMTPServer;
  // Own database and Redis prefix: another suite's app must not relay our events or run our mail jobs with its config.
  let db: Awaited<ReturnType<typeof createIsolatedDatabase>>;
  const mails: { to: string; raw: string }[] = [];

  beforeAll(async () => {
    ensureBarcodeTools();
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          mails.push({ to: session.envelope.rcptTo.map((r) => r.address).join(','), raw: Buffer.concat(chunks).toString('latin1') });
          cb();
        });
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    const port = (smtp.server.address() as { port: number }).port;
    db = await createIsolatedDatabase();
    t = await TestApp.start({ DATABASE_URL: db.url, REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX}-flows-${uniq()}`, TICKETING_SMTP_URL: `smtp://127.0.0.1:${port}`, TICKETING_DELIVERY_SWEEP_MS: '1000' });
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await new Promise<void>((r) => smtp.close(() => r()));
    await db?.drop();
  });

  it('onlineOrder_hasNoBarcodeNoPdfNoMailUntilTheBankStatementMatches_thenTheMailedQrVerifies', async () => {
    const s = await setupEvent(t, makePlan({ rows: 2, seats: 10 }));
    const email = `kunde-${randomUUID().slice(0, 8)}@example.org`;
    const hold = await t.post(`/shop/events/${s.eventId}/holds/seats`, { seatIds: [s.seats[3].id, s.seats[4].id] });
    expect(hold.status).toBe(201);
    const order = await t.request('POST', `/shop/holds/${hold.body.holdId}/order`, {
      body: { customer: { name: 'Erika Mustermann', email } },
      headers: { 'x-hold-token': hold.body.holdToken },
    });
    expect(order.status).toBe(201);
    expect(order.body.status).toBe('pending-payment');
    const ticketIds: string[] = order.body.lines.map((l: { ticketId: string }) => l.ticketId);
    const total: string = order.body.total.minor;

    // Escrow knows the order and its RF reference; the organizer sees it awaiting payment.
    const view = await waitFor('escrow order with RF', async () => {
      const r = await t.get(`/escrow/orders/${order.body.id}`, s.organizer.token);
      return r.status === 200 && r.body.paymentReference ? r.body : null;
    });
    const rf: string = view.paymentReference;

    // Give every consumer time to (wrongly) act on OrderPlaced, then prove nothing deliverable exists.
    await new Promise((r) => setTimeout(r, 1500));
    const barcodes = async () =>
      Number((await runSql<{ n: string }>(t.em(), `select count(*) as n from ticketing.barcode where ticket_id = any(?::uuid[])`, [ticketIds]))[0].n);
    expect(await barcodes()).toBe(0);
    expect(mails.filter((m) => m.to.includes(email))).toEqual([]);
    for (const id of ticketIds) {
      const reprint = await t.post(`/ticketing/tickets/${id}/reprint`, {}, s.organizer.token);
      expect(reprint.status).toBeGreaterThanOrEqual(400);
      expect(reprint.status).toBeLessThan(500);
    }
    expect((await t.get(`/sales/orders/${order.body.id}`, s.organizer.token)).body.status).toBe('pending-payment');

    // The customer's transfer arrives on the trust account's statement.
    const admin = await t.adminToken();
    const amount = (Number(total) / 100).toFixed(2);
    const xml = camt053({
      msgId: `FLOW-${order.body.id.slice(0, 8)}`,
      closing: amount,
      entries: [{ amount, bankRef: `FLOW-${order.body.id.slice(0, 30)}`, ustrd: [`Tickets ${rf}`] }],
    });
    expect(xmllint(xml, 'camt.053.001.08')).toMatch(/validates/);
    const { result } = await uploadStatement(t, admin, xml);
    expect(result).toMatchObject({ status: 'imported', result: { matched: 1, review: 0 } });

    // Paid in Sales, barcodes exist, the print@home mail arrives with a PDF whose QR codes verify.
    await waitFor('order paid', async () => (await t.get(`/sales/orders/${order.body.id}`, s.organizer.token)).body.status === 'paid', 30_000);
    const mail = await waitFor('print@home mail', async () => mails.find((m) => m.to.includes(email)), 60_000);
    expect(await barcodes()).toBe(ticketIds.length);
    const pdfBase64 = /Content-Type: application\/pdf[\s\S]*?\r?\n\r?\n([A-Za-z0-9+/=\r\n]+)/.exec(mail.raw);
    expect(pdfBase64).not.toBeNull();
    const codes = decodePdf(Buffer.from(pdfBase64![1].replace(/\s/g, ''), 'base64'), 'qrcode', 1).flat();
    expect(codes).toHaveLength(ticketIds.length);
    const trust = await t.get(`/ticketing/events/${s.eventId}/trust`, s.organizer.token);
    expect(trust.status).toBe(200);
    const atEvent = new Date(Date.now() + 30 * 86400_000);
    const verdicts = await Promise.all(codes.map((c) => verifyTicketBarcode(c, trust.body, atEvent, { eventId: s.eventId })));
    expect(verdicts.map((v) => v.valid)).toEqual(ticketIds.map(() => true));
    expect(new Set(verdicts.map((v) => (v.valid ? v.ticket.ticketId : null)))).toEqual(new Set(ticketIds));
  }, 180_000);
});
