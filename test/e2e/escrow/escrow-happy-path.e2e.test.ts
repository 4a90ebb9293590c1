import { TestApp } from '../../support/app-harness';
import { camt053, xmllint } from '../../fixtures/escrow/camt053';
import { StatementImports } from '../../../src/modules/escrow/application/statement-imports.service';
import { formatCreditorReference } from '../../../src/modules/escrow/domain/rf-reference';
import { escrowOrder, outboxEvents, SalesSimulator, sql, uploadStatement, waitFor } from './escrow-test-kit';

describe('escrow: online order → camt.053 → paid → payout (real HTTPS)', () => {
  let t: TestApp;
  let sales: SalesSimulator;
  let admin: string;
  beforeAll(async () => {
    t = await TestApp.start();
    sales = new SalesSimulator(t);
    admin = await t.adminToken();
  });
  afterAll(() => t.close());

  it('onlineOrder_paidByCamt053WithRf_isPaidBalancedAndPaidOutOnceAsValidPain001', async () => {
    const org = await t.createTenant('organizer', ['organizer-admin']);
    expect((await t.request('PUT', '/escrow/my/payee-account', { token: org.token, body: { holderName: 'Konzertagentur Müller', iban: 'DE89370400440532013000' } })).status).toBe(200);
    const order = sales.order({ organizerId: org.organizationId, prices: [4500, 4500, 2000] });
    await sales.placed(order);
    const placed = await escrowOrder(t, order.orderId, 'awaiting-payment');
    await waitFor('rf', async () => (await escrowOrder(t, order.orderId)).rf_reference);

    const view = await t.get(`/escrow/orders/${order.orderId}`, org.token);
    expect(view.status).toBe(200);
    const rf: string = view.body.paymentReference;
    expect(rf).toMatch(/^RF\d{2}\d{14}$/);
    expect(view.body.total).toBe('11000');
    const instructions = await outboxEvents(t, 'escrow.PaymentInstructionsIssued', order.orderId);
    expect(instructions).toHaveLength(1);
    expect(instructions[0].payload).toMatchObject({ creditorReference: rf, amount: { minor: '11000' }, beneficiary: { iban: 'DE02120300000000202051' } });
    expect(placed.status).toBe('awaiting-payment');

    // pending revenue visible to the organizer, nothing posted yet
    const before = await t.get(`/escrow/my/events/${order.event.id}`, org.token);
    expect(before.body).toMatchObject({ payable: '0', pending: '11000', awaitingPayment: 1 });

    // the customer types the reference in lower case with spaces and a line break
    const printed = formatCreditorReference(rf).toLowerCase();
    const xml = camt053({
      msgId: `HAPPY-${order.orderId.slice(0, 8)}`,
      closing: '110.00',
      entries: [{ amount: '110.00', bankRef: `BR-${order.orderId.slice(0, 30)}`, ustrd: [`Konzertkarten ${printed.slice(0, 7)}`, `${printed.slice(7)} danke`] }],
    });
    expect(xmllint(xml, 'camt.053.001.08')).toMatch(/validates/);
    const { upload, result } = await uploadStatement(t, admin, xml);
    expect(upload.status).toBe(202);
    expect(result).toMatchObject({ error: null, status: 'imported', result: { matched: 1, review: 0, duplicateFile: false } });
    // the job delivered twice (BullMQ is at-least-once) changes nothing
    expect(await t.app.get(StatementImports).runUpload(upload.body.uploadId)).toMatchObject({ importId: result.result.importId, matched: 1 });

    const paid = await escrowOrder(t, order.orderId, 'paid');
    expect(paid.received).toBe('11000');
    const events = await outboxEvents(t, 'escrow.PaymentReceived', order.orderId);
    expect(events).toHaveLength(1);
    expect(events[0].payload).toMatchObject({ orderNumber: order.orderNumber, amount: { minor: '11000', currency: 'EUR' }, method: 'bank-transfer' });

    // fees: default contract = 1.00 per ticket + 5 ‰ guarantee → 300 + (23 + 23 + 10) = 356
    const ev = await t.get(`/escrow/my/events/${order.event.id}`, org.token);
    expect(ev.body).toMatchObject({ payable: String(11000 - 356), pending: '0', fees: '356', paidOrders: 1 });

    const tb = await t.get('/escrow/trial-balance', admin);
    expect(tb.status).toBe(200);
    expect(tb.body).toMatchObject({ balanced: true, unbalancedEntries: 0, balanceDrift: 0, negativeAccounts: 0 });

    // re-importing the same file changes nothing
    const again = await uploadStatement(t, admin, xml);
    expect(again.result).toMatchObject({ status: 'imported', result: { duplicateFile: true, matched: 0 } });
    expect(await outboxEvents(t, 'escrow.PaymentReceived', order.orderId)).toHaveLength(1);
    const [{ n }] = await sql(t, `select count(*)::int n from escrow.payment where order_id = ?`, [order.orderId]);
    expect(n).toBe(1);

    // payout after the event: the file's sum is the organizer's share, valid pain.001.001.09
    const run = await t.post('/escrow/payout-runs', { eventId: order.event.id }, admin);
    expect(run.status).toBe(201);
    expect(run.body).toMatchObject({ count: 1, total: String(11000 - 356) });
    expect(xmllint(run.body.xml, 'pain.001.001.09')).toMatch(/validates/);
    expect(run.body.xml).toContain('<CtrlSum>106.44</CtrlSum>');
    expect(run.body.xml).toContain('<IBAN>DE89370400440532013000</IBAN>');
    const xmlGet = await t.get(`/escrow/payout-runs/${run.body.runId}/pain.001.xml`, admin);
    expect(xmlGet.status).toBe(200);
    expect(xmlGet.text).toBe(run.body.xml);

    const twice = await t.post('/escrow/payout-runs', { eventId: order.event.id }, admin);
    expect(twice.body).toMatchObject({ count: 0, xml: null });
    const after = await t.get(`/escrow/my/events/${order.event.id}`, org.token);
    expect(after.body).toMatchObject({ payable: '0', paidOut: String(11000 - 356) });
    expect((await t.get('/escrow/trial-balance', admin)).body.balanced).toBe(true);

    // reconciliation: the payout is in transit until the bank statement shows its debit (by end-to-end id)
    const e2e: string = run.body.payouts[0].endToEndId;
    const rec1 = await t.get('/escrow/reconciliation', admin);
    expect(rec1.status).toBe(200);
    expect(rec1.body.inTransit.map((x: { endToEndId: string }) => x.endToEndId)).toContain(e2e);
    const debitStmt = camt053({
      msgId: `REC-${order.orderId.slice(0, 8)}`,
      closing: '0.00',
      entries: [
        { amount: '106.44', direction: 'DBIT', endToEndId: e2e, bankRef: `D-${order.orderId.slice(0, 20)}` },
        { amount: '7.00', direction: 'DBIT', endToEndId: `BANKFEE-${order.orderId.slice(0, 8)}`, bankRef: `F-${order.orderId.slice(0, 20)}` },
      ],
    });
    expect((await uploadStatement(t, admin, debitStmt)).result.result).toMatchObject({ outgoing: 2, matched: 0, review: 0 });
    const rec2 = await t.get('/escrow/reconciliation', admin);
    expect(rec2.body.inTransit.map((x: { endToEndId: string }) => x.endToEndId)).not.toContain(e2e);
    expect(rec2.body.unexplainedDebits.map((x: { endToEndId: string }) => x.endToEndId)).toContain(`BANKFEE-${order.orderId.slice(0, 8)}`);
    expect(BigInt(rec2.body.difference)).toBe(BigInt(rec2.body.ledgerBalance) - BigInt(rec2.body.statementClosingBalance));
  });

  it('payoutReturnedByTheBank_restoresThePayable_andIsPaidAgainOnlyToAnotherAccount', async () => {
    const org = await t.createTenant('organizer', ['organizer-admin']);
    const payee = (iban: string) => t.request('PUT', '/escrow/my/payee-account', { token: org.token, body: { holderName: 'Konzertbüro Nord', iban } });
    expect((await payee('DE89370400440532013000')).status).toBe(200);
    const order = sales.order({ organizerId: org.organizationId, prices: [5000] });
    await sales.placed(order);
    const rf = await waitFor('rf', async () => (await escrowOrder(t, order.orderId)).rf_reference);
    const tag = order.orderId.slice(0, 8);
    expect((await uploadStatement(t, admin, camt053({ msgId: `PR1-${tag}`, entries: [{ amount: '50.00', strdRef: rf, bankRef: `PR1-${tag}` }] }))).result.result.matched).toBe(1);
    const run = await t.post('/escrow/payout-runs', { eventId: order.event.id }, admin);
    expect(run.body.count).toBe(1);
    const { endToEndId, amount } = run.body.payouts[0];
    const euros = `${BigInt(amount) / 100n}.${String(BigInt(amount) % 100n).padStart(2, '0')}`;
    const eventView = async () => (await t.get(`/escrow/my/events/${order.event.id}`, org.token)).body;
    expect(await eventView()).toMatchObject({ payable: '0', paidOut: amount });

    // the bank statement shows the payout leaving, then coming back: account closed (AC04)
    const back = camt053({
      msgId: `PR2-${tag}`,
      entries: [
        { amount: euros, direction: 'DBIT', endToEndId, bankRef: `PR2-${tag}` },
        { amount: euros, direction: 'CRDT', endToEndId, returnReason: 'AC04', bankRef: `PR3-${tag}` },
      ],
    });
    expect(xmllint(back, 'camt.053.001.08')).toMatch(/validates/);
    expect((await uploadStatement(t, admin, back)).result.result).toMatchObject({ outgoing: 1, returned: 1, returnsApplied: 1, matched: 0 });
    expect(await eventView()).toMatchObject({ payable: amount, paidOut: null });
    // the organizer is told (integration event through the outbox, written with the booking)
    const told = await sql(t, `select payload from messaging.outbox where type = 'escrow.PayoutReturned' and payload ->> 'endToEndId' = ?`, [endToEndId]);
    expect(told).toHaveLength(1);
    expect(told[0].payload).toMatchObject({
      organizerId: org.organizationId,
      eventId: order.event.id,
      amount: { minor: amount, currency: 'EUR' },
      returnReason: 'AC04',
      endToEndId,
    });
    const rec = await t.get('/escrow/reconciliation', admin);
    expect(rec.body.returns.find((x: any) => x.endToEndId === endToEndId)).toMatchObject({ returnReason: 'AC04', booked: true, direction: 'credit' });
    expect(rec.body.inTransit.map((x: any) => x.endToEndId)).not.toContain(endToEndId);
    expect((await t.get('/escrow/trial-balance', admin)).body).toMatchObject({ balanced: true, unbalancedEntries: 0 });

    // not again to the account that returned it …
    const same = await t.post('/escrow/payout-runs', { eventId: order.event.id }, admin);
    expect(same.body).toMatchObject({ count: 0, skipped: [{ eventId: order.event.id, reason: expect.stringContaining('returned') }] });
    // … but to the new one, once
    expect((await payee('GB82WEST12345698765432')).status).toBe(200);
    const again = await t.post('/escrow/payout-runs', { eventId: order.event.id }, admin);
    expect(again.body).toMatchObject({ count: 1, total: amount });
    expect(again.body.payouts[0].endToEndId).not.toBe(endToEndId);
    expect(xmllint(again.body.xml, 'pain.001.001.09')).toMatch(/validates/);
    expect(again.body.xml).toContain('<IBAN>GB82WEST12345698765432</IBAN>');
    expect((await t.post('/escrow/payout-runs', { eventId: order.event.id }, admin)).body).toMatchObject({ count: 0 });
    expect(await eventView()).toMatchObject({ payable: '0', paidOut: amount });
    expect((await t.get('/escrow/trial-balance', admin)).body).toMatchObject({ balanced: true, unbalancedEntries: 0 });
  });

  it('payout_beforeTheEventDate_isNotMade', async () => {
    const org = await t.createTenant('organizer', ['organizer-admin']);
    await t.request('PUT', '/escrow/my/payee-account', { token: org.token, body: { holderName: 'Future Events', iban: 'DE89370400440532013000' } });
    const order = sales.order({ organizerId: org.organizationId, prices: [3000], startsAt: new Date(Date.now() + 5 * 86400_000).toISOString() });
    await sales.placed(order);
    const o = await waitFor('rf', async () => (await escrowOrder(t, order.orderId)).rf_reference);
    const { result } = await uploadStatement(t, admin, camt053({ msgId: `FUT-${order.orderId.slice(0, 30)}`, entries: [{ amount: '30.00', strdRef: o }] }));
    expect(result.result.matched).toBe(1);
    const run = await t.post('/escrow/payout-runs', { eventId: order.event.id }, admin);
    expect(run.body).toMatchObject({ count: 0, skipped: [{ eventId: order.event.id, reason: 'event not yet past its payout date' }] });
  });

  it('reversedOrReturnedMoney_carryingAnOrdersRf_isNeverMatchedAsAPayment_andIsListedForReconciliation', async () => {
    const org = await t.createTenant('organizer', ['organizer-admin']);
    const order = sales.order({ organizerId: org.organizationId, prices: [2500] });
    await sales.placed(order);
    const rf = await waitFor('rf', async () => (await escrowOrder(t, order.orderId)).rf_reference);
    const tag = order.orderId.slice(0, 8);
    // the bank takes a credit back (RvslInd) before anything was matched, and a returned transfer (AC04) comes in
    // with the order's RF in it: neither is the customer paying, so the order stays unpaid
    const stmt = camt053({
      msgId: `REV-${tag}`,
      entries: [
        { amount: '25.00', direction: 'CRDT', strdRef: rf, returnReason: 'AC04', bankRef: `RET-${tag}` },
        { amount: '25.00', direction: 'DBIT', strdRef: rf, reversal: true, bankRef: `RVS-${tag}` },
      ],
    });
    expect(xmllint(stmt, 'camt.053.001.08')).toMatch(/validates/);
    expect((await uploadStatement(t, admin, stmt)).result.result).toMatchObject({ matched: 0, review: 0, returned: 2, returnsApplied: 0, outgoing: 0 });
    expect((await escrowOrder(t, order.orderId)).status).toBe('awaiting-payment');
    expect(await sql(t, `select 1 from escrow.payment where order_id = ?`, [order.orderId])).toHaveLength(0);
    expect(await outboxEvents(t, 'escrow.PaymentReceived', order.orderId)).toHaveLength(0);
    const rec = await t.get('/escrow/reconciliation', admin);
    const mine = rec.body.returns.filter((x: any) => x.remittance?.includes(rf));
    expect(mine.map((x: any) => [x.direction, x.amount, x.reversal, x.returnReason, x.booked])).toEqual([
      ['credit', '2500', false, 'AC04', false],
      ['debit', '2500', true, null, false],
    ]);
    // the real payment afterwards is matched as usual
    const pay = camt053({ msgId: `PAY-${tag}`, entries: [{ amount: '25.00', strdRef: rf, bankRef: `PAY-${tag}` }] });
    expect((await uploadStatement(t, admin, pay)).result.result).toMatchObject({ matched: 1, returned: 0 });
    expect((await escrowOrder(t, order.orderId, 'paid')).received).toBe('2500');
  });
});
