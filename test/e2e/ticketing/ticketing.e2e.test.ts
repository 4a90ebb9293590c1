import { randomUUID } from 'node:crypto';
import { SMTPServer } from 'smtp-server';
import { runSql } from '../../../src/infrastructure/database/sql';
import { revocationKey, verifyTicketBarcode } from '../../../src/modules/ticketing/contracts';
import { createIsolatedDatabase, TestApp, uniq } from '../../support/app-harness';
import { decodePdf, ensureBarcodeTools, orderPaid, pdfText, publish, seatLine, waitFor } from './ticketing-fixtures';

/** Just enough MIME for the test: subject, the text (quoted-printable soft breaks undone) and the PDF attachment. */
function parseMail(raw: string, to: string): Mail {
  const unfolded = raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
  const subject = /^Subject: (.*)$/m.exec(raw)?.[1] ?? '';
  const pdf = /Content-Type: application\/pdf[\s\S]*?\r?\n\r?\n([A-Za-z0-9+/=\r\n]+)/.exec(raw);
  return { to, subject, text: unfolded, attachments: pdf ? [{ filename: 'tickets.pdf', content: Buffer.from(pdf[1].replace(/\s/g, ''), 'base64') }] : [] };
}

interface Mail {
  to: string;
  subject: string;
  text: string;
  attachments: { filename?: string; content: Buffer }[];
}

