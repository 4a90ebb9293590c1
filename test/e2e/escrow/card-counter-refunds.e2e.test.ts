import { TestApp } from '../../support/app-harness';
import { camt053, xmllint } from '../../fixtures/escrow/camt053';
import { escrowOrder, outboxEvents, SalesSimulator, sql, uploadStatement, waitFor } from './escrow-test-kit';

describe('escrow: card payments, counter sales, settlements, cancellations (real HTTPS)', () => {
  let t: TestApp;
  let sales: SalesSimulator;
  let admin: string;
  beforeAll(async () => {
    t = await TestApp.start();
    sales = new SalesSimulator(t);
    admin = await t.adminToken();
  });
  afterAll(() => t.close());

  it('sandboxCardPayment_endToEnd_signedWebhookPaysOnce_tamperedIsRefused', async () => {
    const org = await t.createTenant('organizer', ['organizer-admin']);
    const o = sales.order({ organizerId: org.organizationId, prices: [5900] });
    await sales.placed(o);
    const rf = await waitFor('rf', async () => (await escrowOrder(t, o.orderId)).rf_reference as string);

    const wrongProof = await t.post('/escrow/card/checkouts', { orderNumber: o.orderNumber, paymentReference: 'RF00 0000' });
    expect(wrongProof.status).toBe(404);
    const co = await t.post('/escrow/card/checkouts', { orderNumber: o.orderNumber.toLowerCase(), paymentReference: rf.replace(/(.{4})/g, '$1 ') });
    expect(co.status).toBe(201);
    expect(co.body).toMatchObject({ amount: { minor: '5900', currency: 'EUR' } });

    const cap = await t.post(`/escrow/sandbox/card/checkouts/${co.body.checkoutId}/capture`, {});
    expect(cap.status).toBe(200);
    const { body, headers } = cap.body.webhook as { body: string; headers: Record<string, string> };

    const tampered = await t.request('POST', '/escrow/webhooks/card', { raw: body.replace('"5900"', '"1"'), headers });
    expect(tampered.status).toBe(401);
    expect(tampered.body.code).toBe('ESCROW.WEBHOOK_SIGNATURE_INVALID');
    const unsigned = await t.request('POST', '/escrow/webhooks/card', { raw: body, headers: { 'content-type': 'application/json' } });
    expect(unsigned.status).toBe(401);

    const ok = await t.request('POST', '/escrow/webhooks/card', { raw: body, headers });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ duplicate: false, outcome: 'matched', orderId: o.orderId });
    const replay = await t.request('POST', '/escrow/webhooks/card', { raw: body, headers });
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ duplicate: true });

    await escrowOrder(t, o.orderId, 'paid');
    const events = await outboxEvents(t, 'escrow.PaymentReceived', o.orderId);
    expect(events).toHaveLength(1);
    expect(events[0].payload).toMatchObject({ method: 'card', amount: { minor: '5900' } });
    const [{ n }] = await sql(t, `select count(*)::int n from escrow.payment where order_id = ?`, [o.orderId]);
    expect(n).toBe(1);

    // a second checkout for a paid order is refused
    const again = await t.post('/escrow/card/checkouts', { orderNumber: o.orderNumber, paymentReference: rf });
    expect(again.status).toBe(409);

    // cancellation of the paid card order: refunded through the provider at once, RefundIssued published
    await sales.cancelled(o, true);
    await escrowOrder(t, o.orderId, 'refunded');
    const refunds = await waitFor('refund issued', async () => {
      const r = await outboxEvents(t, 'escrow.RefundIssued', o.orderId);
      return r.length ? r : null;
    });
    expect(refunds[0].payload).toMatchObject({ amount: { minor: '5900', currency: 'EUR' } });
    expect((await t.get('/escrow/trial-balance', admin)).body.balanced).toBe(true);
  });

  it('cardAndBankTransferForTheSameOrderAtOnce_creditOnce_andTheOtherGoesToReview', async () => {
    const org = await t.createTenant('organizer', ['organizer-admin']);
    const o = sales.order({ organizerId: org.organizationId, prices: [2100] });
    await sales.placed(o);
    const rf = await waitFor('rf', async () => (await escrowOrder(t, o.orderId)).rf_reference as string);
    const co = await t.post('/escrow/card/checkouts', { orderNumber: o.orderNumber, paymentReference: rf });
    const { body, headers } = (await t.post(`/escrow/sandbox/card/checkouts/${co.body.checkoutId}/capture`, {})).body.webhook;
    const xml = camt053({ msgId: `RACE-${o.orderId.slice(0, 8)}`, entries: [{ amount: '21.00', strdRef: rf, bankRef: `RACE-${o.orderId.slice(0, 20)}` }] });
    const [hook, stmt] = await Promise.all([t.request('POST', '/escrow/webhooks/card', { raw: body, headers }), uploadStatement(t, admin, xml)]);
    expect(hook.status).toBe(200);
    expect(stmt.result.status).toBe('imported');
    await escrowOrder(t, o.orderId, 'paid');
    const payments = await sql(t, `select p.status, r.reason from escrow.payment p left join escrow.review_item r on r.payment_id = p.id
                                    where p.order_id = ? or r.order_id = ? order by p.status`, [o.orderId, o.orderId]);
    expect(payments.map((p) => [p.status, p.reason])).toEqual([
      ['applied', null],
      ['review', 'duplicate'],
    ]);
    expect(await outboxEvents(t, 'escrow.PaymentReceived', o.orderId)).toHaveLength(1);
  });

  it('counterSales_accrueOnTheOfficeReceivable_settlementIsMatchedByItsRf_andOfficesSeeOnlyTheirOwn', async () => {
    const org = await t.createTenant('organizer', ['organizer-admin']);
    const office = await t.createTenant('presale-office', ['presale-clerk']);
    const otherOffice = await t.createTenant('presale-office', ['presale-clerk']);
    const fee = await t.request('PUT', `/escrow/fee-contracts/${org.organizationId}`, {
      token: admin,
      body: { currency: 'EUR', systemFeePerTicketMinor: 150, commissionBp: 1000, commissionMinPerTicketMinor: 100, guaranteePerMille: 10 },
    });
    expect(fee.status).toBe(200);
    const a = sales.order({ organizerId: org.organizationId, prices: [4500, 500], channel: 'presale-office', officeId: office.organizationId });
    const b = sales.order({ organizerId: org.organizationId, eventId: a.event.id, prices: [3000], channel: 'presale-office', officeId: office.organizationId });
    for (const o of [a, b]) {
      await sales.placed(o, true);
      await sales.paidAtCounter(o);
    }
    await escrowOrder(t, a.orderId, 'paid');
    await escrowOrder(t, b.orderId, 'paid');
    // commission: 10 % with 1.00 minimum per ticket → 450 + 100 + 300 = 850
    const bal = await t.get('/escrow/my/office-balance', office.token);
    expect(bal.body).toMatchObject({ receivable: '8000', commissionOwed: '850', netDue: '7150' });
    const today = new Date().toISOString().slice(0, 10);
    const st = await t.post('/escrow/settlements', { officeId: office.organizationId, periodFrom: today, periodTo: today }, admin);
    expect(st.status).toBe(201);
    expect(st.body).toMatchObject({ orderCount: 2, gross: '8000', commission: '850', due: '7150', status: 'open' });
    expect(st.body.lines).toHaveLength(2);
    const dup = await t.post('/escrow/settlements', { officeId: office.organizationId, periodFrom: today, periodTo: today }, admin);
    expect(dup.status).toBe(422);
    expect(dup.body.code).toBe('ESCROW.NOTHING_TO_SETTLE');

    expect((await t.get(`/escrow/settlements/${st.body.id}`, office.token)).status).toBe(200);
    expect((await t.get(`/escrow/settlements/${st.body.id}`, otherOffice.token)).status).toBe(404);
    const pdf = await t.get(`/escrow/settlements/${st.body.id}/pdf`, office.token);
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.text.startsWith('%PDF-')).toBe(true);
    expect((await t.get(`/escrow/settlements/${st.body.id}/pdf`, otherOffice.token)).status).toBe(404);
    expect((await t.get('/escrow/my/settlements', otherOffice.token)).body).toEqual([]);

    // the office's transfer carries the settlement's RF
    const { result } = await uploadStatement(t, admin, camt053({ msgId: `SET-${st.body.id.slice(0, 8)}`, entries: [{ amount: '71.50', ustrd: [`Abrechnung ${st.body.paymentReferencePrinted}`], bankRef: `S-${st.body.id.slice(0, 20)}` }] }));
    expect(result.result).toMatchObject({ matched: 1, review: 0 });
    const paid = await t.get(`/escrow/settlements/${st.body.id}`, office.token);
    expect(paid.body).toMatchObject({ status: 'paid', received: '7150' });
    expect((await t.get('/escrow/my/office-balance', office.token)).body).toMatchObject({ receivable: '0', commissionOwed: '0' });

    // organizer: 8000 gross − (3 × 150 fee + 850 commission + 80 guarantee) = 6620
    const ev = await t.get(`/escrow/my/events/${a.event.id}`, org.token);
    expect(ev.body).toMatchObject({ payable: '6620', paidOrders: 2 });
    // another organizer does not see this event
    const stranger = await t.createTenant('organizer', ['organizer-admin']);
    expect((await t.get(`/escrow/my/events/${a.event.id}`, stranger.token)).status).toBe(404);
    expect((await t.get(`/escrow/orders/${a.orderId}`, stranger.token)).status).toBe(404);
    expect((await t.get('/escrow/trial-balance', admin)).body).toMatchObject({ balanced: true, negativeAccounts: 0 });
  });

  it('eventCancellation_refundsEveryPaidOrderFromEscrow_inAPain001Batch_andReversesThePayable', async () => {
    const org = await t.createTenant('organizer', ['organizer-admin']);
    const eventId = (await import('node:crypto')).randomUUID();
    const paid = [sales.order({ organizerId: org.organizationId, eventId, prices: [2000] }), sales.order({ organizerId: org.organizationId, eventId, prices: [3000, 1000] })];
    const unpaid = sales.order({ organizerId: org.organizationId, eventId, prices: [1500] });
    for (const o of [...paid, unpaid]) await sales.placed(o);
    const refs = await Promise.all(paid.map((o) => waitFor('rf', async () => (await escrowOrder(t, o.orderId)).rf_reference as string)));
    await escrowOrder(t, unpaid.orderId, 'awaiting-payment');
    const { result } = await uploadStatement(
      t,
      admin,
      camt053({ msgId: `CXL-${eventId.slice(0, 8)}`, entries: [{ amount: '20.00', strdRef: refs[0], partyIban: 'DE75512108001245126199' }, { amount: '40.00', strdRef: refs[1], partyIban: 'DE75512108001245126199' }] }),
    );
    expect(result.result.matched).toBe(2);
    await escrowOrder(t, paid[1].orderId, 'paid');

    await sales.eventCancelled(eventId, org.organizationId);
    for (const o of paid) await escrowOrder(t, o.orderId, 'refunded');
    await escrowOrder(t, unpaid.orderId, 'cancelled');
    const ev = await t.get(`/escrow/my/events/${eventId}`, org.token);
    expect(ev.body).toMatchObject({ payable: '0', pending: '0' });

    const run = await t.post('/escrow/refund-runs', {}, admin);
    expect(run.status).toBe(201);
    for (const o of paid) {
      // our run or a parallel suite's: the refund is issued in a valid pain.001 file that names the order
      const [r] = await sql(t, `select status, run_id, creditor_iban from escrow.refund where order_id = ?`, [o.orderId]);
      expect(r).toMatchObject({ status: 'issued', creditor_iban: 'DE75512108001245126199' });
      const file = await t.get(`/escrow/payout-runs/${r.run_id}/pain.001.xml`, admin);
      expect(xmllint(file.text, 'pain.001.001.09')).toMatch(/validates/);
      expect(file.text).toContain(`ProTicket refund ${o.orderNumber}`);
      expect(await outboxEvents(t, 'escrow.RefundIssued', o.orderId)).toHaveLength(1);
    }
    const payout = await t.post('/escrow/payout-runs', { eventId }, admin);
    expect(payout.body.count).toBe(0);
    expect((await t.get('/escrow/trial-balance', admin)).body).toMatchObject({ balanced: true, negativeAccounts: 0 });
  });
});
