import { TestApp } from '../../support/app-harness';
import { camt053, mt940, xmllint } from '../../fixtures/escrow/camt053';
import { formatCreditorReference } from '../../../src/modules/escrow/domain/rf-reference';
import { escrowOrder, outboxEvents, SalesSimulator, sql, uploadStatement, waitFor } from './escrow-test-kit';

describe('escrow: statement matching and the review queue (real HTTPS)', () => {
  let t: TestApp;
  let sales: SalesSimulator;
  let admin: string;
  let organizerId: string;
  beforeAll(async () => {
    t = await TestApp.start();
    sales = new SalesSimulator(t);
    admin = await t.adminToken();
    organizerId = (await t.createTenant('organizer', ['organizer-admin'])).organizationId;
  });
  afterAll(() => t.close());

  async function openOrder(prices: number[]) {
    const o = sales.order({ organizerId, prices });
    await sales.placed(o);
    const rf = await waitFor('rf', async () => (await escrowOrder(t, o.orderId)).rf_reference as string);
    return { ...o, rf };
  }
  const itemsFor = (orderIds: string[]) =>
    sql(t, `select r.id, r.reason, r.order_id, r.amount_minor::text amount, r.open_minor::text open, r.status from escrow.review_item r where r.order_id = any(?::uuid[]) order by r.amount_minor`, [orderIds]);

  it('statementWithPartialExcessUnknownLateDuplicateAndTypo_fillsTheReviewQueue_andReimportChangesNothing', async () => {
    const exact = await openOrder([2500]);
    const partial = await openOrder([4000]);
    const excess = await openOrder([1500]);
    const late = await openOrder([3000]);
    const byNumber = await openOrder([1200]);
    await sales.expired(late);
    await escrowOrder(t, late.orderId, 'expired');
    const typo = exact.rf.slice(0, 10) + ((Number(exact.rf[10]) + 1) % 10) + exact.rf.slice(11);
    const tag = exact.orderId.slice(0, 8);
    const entries = [
      { amount: '25.00', bankRef: `${tag}-1`, ustrd: [formatCreditorReference(exact.rf)] },
      { amount: '25.00', bankRef: `${tag}-2`, ustrd: [`again ${exact.rf}`] }, // duplicate: already paid by the line above
      { amount: '30.00', bankRef: `${tag}-3`, strdRef: partial.rf.toLowerCase() }, // partial (40.00 due)
      { amount: '20.00', bankRef: `${tag}-4`, ustrd: [`${excess.rf.slice(0, 6)}\n${excess.rf.slice(6)}`] }, // excess (15.00 due)
      { amount: '30.00', bankRef: `${tag}-5`, ustrd: [`late ${late.rf}`] }, // late: the order expired
      { amount: '99.99', bankRef: `${tag}-6`, ustrd: ['Spende ohne Referenz'] }, // unknown
      { amount: '25.00', bankRef: `${tag}-7`, ustrd: [`typo ${typo}`] }, // a mistyped digit matches nothing
      { amount: '12.00', bankRef: `${tag}-8`, ustrd: [`Bestellung ${byNumber.orderNumber.replace('-', ' - ').toLowerCase()}`] }, // by order number
    ];
    const xml = camt053({ msgId: `REV-${tag}`, entries });
    expect(xmllint(xml, 'camt.053.001.08')).toMatch(/validates/);
    const first = await uploadStatement(t, admin, xml);
    expect(first.result).toMatchObject({ status: 'imported', result: { transactions: 8, newTransactions: 8, matched: 2, review: 6 } });
    await escrowOrder(t, exact.orderId, 'paid');
    await escrowOrder(t, byNumber.orderId, 'paid');
    await escrowOrder(t, partial.orderId, 'awaiting-payment');

    const items = await itemsFor([exact.orderId, partial.orderId, excess.orderId, late.orderId]);
    expect(items.map((i) => [i.reason, i.order_id, i.amount])).toEqual(
      expect.arrayContaining([
        ['duplicate', exact.orderId, '2500'],
        ['partial', partial.orderId, '3000'],
        ['excess', excess.orderId, '2000'],
        ['late', late.orderId, '3000'],
      ]),
    );
    const unknown = await sql(t, `select r.reason, r.amount_minor::text amount from escrow.review_item r join escrow.payment p on p.id = r.payment_id where p.reference in ('Spende ohne Referenz', ?)`, [`typo ${typo}`]);
    expect(unknown.map((u) => [u.reason, u.amount]).sort()).toEqual([
      ['unknown', '2500'],
      ['unknown', '9999'],
    ]);
    const queue = await t.get('/escrow/review-items', admin);
    expect(queue.status).toBe(200);
    expect(queue.body.length).toBeGreaterThanOrEqual(6);

    // same file again, and an overlapping statement (two old lines + one new): nothing is booked twice
    const again = await uploadStatement(t, admin, xml);
    expect(again.result.result).toMatchObject({ duplicateFile: true });
    const overlap = camt053({ msgId: `REV2-${tag}`, entries: [entries[0], entries[2], { amount: '10.00', bankRef: `${tag}-9`, strdRef: partial.rf }] });
    const second = await uploadStatement(t, admin, overlap);
    expect(second.result.result).toMatchObject({ duplicateFile: false, transactions: 3, newTransactions: 1, alreadyImported: 2, matched: 0, review: 1 });
    expect(await outboxEvents(t, 'escrow.PaymentReceived', exact.orderId)).toHaveLength(1);
    expect((await t.get('/escrow/trial-balance', admin)).body.balanced).toBe(true);

    // manual match: the 30.00 and the 10.00 together pay the 40.00 order
    const partialItems = (await itemsFor([partial.orderId])).filter((i) => i.reason === 'partial');
    expect(partialItems).toHaveLength(2);
    const m1 = await t.post(`/escrow/review-items/${partialItems[0].id}/manual-match`, { orderId: partial.orderId }, admin);
    expect(m1.status).toBe(200);
    expect(m1.body).toMatchObject({ orderPaid: false, orderOpen: '3000' });
    const m2 = await t.post(`/escrow/review-items/${partialItems[1].id}/manual-match`, { orderId: partial.orderId }, admin);
    expect(m2.body).toMatchObject({ orderPaid: true, orderOpen: '0' });
    await escrowOrder(t, partial.orderId, 'paid');
    expect(await outboxEvents(t, 'escrow.PaymentReceived', partial.orderId)).toHaveLength(1);
    const twice = await t.post(`/escrow/review-items/${partialItems[1].id}/manual-match`, { orderId: partial.orderId }, admin);
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('ESCROW.REVIEW_ITEM_RESOLVED');

    // excess: refund the 5.00 surplus, then match the rest
    const [ex] = (await itemsFor([excess.orderId])).filter((i) => i.reason === 'excess');
    const tooMuch = await t.post(`/escrow/review-items/${ex.id}/manual-match`, { orderId: excess.orderId }, admin);
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.code).toBe('ESCROW.MATCH_EXCEEDS_OPEN_AMOUNT');
    const r = await t.post(`/escrow/review-items/${ex.id}/refund`, { amountMinor: '500', reason: 'overpaid' }, admin);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ refunded: '500', open: '1500', refundStatus: 'pending' });
    expect((await t.post(`/escrow/review-items/${ex.id}/manual-match`, { orderId: excess.orderId }, admin)).body).toMatchObject({ orderPaid: true });

    // late: the order cannot be paid any more; refund to the payer's IBAN from the statement
    const [lt] = (await itemsFor([late.orderId])).filter((i) => i.reason === 'late');
    const notPayable = await t.post(`/escrow/review-items/${lt.id}/manual-match`, { orderId: late.orderId }, admin);
    expect(notPayable.status).toBe(409);
    expect(notPayable.body.code).toBe('ESCROW.ORDER_NOT_PAYABLE');
    expect((await t.post(`/escrow/review-items/${lt.id}/refund`, {}, admin)).body).toMatchObject({ refunded: '3000', open: '0' });

    // the refund run pays pending SEPA refunds in one valid pain.001 file (a parallel suite's run may take ours: then
    // that run's file must hold them)
    const run = await t.post('/escrow/refund-runs', {}, admin);
    expect(run.status).toBe(201);
    const mine = await sql(t, `select status, run_id from escrow.refund where review_item_id = any(?::uuid[])`, [[ex.id, lt.id]]);
    expect(mine.map((m) => m.status)).toEqual(['issued', 'issued']);
    for (const runId of new Set(mine.map((m) => m.run_id as string))) {
      const file = await t.get(`/escrow/payout-runs/${runId}/pain.001.xml`, admin);
      expect(xmllint(file.text, 'pain.001.001.09')).toMatch(/validates/);
    }
    expect((await t.get('/escrow/trial-balance', admin)).body).toMatchObject({ balanced: true, negativeAccounts: 0 });
  });

  it('sepaRefundReturnedByTheBank_isOwedAgain_andItsReplacementIsPaidToTheNewAccountOnce', async () => {
    // a late payment (the order expired) refunded by SEPA to the payer's IBAN from the statement
    const late = await openOrder([2200]);
    await sales.expired(late);
    await escrowOrder(t, late.orderId, 'expired');
    const tag = late.orderId.slice(0, 8);
    expect((await uploadStatement(t, admin, camt053({ msgId: `RR1-${tag}`, entries: [{ amount: '22.00', bankRef: `RR1-${tag}`, strdRef: late.rf }] }))).result.result).toMatchObject({
      review: 1,
    });
    const [item] = await itemsFor([late.orderId]);
    expect((await t.post(`/escrow/review-items/${item.id}/refund`, {}, admin)).body).toMatchObject({ refunded: '2200', refundStatus: 'pending' });
    const refundOf = async (where: string, arg: string) =>
      (await sql(t, `select id, status, end_to_end_id, creditor_iban, run_id, replaces_refund_id from escrow.refund where ${where} = ?`, [arg]))[0];
    expect((await t.post('/escrow/refund-runs', {}, admin)).status).toBe(201); // a parallel suite's run may take ours too
    const first = await refundOf('review_item_id', item.id);
    expect(first).toMatchObject({ status: 'issued', creditor_iban: 'DE89370400440532013000' });

    // the customer's bank sends it back: account closed (AC04), same EndToEndId and amount
    const back = camt053({ msgId: `RR2-${tag}`, entries: [{ amount: '22.00', direction: 'CRDT', endToEndId: first.end_to_end_id, returnReason: 'AC04', bankRef: `RR2-${tag}` }] });
    expect(xmllint(back, 'camt.053.001.08')).toMatch(/validates/);
    expect((await uploadStatement(t, admin, back)).result.result).toMatchObject({ returned: 1, returnsApplied: 1, matched: 0, review: 0 });
    expect(await refundOf('id', first.id)).toMatchObject({ status: 'returned' });
    const again = await refundOf('replaces_refund_id', first.id);
    expect(again).toMatchObject({ status: 'pending', creditor_iban: null });
    expect(again.end_to_end_id).not.toBe(first.end_to_end_id);
    const listed = await t.get('/escrow/refunds?status=returned', admin);
    expect(listed.body.map((r: any) => r.id)).toContain(first.id);
    expect((await t.get('/escrow/reconciliation', admin)).body.returns.find((x: any) => x.refundId === first.id)).toMatchObject({ returnReason: 'AC04', booked: true });
    expect((await t.get('/escrow/trial-balance', admin)).body).toMatchObject({ balanced: true, unbalancedEntries: 0 });

    // the same return again (an overlapping statement) changes nothing: still one replacement
    const overlap = camt053({ msgId: `RR3-${tag}`, entries: [{ amount: '22.00', direction: 'CRDT', endToEndId: first.end_to_end_id, returnReason: 'AC04', bankRef: `RR2-${tag}` }] });
    expect((await uploadStatement(t, admin, overlap)).result.result).toMatchObject({ alreadyImported: 1, returned: 0 });
    expect(await sql(t, `select 1 from escrow.refund where replaces_refund_id = ?`, [first.id])).toHaveLength(1);

    // without an account the replacement waits; a bad IBAN or a refund that is not pending is refused
    expect((await t.post('/escrow/refund-runs', {}, admin)).status).toBe(201);
    expect(await refundOf('id', again.id)).toMatchObject({ status: 'pending' });
    const badIban = await t.request('PUT', `/escrow/refunds/${again.id}/creditor`, { token: admin, body: { creditorIban: 'DE89370400440532013001', creditorName: 'Erika Mustermann' } });
    expect(badIban.status).toBe(422);
    expect(badIban.body.code).toBe('ESCROW.IBAN_INVALID');
    const notPending = await t.request('PUT', `/escrow/refunds/${first.id}/creditor`, { token: admin, body: { creditorIban: 'GB82WEST12345698765432', creditorName: 'Erika Mustermann' } });
    expect(notPending.status).toBe(409);
    expect(notPending.body.code).toBe('ESCROW.REFUND_NOT_PENDING');
    const unknown = await t.request('PUT', '/escrow/refunds/00000000-0000-0000-0000-000000000000/creditor', { token: admin, body: { creditorIban: 'GB82WEST12345698765432', creditorName: 'X' } });
    expect(unknown.status).toBe(404);
    const ok = await t.request('PUT', `/escrow/refunds/${again.id}/creditor`, { token: admin, body: { creditorIban: 'gb82 west 1234 5698 7654 32', creditorName: 'Erika Mustermann' } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ creditorIban: 'GB82WEST12345698765432' });

    // the next run pays it to the new account, in a valid pain.001
    expect((await t.post('/escrow/refund-runs', {}, admin)).status).toBe(201);
    const paid = await refundOf('id', again.id);
    expect(paid.status).toBe('issued');
    const file = await t.get(`/escrow/payout-runs/${paid.run_id}/pain.001.xml`, admin);
    expect(xmllint(file.text, 'pain.001.001.09')).toMatch(/validates/);
    expect(file.text).toContain(`<EndToEndId>${again.end_to_end_id}</EndToEndId>`);
    expect(file.text).toContain('<IBAN>GB82WEST12345698765432</IBAN>');
    expect((await t.get('/escrow/trial-balance', admin)).body).toMatchObject({ balanced: true, unbalancedEntries: 0, negativeAccounts: 0 });
  });

  it('mt940Upload_isImportedByTheJob_andMatchesRfSplitAcrossSubfields', async () => {
    const o = await openOrder([3300]);
    const printed = formatCreditorReference(o.rf);
    const file = mt940({ lines: [{ amount: '33,00', bankRef: o.orderId.slice(0, 16), info: `166?00GUTSCHRIFT?20${printed.slice(0, 9)}?21${printed.slice(9)}?31DE89370400440532013000?32MAX MUSTER` }] });
    const { upload, result } = await uploadStatement(t, admin, file, 'application/octet-stream');
    expect(upload.body).toMatchObject({ format: 'mt940', transactions: 1 });
    expect(result).toMatchObject({ status: 'imported', result: { matched: 1 } });
    await escrowOrder(t, o.orderId, 'paid');
  });

  it('reviewAndLedgerRoutes_areForPlatformAdminsOnly', async () => {
    const org = await t.createTenant('organizer', ['organizer-admin']);
    for (const path of ['/escrow/review-items', '/escrow/trial-balance', '/escrow/accounts', '/escrow/reconciliation']) {
      expect((await t.get(path, org.token)).status).toBe(403);
    }
    expect((await t.request('POST', '/escrow/statements', { raw: '<x/>', token: org.token, headers: { 'content-type': 'application/xml' } })).status).toBe(403);
    expect((await t.get('/escrow/reconciliation', admin)).status).toBe(200);
    const doc = await t.get('/docs/openapi.json');
    for (const path of ['/escrow/statements', '/escrow/review-items/{id}/manual-match', '/escrow/payout-runs', '/escrow/webhooks/card', '/escrow/my/events']) {
      expect(Object.keys(doc.body.paths)).toContain(path);
    }
  });
});