describe('ticketing (real HTTPS, PostgreSQL, Redis, SMTP)', () => {
  let t: TestApp;
  let smtp: SMTPServer;
  // Own database and Redis prefix: another suite's app must not relay our events or run our mail jobs with its config.
  let db: Awaited<ReturnType<typeof createIsolatedDatabase>>;
  const mails: Mail[] = [];
  let organizer: Awaited<ReturnType<TestApp['createTenant']>>;
  let office: Awaited<ReturnType<TestApp['createTenant']>>;
  const eventId = randomUUID();
  const startsAt = '2026-12-19T19:00:00.000Z';
  const atEvent = new Date(startsAt);

  beforeAll(async () => {
    ensureBarcodeTools();
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          mails.push(parseMail(Buffer.concat(chunks).toString('latin1'), session.envelope.rcptTo.map((r) => r.address).join(',')));
          cb();
        });
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    const port = (smtp.server.address() as { port: number }).port;
    db = await createIsolatedDatabase();
    t = await TestApp.start({ DATABASE_URL: db.url, REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX}-ticketing-${uniq()}`, TICKETING_SMTP_URL: `smtp://127.0.0.1:${port}`, TICKETING_DELIVERY_SWEEP_MS: '1000' });
    organizer = await t.createTenant('organizer', ['organizer-admin']);
    office = await t.createTenant('presale-office', ['presale-clerk']);
    await waitFor('presale office in ticketing directory', async () => (await runSql(t.em(), `select 1 from ticketing.party where organization_id = ?`, [office.organizationId])).length > 0);
  }, 120000);

  afterAll(async () => {
    await t?.close();
    await new Promise<void>((r) => smtp.close(() => r()));
    await db?.drop();
  });

  const trust = async (token = organizer.token) => {
    const r = await t.get(`/ticketing/events/${eventId}/trust`, token);
    expect(r.status).toBe(200);
    return r.body as { version: string; keys: { eventId: string; keyId: number; publicKey: string }[]; revoked: string[] };
  };

  const runToDone = async (id: string, token: string) =>
    waitFor('print run done', async () => {
      const r = await t.get(`/ticketing/print-runs/${id}`, token);
      if (r.body.status === 'failed') throw new Error(`run failed: ${r.body.error}`);
      return r.body.status === 'done' ? r.body : null;
    });

  let batchId: string;
  const paidLines = [seatLine(1), seatLine(2), seatLine(3), seatLine(4)];

  it('stock_registerBatchAndHandOver_countsPerOffice', async () => {
    const prefix = `T${randomUUID().replace(/-/g, '').slice(0, 5).toUpperCase()}`;
    const b = await t.post('/ticketing/blank-batches', { label: 'Lieferung 12/2026', serialPrefix: prefix, firstNumber: 1, count: 30, securityFeatures: ['UV-Farbe', 'Guilloche'] }, organizer.token);
    expect(b.status).toBe(201);
    expect(b.body).toMatchObject({ count: 30, firstSerial: `${prefix}000001`, lastSerial: `${prefix}000030` });
    batchId = b.body.id;
    const overlap = await t.post('/ticketing/blank-batches', { label: 'again', serialPrefix: prefix, firstNumber: 25, count: 10, securityFeatures: ['x'] }, organizer.token);
    expect(overlap.status).toBe(409);
    expect(overlap.body.code).toBe('TICKETING.SERIAL_RANGE_TAKEN');

    const h = await t.post(`/ticketing/blank-batches/${batchId}/handovers`, { officeId: office.organizationId, lastSerial: `${prefix}000020` }, organizer.token);
    expect(h.status).toBe(201);
    expect(h.body).toMatchObject({ count: 20, firstSerial: `${prefix}000001`, lastSerial: `${prefix}000020` });
    const stock = await t.get('/ticketing/stock', office.token);
    expect(stock.status).toBe(200);
    expect(stock.body.totals).toEqual({ available: 20, used: 0, void: 0 });
    const org = await t.get('/ticketing/stock', organizer.token);
    expect(org.body.totals).toEqual({ available: 30, used: 0, void: 0 });
  });

  it('printRun_beforeOrderPaid_findsNoTicket', async () => {
    const r = await t.post('/ticketing/print-runs', { ticketIds: [paidLines[0].ticketId] }, office.token);
    expect(r.status).toBe(404);
    expect(r.body.code).toBe('TICKETING.TICKET_NOT_FOUND');
    const [n] = await runSql<{ n: string }>(t.em(), `select count(*) as n from ticketing.barcode where ticket_id = ?`, [paidLines[0].ticketId]);
    expect(Number(n.n)).toBe(0);
  });

  let stockCodes: Map<string, { code: string; serial: string }>;

  it('paidCounterOrder_printRunOnSecurityStock_threeBlanksPerSheet_eachBarcodeVerifies', async () => {
    await publish(t, orderPaid({ organizerId: organizer.organizationId, eventId, lines: paidLines, channel: { kind: 'presale-office', officeId: office.organizationId }, startsAt }));
    await waitFor('tickets printable', async () => (await runSql(t.em(), `select 1 from ticketing.ticket where ticket_id = ?`, [paidLines[3].ticketId])).length > 0);

    const created = await t.post('/ticketing/print-runs', { eventId }, office.token);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ total: 4, officeId: office.organizationId });
    const done = await runToDone(created.body.id, office.token);
    expect(done).toMatchObject({ status: 'done', total: 4, rendered: 4, progress: 100, pages: 2 });

    const items = await t.get(`/ticketing/print-runs/${created.body.id}/items`, office.token);
    const serials = items.body.map((i: { blankSerial: string }) => i.blankSerial);
    expect(new Set(serials).size).toBe(4);
    expect([...serials].sort()).toEqual(serials); // consumed in serial order

    const pdf = await t.request('GET', `/ticketing/print-runs/${created.body.id}/pdf`, { token: office.token });
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toContain('application/pdf');
    const bytes = Buffer.from(pdf.text, 'latin1');
    const raw = await rawGet(`/ticketing/print-runs/${created.body.id}/pdf`, office.token);
    expect(raw.subarray(0, 5).toString()).toBe('%PDF-');
    void bytes;
    const pages = decodePdf(raw, 'datamatrix', 3);
    expect(pages.map((p) => p.length)).toEqual([3, 1]);
    const text = pdfText(raw);
    for (const s of serials) expect(text).toContain(s);
    expect(text).toContain('Block A');

    const bundle = await trust();
    stockCodes = new Map();
    for (const code of pages.flat()) {
      const v = await verifyTicketBarcode(code, bundle, atEvent, { eventId });
      expect(v.valid).toBe(true);
      if (v.valid) stockCodes.set(v.ticket.ticketId, { code, serial: '' });
    }
    expect([...stockCodes.keys()].sort()).toEqual(paidLines.map((l) => l.ticketId).sort());
    for (const it of items.body) stockCodes.get(it.ticketId)!.serial = it.blankSerial;
  });

  it('blank_bindingIsPermanent_databaseRefusesReuse', async () => {
    const [b] = await runSql<{ serial: string }>(t.em(), `select serial from ticketing.blank where ticket_id = ? limit 1`, [paidLines[0].ticketId]);
    await expect(runSql(t.em(), `update ticketing.blank set state = 'available', ticket_id = null, barcode_id = null, print_run_id = null, used_at = null where serial = ?`, [b.serial])).rejects.toThrow(/NOT_REUSABLE|check constraint/);
    await expect(runSql(t.em(), `update ticketing.blank set ticket_id = ? where serial = ?`, [paidLines[1].ticketId, b.serial])).rejects.toThrow(/BOUND_FOR_GOOD/);
    await expect(runSql(t.em(), `delete from ticketing.blank where serial = ?`, [b.serial])).rejects.toThrow(/PERMANENT/);
  });

  it('reprint_revokesOldBarcode_newOneOnNextBlankIsValid', async () => {
    const ticketId = paidLines[1].ticketId;
    const old = stockCodes.get(ticketId)!;
    const r = await t.post(`/ticketing/tickets/${ticketId}/reprint`, {}, office.token);
    expect(r.status).toBe(201);
    await runToDone(r.body.id, office.token);
    const pdf = await rawGet(`/ticketing/print-runs/${r.body.id}/pdf`, office.token);
    const [[code]] = decodePdf(pdf, 'datamatrix', 1);
    const bundle = await trust();
    expect(bundle.revoked).toContain(revocationKey(ticketId, 1));
    expect(await verifyTicketBarcode(old.code, bundle, atEvent)).toMatchObject({ valid: false, reason: 'REVOKED' });
    expect(await verifyTicketBarcode(code, bundle, atEvent)).toMatchObject({ valid: true, ticket: { ticketId, issue: 2 } });
    const ticket = await t.get(`/ticketing/tickets/${ticketId}`, office.token);
    expect(ticket.body.barcodes.map((b: { issue: number; status: string }) => [b.issue, b.status])).toEqual([
      [1, 'revoked'],
      [2, 'valid'],
    ]);
    expect(ticket.body.barcodes[0].blankSerial).toBe(old.serial);
    expect(ticket.body.barcodes[1].blankSerial).not.toBe(old.serial);
  });

  it('misprint_voidsBlankWithReason_printsOnNextBlank_voidedBlankRefused', async () => {
    const ticketId = paidLines[2].ticketId;
    const serial = stockCodes.get(ticketId)!.serial;
    const v = await t.post(`/ticketing/blanks/${serial}/void`, { reason: 'paper jam', reprint: true }, office.token);
    expect(v.status).toBe(200);
    expect(v.body.revoked).toEqual([revocationKey(ticketId, 1)]);
    await runToDone(v.body.reprintRun.id, office.token);
    const blank = await t.get(`/ticketing/blanks/${serial}`, office.token);
    expect(blank.body).toMatchObject({ state: 'void', voidReason: 'paper jam', ticketId });
    const again = await t.post(`/ticketing/blanks/${serial}/void`, { reason: 'twice' }, office.token);
    expect(again.status).toBe(409);
    const onVoid = await t.post('/ticketing/print-runs', { ticketIds: [paidLines[0].ticketId], firstSerial: serial }, office.token);
    expect(onVoid.status).toBe(409);
    expect(onVoid.body.code).toBe('TICKETING.BLANK_NOT_AVAILABLE');
    const stock = await t.get('/ticketing/stock', office.token);
    expect(stock.body.totals).toEqual({ available: 14, used: 5, void: 1 });
  });

  it('foreignBlank_andOtherTenants_areRefused', async () => {
    const other = await t.createTenant('organizer', ['organizer-admin']);
    const [mine] = await runSql<{ serial: string }>(t.em(), `select serial from ticketing.blank where batch_id = ? and office_id is null limit 1`, [batchId]);
    const r = await t.post('/ticketing/print-runs', { ticketIds: [paidLines[0].ticketId], firstSerial: mine.serial }, office.token);
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('TICKETING.BLANK_FOREIGN');
    expect((await t.get(`/ticketing/blank-batches/${batchId}`, other.token)).status).toBe(404);
    expect((await t.get(`/ticketing/tickets/${paidLines[0].ticketId}`, other.token)).status).toBe(404);
    expect((await t.get(`/ticketing/events/${eventId}/trust`, other.token)).status).toBe(404);
    expect((await t.get(`/ticketing/blanks/${mine.serial}`, other.token)).status).toBe(404);
    const runs = await t.get('/ticketing/print-runs', other.token);
    expect(runs.body).toEqual([]);
    // bad input is a 400 (or 404 for a malformed id), never a 500
    expect((await t.post('/ticketing/blank-batches', { label: 'x', serialPrefix: 'ZZ', firstNumber: 1, count: 1, securityFeatures: ['x'], extra: 1 }, organizer.token)).status).toBe(400);
    expect((await t.post('/ticketing/blank-batches', { label: 'x', serialPrefix: 'zz', firstNumber: -1, count: 0, securityFeatures: [] }, organizer.token)).status).toBe(400);
    expect((await t.post('/ticketing/print-runs', { ticketIds: ['nope'] }, office.token)).status).toBe(400);
    expect((await t.get('/ticketing/print-runs/not-a-uuid', office.token)).status).toBe(404);
    expect((await t.get(`/ticketing/events/${eventId}/trust/changes?since=abc`, organizer.token)).status).toBe(400);
    expect((await t.get(`/ticketing/events/${eventId}/trust/changes?since=99999999999999999999`, organizer.token)).status).toBe(400);
    expect((await t.get('/ticketing/stock')).status).toBe(401);
    // a presale clerk cannot register stock
    expect((await t.post('/ticketing/blank-batches', { label: 'x', serialPrefix: 'ZZ', firstNumber: 1, count: 1, securityFeatures: ['x'] }, office.token)).status).toBe(403);
  });

  it('printAtHome_emailArrivesOnlyAfterPayment_withVerifiableQr_andCancellationRevokes', async () => {
    const email = `kunde-${randomUUID().slice(0, 8)}@example.org`;
    const lines = [seatLine(10), seatLine(11)];
    const ev = orderPaid({ organizerId: organizer.organizationId, eventId, lines, channel: { kind: 'online' }, email, startsAt });
    await new Promise((r) => setTimeout(r, 500));
    expect(mails.filter((m) => m.to.includes(email))).toEqual([]);
    const [before] = await runSql<{ n: string }>(t.em(), `select count(*) as n from ticketing.barcode where ticket_id = any(?::uuid[])`, [lines.map((l) => l.ticketId)]);
    expect(Number(before.n)).toBe(0);

    await publish(t, ev);
    const mail = await waitFor('print@home mail', async () => mails.find((m) => m.to.includes(email)), 30000);
    expect(mail.text).toContain(ev.payload.orderNumber);
    const pdf = mail.attachments.find((a) => a.filename?.endsWith('.pdf'))!.content;
    const codes = decodePdf(pdf, 'qrcode', 1).flat();
    expect(codes).toHaveLength(2);
    let bundle = await trust();
    for (const c of codes) expect(await verifyTicketBarcode(c, bundle, atEvent, { eventId })).toMatchObject({ valid: true });

    const link = /https:\/\/\S+\/ticketing\/downloads\/(\S+)/.exec(mail.text)![1];
    const dl = await rawGetStatus(`/ticketing/downloads/${link}`);
    expect(dl.status).toBe(200);
    expect(dl.body.equals(pdf)).toBe(true);
    expect((await rawGetStatus(`/ticketing/downloads/${link.slice(0, -2)}xx`)).status).toBe(404);

    await publish(t, {
      id: randomUUID(),
      type: 'sales.OrderCancelled',
      occurredAt: new Date().toISOString(),
      tenantId: organizer.organizationId,
      payload: { orderId: ev.payload.orderId, orderNumber: ev.payload.orderNumber, eventId, organizerId: organizer.organizationId, ticketIds: lines.map((l) => l.ticketId), wasPaid: true, reason: 'customer' },
    });
    bundle = await waitFor('revocations', async () => {
      const b = await trust();
      return b.revoked.includes(revocationKey(lines[0].ticketId, 1)) ? b : null;
    });
    for (const c of codes) expect(await verifyTicketBarcode(c, bundle, atEvent)).toMatchObject({ valid: false, reason: 'REVOKED' });
    expect((await rawGetStatus(`/ticketing/downloads/${link}`)).status).toBe(410);
    const reprint = await t.post(`/ticketing/tickets/${lines[0].ticketId}/reprint`, {}, organizer.token);
    expect(reprint.status).toBe(409);
    expect(reprint.body.code).toBe('TICKETING.TICKET_NOT_PAID');
  });

  it('printRun_redeliveredOrCrashedAfterBinding_neverBindsTwice', async () => {
    const lines = [seatLine(20), seatLine(21), seatLine(22), seatLine(23)];
    await publish(t, orderPaid({ organizerId: organizer.organizationId, eventId, lines, channel: { kind: 'presale-office', officeId: office.organizationId }, startsAt }));
    await waitFor('tickets printable', async () => (await runSql(t.em(), `select 1 from ticketing.ticket where ticket_id = ?`, [lines[3].ticketId])).length > 0);
    // two runs of one office at the same time: consecutive, disjoint blanks
    const [a, b] = await Promise.all([
      t.post('/ticketing/print-runs', { ticketIds: [lines[0].ticketId, lines[1].ticketId] }, office.token),
      t.post('/ticketing/print-runs', { ticketIds: [lines[2].ticketId, lines[3].ticketId] }, office.token),
    ]);
    expect([a.status, b.status]).toEqual([201, 201]);
    await runToDone(a.body.id, office.token);
    await runToDone(b.body.id, office.token);
    const binding = async () =>
      runSql<{ ticket_id: string; serial: string; barcode_id: string }>(t.em(), `select ticket_id, serial, barcode_id from ticketing.blank where ticket_id = any(?::uuid[]) order by serial`, [lines.map((l) => l.ticketId)]);
    const first = await binding();
    expect(first).toHaveLength(4);
    expect(new Set(first.map((r) => r.serial)).size).toBe(4);

    const { PrintRunService } = await import('../../../src/modules/ticketing/application/printing/print-run.service');
    const runs = t.app.get(PrintRunService);
    // BullMQ redelivers a finished job: nothing happens
    expect(await runs.process(a.body.id, async () => undefined, false)).toBe('done');
    // a crash after the binding committed, before the PDF was stored: the retry only renders again
    await runSql(t.em(), `update ticketing.print_run set status = 'rendering', pdf = null where id = ?`, [a.body.id]);
    expect(await runs.process(a.body.id, async () => undefined, false)).toBe('done');
    expect(await binding()).toEqual(first);
    const [n] = await runSql<{ n: string }>(t.em(), `select count(*) as n from ticketing.barcode where ticket_id = any(?::uuid[])`, [lines.map((l) => l.ticketId)]);
    expect(Number(n.n)).toBe(4);
    const pdf = await rawGet(`/ticketing/print-runs/${a.body.id}/pdf`, office.token);
    const bundle = await trust();
    for (const code of decodePdf(pdf, 'datamatrix', 2).flat()) expect(await verifyTicketBarcode(code, bundle, atEvent)).toMatchObject({ valid: true });
  });

  it('printAtHome_reissue_revokesOldCodes_andSendsNewOnes', async () => {
    const email = `reissue-${randomUUID().slice(0, 8)}@example.org`;
    const ev = orderPaid({ organizerId: organizer.organizationId, eventId, lines: [seatLine(30)], channel: { kind: 'online' }, email, startsAt });
    await publish(t, ev);
    const first = await waitFor('first mail', async () => mails.find((m) => m.to.includes(email)));
    const [oldCode] = decodePdf(first.attachments[0].content, 'qrcode', 1).flat();
    const r = await t.post(`/ticketing/orders/${ev.payload.orderId}/home-delivery/reissue`, {}, organizer.token);
    expect(r.status).toBe(200);
    expect(r.body.reissued).toBe(1);
    const second = await waitFor('second mail', async () => mails.filter((m) => m.to.includes(email))[1]);
    const [newCode] = decodePdf(second.attachments[0].content, 'qrcode', 1).flat();
    const bundle = await trust();
    expect(await verifyTicketBarcode(oldCode, bundle, atEvent)).toMatchObject({ valid: false, reason: 'REVOKED' });
    expect(await verifyTicketBarcode(newCode, bundle, atEvent)).toMatchObject({ valid: true, ticket: { issue: 2 } });
    expect((await t.post(`/ticketing/orders/${ev.payload.orderId}/home-delivery/reissue`, {}, office.token)).status).toBe(403);
  });

  it('boxOffice_printsOnOrganizerStock_andEventCancellationRevokesEverything', async () => {
    const clerk = await t.createUser(organizer.token, organizer.organizationId, ['box-office-clerk']);
    const event2 = randomUUID();
    const h = await t.post(`/ticketing/blank-batches/${batchId}/handovers`, { officeId: organizer.organizationId }, organizer.token);
    expect(h.status).toBe(201);
    expect(h.body.count).toBe(10);
    const lines = [seatLine(1), seatLine(2, { kind: 'ga', seatId: null, block: null, row: null, seat: null, areaId: randomUUID(), areaName: 'Innenraum' })];
    await publish(t, orderPaid({ organizerId: organizer.organizationId, eventId: event2, lines, channel: { kind: 'box-office', officeId: null }, startsAt }));
    await waitFor('tickets printable', async () => (await runSql(t.em(), `select 1 from ticketing.ticket where ticket_id = ?`, [lines[1].ticketId])).length > 0);
    const run = await t.post('/ticketing/print-runs', { eventId: event2 }, clerk.token);
    expect(run.status).toBe(201);
    expect(run.body.officeId).toBe(organizer.organizationId);
    await runToDone(run.body.id, clerk.token);
    const codes = decodePdf(await rawGet(`/ticketing/print-runs/${run.body.id}/pdf`, clerk.token), 'datamatrix', 2).flat();
    const snap = await t.get(`/ticketing/events/${event2}/trust`, organizer.token);
    const ga = await Promise.all(codes.map((c) => verifyTicketBarcode(c, snap.body, atEvent, { eventId: event2 })));
    expect(ga.map((v) => v.valid)).toEqual([true, true]);
    expect(ga.map((v) => v.ticket?.placeKind).sort()).toEqual(['ga', 'seat']);
    // the clerk sees the box office's stock only (not the presale office's)
    const stock = await t.get('/ticketing/stock', clerk.token);
    expect(stock.body.totals).toEqual({ available: 8, used: 2, void: 0 });

    await publish(t, { id: randomUUID(), type: 'sales.EventCancelled', occurredAt: new Date().toISOString(), tenantId: organizer.organizationId, payload: { eventId: event2, organizerId: organizer.organizationId, reason: 'storm', cancelledAt: new Date().toISOString() } });
    const after = await waitFor('event revoked', async () => {
      const r = await t.get(`/ticketing/events/${event2}/trust`, organizer.token);
      return r.body.revoked.length === 2 ? r.body : null;
    });
    for (const c of codes) expect(await verifyTicketBarcode(c, after, atEvent)).toMatchObject({ valid: false, reason: 'REVOKED' });
  });

  it('refund_revokesPrintedTicket_andCancellationBeforeOrderPaid_isNeverPrintable', async () => {
    const lines = [seatLine(40)];
    const paid = orderPaid({ organizerId: organizer.organizationId, eventId, lines, channel: { kind: 'presale-office', officeId: office.organizationId }, startsAt });
    await publish(t, paid);
    await waitFor('ticket', async () => (await runSql(t.em(), `select 1 from ticketing.ticket where ticket_id = ?`, [lines[0].ticketId])).length > 0);
    const run = await t.post('/ticketing/print-runs', { ticketIds: [lines[0].ticketId] }, office.token);
    await runToDone(run.body.id, office.token);
    const refund = { orderId: paid.payload.orderId, orderNumber: paid.payload.orderNumber, eventId, organizerId: organizer.organizationId, ticketIds: [lines[0].ticketId], amount: { minor: '4500', currency: 'EUR' } };
    const ev = { id: randomUUID(), type: 'sales.OrderRefunded', occurredAt: new Date().toISOString(), tenantId: organizer.organizationId, payload: refund };
    await publish(t, ev);
    await waitFor('refunded', async () => (await t.get(`/ticketing/tickets/${lines[0].ticketId}`, office.token)).body.status === 'refunded');
    // redelivered (BullMQ is at-least-once): the inbox keeps it to one effect
    const { IntegrationEventDispatcher } = await import('../../../src/infrastructure/messaging/event-dispatcher');
    const again = await t.app.get(IntegrationEventDispatcher).process(ev);
    expect(again.skipped).toContain('ticketing.order-refunded');
    const b = await trust();
    expect(b.revoked.filter((k) => k === revocationKey(lines[0].ticketId, 1))).toHaveLength(1);

    // OrderCancelled overtakes OrderPaid (unordered delivery): the late OrderPaid leaves the ticket ended
    const early = [seatLine(41)];
    const late = orderPaid({ organizerId: organizer.organizationId, eventId, lines: early, channel: { kind: 'presale-office', officeId: office.organizationId }, startsAt });
    await publish(t, { id: randomUUID(), type: 'sales.OrderCancelled', occurredAt: new Date().toISOString(), tenantId: organizer.organizationId, payload: { orderId: late.payload.orderId, orderNumber: late.payload.orderNumber, eventId, organizerId: organizer.organizationId, ticketIds: [early[0].ticketId], wasPaid: true, reason: 'x' } });
    await waitFor('tombstone', async () => (await runSql(t.em(), `select 1 from ticketing.ticket_tombstone where ticket_id = ?`, [early[0].ticketId])).length > 0);
    await publish(t, late);
    const ticket = await waitFor('late ticket', async () => (await runSql<{ status: string }>(t.em(), `select status from ticketing.ticket where ticket_id = ?`, [early[0].ticketId]))[0]);
    expect(ticket.status).toBe('cancelled');
    const r = await t.post('/ticketing/print-runs', { ticketIds: [early[0].ticketId] }, office.token);
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('TICKETING.TICKET_NOT_PAID');
  });

  it('trustChanges_andKeyRotation_feedScanners', async () => {
    const before = await trust();
    const rot = await t.post(`/ticketing/events/${eventId}/keys/rotate`, { compromised: false }, organizer.token);
    expect(rot.status).toBe(200);
    expect(rot.body).toMatchObject({ activeKeyId: 2, previousKeyId: 1, previousStatus: 'retired' });
    const ch = await t.get(`/ticketing/events/${eventId}/trust/changes?since=${before.version}`, organizer.token);
    expect(ch.status).toBe(200);
    expect(ch.body.keys.map((k: { keyId: number }) => k.keyId)).toEqual([1, 2]);
    expect(BigInt(ch.body.version)).toBeGreaterThan(BigInt(before.version));
    // a retired key still verifies what it signed
    const code = stockCodes.get(paidLines[0].ticketId)!.code;
    const v = await t.post(`/ticketing/events/${eventId}/verify`, { code, at: startsAt }, organizer.token);
    expect(v.body).toMatchObject({ valid: true });
    const bad = await t.post(`/ticketing/events/${eventId}/verify`, { code: code.slice(0, 100), at: startsAt }, organizer.token);
    expect(bad.body).toMatchObject({ valid: false, reason: 'MALFORMED' });

    // new prints are signed with the new key; a compromised key is dropped and what it signed is revoked
    const re = await t.post(`/ticketing/tickets/${paidLines[0].ticketId}/reprint`, {}, office.token);
    await runToDone(re.body.id, office.token);
    const [[k2code]] = decodePdf(await rawGet(`/ticketing/print-runs/${re.body.id}/pdf`, office.token), 'datamatrix', 1);
    expect(await verifyTicketBarcode(k2code, await trust(), atEvent)).toMatchObject({ valid: true, ticket: { keyId: 2 } });
    const comp = await t.post(`/ticketing/events/${eventId}/keys/rotate`, { compromised: true }, organizer.token);
    expect(comp.body).toMatchObject({ activeKeyId: 3, previousKeyId: 2, previousStatus: 'compromised', revokedBarcodes: 1 });
    const afterCompromise = await trust();
    expect(afterCompromise.keys.map((k) => k.keyId)).toEqual([1, 3]);
    expect(await verifyTicketBarcode(k2code, afterCompromise, atEvent)).toEqual({ valid: false, reason: 'UNKNOWN_KEY' });
    expect((await t.post(`/ticketing/events/${eventId}/keys/rotate`, { compromised: false }, office.token)).status).toBe(403);

    // another organizer cannot rotate (or claim) this event's keys: 404, and nothing changed
    const other = await t.createTenant('organizer', ['organizer-admin']);
    const foreign = await t.post(`/ticketing/events/${eventId}/keys/rotate`, { compromised: true }, other.token);
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe('TICKETING.EVENT_NOT_FOUND');
    expect((await trust()).keys.map((k) => k.keyId)).toEqual([1, 3]);

    // concurrent rotations by the owner run one after another: all answered, exactly one active key at the end
    const many = await Promise.all(Array.from({ length: 4 }, () => t.post(`/ticketing/events/${eventId}/keys/rotate`, { compromised: false }, organizer.token)));
    expect(many.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(new Set(many.map((r) => r.body.activeKeyId)).size).toBe(4);
    const active = await runSql(t.em(), `select key_id from ticketing.signing_key where event_id = ? and status = 'active'`, [eventId]);
    expect(active).toHaveLength(1);
  });

  it('openApi_documentsTheTicketingRoutesAndBodies', async () => {
    const r = await t.get('/docs/openapi.json');
    expect(r.status).toBe(200);
    const doc = typeof r.body === 'string' ? JSON.parse(r.body) : r.body;
    for (const path of ['/ticketing/blank-batches', '/ticketing/print-runs', '/ticketing/print-runs/{id}', '/ticketing/blanks/{serial}/void', '/ticketing/events/{eventId}/trust', '/ticketing/downloads/{token}']) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    expect(doc.paths['/ticketing/print-runs'].post.tags).toEqual(['ticketing-printing']);
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['RegisterBatchRequest', 'CreatePrintRunRequest', 'VoidBlankRequest', 'HandOverRequest']));
  });

  async function rawGet(pathname: string, token: string): Promise<Buffer> {
    const r = await rawGetStatus(pathname, token);
    expect(r.status).toBe(200);
    return r.body;
  }

  async function rawGetStatus(pathname: string, token?: string): Promise<{ status: number; body: Buffer }> {
    const { request, Agent } = await import('undici');
    const agent = new Agent({ connect: { ca: t.ca, servername: 'localhost' } });
    const res = await request(`https://127.0.0.1:${t.port}${pathname}`, { headers: token ? { authorization: `Bearer ${token}` } : {}, dispatcher: agent });
    const body = Buffer.from(await res.body.arrayBuffer());
    await agent.close();
    return { status: res.statusCode, body };
  }
});
