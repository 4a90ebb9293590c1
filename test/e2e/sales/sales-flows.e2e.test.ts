import { Outbox, integrationEvent } from '../../../src/infrastructure/messaging/outbox';
import { runSql } from '../../../src/infrastructure/database/sql';
import { SweepExpiredHoldsJob, ExpireUnpaidOrdersJob } from '../../../src/modules/sales/infrastructure/sales-jobs';
import { newId } from '../../../src/shared-kernel/ids';
import { TestApp } from '../../support/app-harness';
import { dbInvariants, makePlan, setupEvent, waitFor, waitForParty } from './sales-fixtures';

describe('sales flows (real HTTPS)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(() => t.close());

  const outboxOf = (type: string, key: string, value: string) =>
    runSql<{ payload: any }>(t.em(), `select payload from messaging.outbox where type = ? and payload ->> '${key}' = ?`, [type, value]);

  it('planUpload_with20000Seats_inOneRequest_isStoredAndSellable', async () => {
    const plan = makePlan({ blocks: 4, rows: 50, seats: 100, ga: 500 });
    expect(Buffer.byteLength(JSON.stringify(plan))).toBeGreaterThan(1024 * 1024); // above the global body limit
    const s = await setupEvent(t, plan);
    expect(s.seats).toHaveLength(20000);
    const seat = s.seats[0];
    expect(seat).toMatchObject({ block: 'Block 1', row: '1', seat: '1', wheelchair: true, status: 'free', contingent: 'online' });
    const av = await t.get(`/shop/events/${s.eventId}/availability`);
    expect(av.status).toBe(200);
    expect(av.body.totals).toMatchObject({ capacity: 20500, free: 20500, held: 0, sold: 0 });
  }, 120000);

  it('otherRoutes_keepTheGlobalBodyLimit', async () => {
    const org = await t.createTenant('organizer', ['organizer-admin']);
    const r = await t.post('/sales/venues', { name: 'x', address: 'y'.repeat(2 * 1024 * 1024) }, org.token);
    expect(r.status).toBe(413);
  });

  it('onlineCustomer_holdThenOrder_isPendingUntilEscrowPaymentArrives', async () => {
    const s = await setupEvent(t, makePlan({ rows: 4, seats: 10 }));
    const hold = await t.post(`/shop/events/${s.eventId}/holds/seats`, { seatIds: [s.seats[0].id, s.seats[1].id] });
    expect(hold.status).toBe(201);
    expect(hold.body.items).toHaveLength(2);
    const token = hold.body.holdToken;
    const order = await t.request('POST', `/shop/holds/${hold.body.holdId}/order`, {
      body: { customer: { name: 'Erika Mustermann', email: 'erika@example.com' }, reductions: [{ unitNo: hold.body.items[1].unitNo, reduction: 'child' }] },
      headers: { 'x-hold-token': token },
    });
    expect(order.status).toBe(201);
    expect(order.body).toMatchObject({ status: 'pending-payment', channel: 'online', total: { minor: '7000', currency: 'EUR' } });
    expect(order.body.paymentDeadline).toBeTruthy();
    expect(order.body.lines.map((l: any) => l.ticketId)).toHaveLength(2);
    const placed = await outboxOf('sales.OrderPlaced', 'orderId', order.body.id);
    expect(placed[0].payload).toMatchObject({ paidAtCounter: false, total: { minor: '7000' }, channel: { kind: 'online' } });

    // A payment with the wrong amount changes nothing.
    const publish = (minor: string) =>
      t.em().transactional((em) =>
        t.app.get(Outbox).append(
          em,
          integrationEvent('escrow.PaymentReceived', {
            paymentId: newId(),
            orderId: order.body.id,
            orderNumber: order.body.orderNumber,
            amount: { minor, currency: 'EUR' },
            method: 'bank-transfer',
            receivedAt: new Date().toISOString(),
          }),
        ),
      );
    await publish('6999');
    await publish('7000');
    const paid = await waitFor(async () => {
      const r = await t.get(`/sales/orders/${order.body.id}`, s.organizer.token);
      return r.body.status === 'paid' ? r.body : null;
    });
    expect(paid.paymentMethod).toBe('bank-transfer');
    const paidEvents = await outboxOf('sales.OrderPaid', 'orderId', order.body.id);
    expect(paidEvents).toHaveLength(1);
    const inv = await dbInvariants(t, s.eventId);
    expect(inv).toMatchObject({ sold: 2, pending: 0, held: 0, free: 38, doubleSold: 0, orderMismatch: 0 });
  });

  it('presaleOffice_logsIn_listsEvents_holdsBestAvailable_andSellsPaidAtCounter', async () => {
    const office = await t.createTenant('presale-office', ['presale-clerk']);
    await waitForParty(t, office.organizationId);
    const s = await setupEvent(t, makePlan({ rows: 6, seats: 12 }), { initial: { kind: 'reserve' } });
    // Allocate the first two rows to this office and four seats to the shared pool.
    const rowsAB = s.seats.filter((x) => x.row === '1' || x.row === '2').map((x) => x.id);
    const move = await t.post(
      `/sales/events/${s.eventId}/contingents/moves`,
      { from: { kind: 'reserve' }, to: { kind: 'presale-office', officeId: office.organizationId }, seatIds: rowsAB },
      s.organizer.token,
    );
    expect(move.status).toBe(200);
    expect(move.body.moved).toBe(24);
    const clerk = await t.login(office.email, office.password);
    const list = await t.get('/sales/events', clerk);
    expect(list.status).toBe(200);
    const mine = list.body.find((e: any) => e.id === s.eventId);
    expect(mine.availableToMe).toBe(24);

    const hold = await t.post(`/sales/events/${s.eventId}/holds/best-available`, { categoryId: s.categories.A, quantity: 3 }, clerk);
    expect(hold.status).toBe(201);
    expect(hold.body.channel).toBe('presale-office');
    expect(hold.body.adjacent).toBe(true);
    expect(new Set(hold.body.items.map((i: any) => i.row)).size).toBe(1);
    const order = await t.post(`/sales/holds/${hold.body.holdId}/order`, { customer: { name: 'Walk-in' }, payment: { method: 'cash' } }, clerk);
    expect(order.status).toBe(201);
    expect(order.body).toMatchObject({ status: 'paid', channel: 'presale-office', officeId: office.organizationId, paymentMethod: 'cash' });
    const placed = await outboxOf('sales.OrderPlaced', 'orderId', order.body.id);
    expect(placed[0].payload).toMatchObject({ paidAtCounter: true, paymentDeadline: null, channel: { kind: 'presale-office', officeId: office.organizationId } });
    const paid = await outboxOf('sales.OrderPaid', 'orderId', order.body.id);
    expect(paid[0].payload.payment).toMatchObject({ method: 'cash' });

    // The office cannot sell seats outside its contingents.
    const outside = s.seats.find((x) => x.row === '5')!;
    const r = await t.post(`/sales/events/${s.eventId}/holds/seats`, { seatIds: [outside.id] }, clerk);
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('SALES.SEAT_NOT_IN_CONTINGENT');
    // Nor see the orders of the organizer's box office, nor events of organizers it is not connected to.
    const other = await setupEvent(t, makePlan({ rows: 1, seats: 4 }));
    expect((await t.get(`/sales/events/${other.eventId}`, clerk)).status).toBe(404);
  });

  it('boxOffice_counterSale_withoutPaymentMethod_isRefused_andNothingIsWritten', async () => {
    const s = await setupEvent(t, makePlan({ rows: 2, seats: 6 }), { initial: { kind: 'box-office' } });
    const clerk = await t.createUser(s.organizer.token, s.organizer.organizationId, ['box-office-clerk']);
    const hold = await t.post(`/sales/events/${s.eventId}/holds/seats`, { seatIds: [s.seats[2].id] }, clerk.token);
    expect(hold.status).toBe(201);
    const bad = await t.post(`/sales/holds/${hold.body.holdId}/order`, { customer: { name: 'X' } }, clerk.token);
    expect(bad.status).toBe(400);
    const ok = await t.post(`/sales/holds/${hold.body.holdId}/order`, { customer: { name: 'X' }, payment: { method: 'card-terminal' } }, clerk.token);
    expect(ok.status).toBe(201);
    expect(ok.body.channel).toBe('box-office');
  });

  it('expiredHold_isFreeAtOnce_withoutTheSweep_andTheOldHoldCannotOrder', async () => {
    const s = await setupEvent(t, makePlan({ rows: 1, seats: 4 }));
    const seatIds = [s.seats[0].id, s.seats[1].id];
    const first = await t.post(`/shop/events/${s.eventId}/holds/seats`, { seatIds });
    expect(first.status).toBe(201);
    const blocked = await t.post(`/shop/events/${s.eventId}/holds/seats`, { seatIds: [seatIds[1]] });
    expect(blocked.status).toBe(409);
    expect(blocked.body.code).toBe('SALES.SEAT_TAKEN');
    // Time passes (the hold's expiry moves into the past); no job runs.
    await runSql(t.em(), `update sales.hold set expires_at = now() - interval '1 second' where id = ?`, [first.body.holdId]);
    await runSql(t.em(), `update sales.stock_unit set hold_expires_at = now() - interval '1 second' where hold_id = ?`, [first.body.holdId]);
    const second = await t.post(`/shop/events/${s.eventId}/holds/seats`, { seatIds: [seatIds[1]] });
    expect(second.status).toBe(201);
    const late = await t.request('POST', `/shop/holds/${first.body.holdId}/order`, {
      body: { customer: { name: 'Late' } },
      headers: { 'x-hold-token': first.body.holdToken },
    });
    expect(late.status).toBe(410);
    expect(late.body.code).toBe('SALES.HOLD_EXPIRED');
    // The sweep then returns what the expired hold still had (seat 0) and announces it.
    // (A scheduled sweep of a parallel test app may get there first: either way exactly one SeatsReleased.)
    await t.app.get(SweepExpiredHoldsJob).process({ batchSize: 100 });
    expect((await t.request('GET', `/shop/holds/${first.body.holdId}`, { headers: { 'x-hold-token': first.body.holdToken } })).body.status).toBe('expired');
    const released = await runSql<{ payload: any }>(
      t.em(),
      `select payload from messaging.outbox where type = 'sales.SeatsReleased' and payload ->> 'eventId' = ?`,
      [s.eventId],
    );
    expect(released.map((r) => r.payload)).toEqual([expect.objectContaining({ seatIds: [seatIds[0]], reason: 'hold-expired' })]);
    const inv = await dbInvariants(t, s.eventId);
    expect(inv).toMatchObject({ held: 1, free: 3, holdMismatch: 0 });
  });

  it('expiredHolds_placesAreFoundAgainByBestAvailableAndGa_withoutTheSweep', async () => {
    // best-available and GA find expired-held places through their (expired, not yet swept) holds
    const s = await setupEvent(t, makePlan({ rows: 1, seats: 4, ga: 3 }));
    const best = await t.post(`/shop/events/${s.eventId}/holds/best-available`, { categoryId: s.categories.A, quantity: 4 });
    const ga = await t.post(`/shop/events/${s.eventId}/holds/quantity`, { areaId: s.areaId, quantity: 3 });
    expect([best.status, ga.status]).toEqual([201, 201]);
    const none = await Promise.all([
      t.post(`/shop/events/${s.eventId}/holds/best-available`, { categoryId: s.categories.A, quantity: 1 }),
      t.post(`/shop/events/${s.eventId}/holds/quantity`, { areaId: s.areaId, quantity: 1 }),
    ]);
    expect(none.map((r) => [r.status, r.body.code])).toEqual([
      [409, 'SALES.NOT_ENOUGH_AVAILABLE'],
      [409, 'SALES.NOT_ENOUGH_AVAILABLE'],
    ]);
    for (const id of [best.body.holdId, ga.body.holdId]) {
      await runSql(t.em(), `update sales.hold set expires_at = now() - interval '1 second' where id = ?`, [id]);
      await runSql(t.em(), `update sales.stock_unit set hold_expires_at = now() - interval '1 second' where hold_id = ?`, [id]);
    }
    const again = await t.post(`/shop/events/${s.eventId}/holds/best-available`, { categoryId: s.categories.A, quantity: 4 });
    const gaAgain = await t.post(`/shop/events/${s.eventId}/holds/quantity`, { areaId: s.areaId, quantity: 3 });
    expect([again.status, gaAgain.status]).toEqual([201, 201]);
    const units = (r: { body: { items: { unitNo: number }[] } }) => r.body.items.map((i) => i.unitNo).sort((a, b) => a - b);
    expect(units(again)).toEqual(units(best));
    expect(units(gaAgain)).toEqual(units(ga));
    expect(await dbInvariants(t, s.eventId)).toMatchObject({ held: 7, free: 0, holdMismatch: 0 });
  });

  it('unpaidOrder_pastDeadline_expiresAndItsSeatsReturn', async () => {
    const s = await setupEvent(t, makePlan({ rows: 1, seats: 3 }));
    const hold = await t.post(`/shop/events/${s.eventId}/holds/seats`, { seatIds: [s.seats[0].id] });
    const order = await t.request('POST', `/shop/holds/${hold.body.holdId}/order`, {
      body: { customer: { name: 'Slow payer' } },
      headers: { 'x-hold-token': hold.body.holdToken },
    });
    expect(order.status).toBe(201);
    await runSql(t.em(), `update sales."order" set payment_deadline = now() - interval '1 second' where id = ?`, [order.body.id]);
    await t.app.get(ExpireUnpaidOrdersJob).process({ batchSize: 100 });
    const r = await t.get(`/sales/orders/${order.body.id}`, s.organizer.token);
    expect(r.body.status).toBe('expired');
    expect(await outboxOf('sales.OrderExpired', 'orderId', order.body.id)).toHaveLength(1);
    const again = await t.post(`/shop/events/${s.eventId}/holds/seats`, { seatIds: [s.seats[0].id] });
    expect(again.status).toBe(201);
  });

  it('badInput_getsStable4xxCodes_andNothingHalfWritten', async () => {
    const s = await setupEvent(t, makePlan({ rows: 2, seats: 5, ga: 3 }));
    const other = await setupEvent(t, makePlan({ rows: 1, seats: 2 }));
    const post = (path: string, body: unknown, headers?: Record<string, string>) => t.request('POST', path, { body, headers });
    const ev = `/shop/events/${s.eventId}`;
    const cases: [Promise<any>, number, string][] = [
      [post(`${ev}/holds/seats`, { seatIds: [newId()] }), 422, 'SALES.UNKNOWN_SEAT'],
      [post(`${ev}/holds/seats`, { seatIds: [s.seats[0].id, other.seats[0].id] }), 422, 'SALES.UNKNOWN_SEAT'],
      [post(`${ev}/holds/seats`, { seatIds: [s.seats[0].id, s.seats[0].id] }), 400, 'SALES.DUPLICATE_SEAT'],
      [post(`${ev}/holds/seats`, { seatIds: 'x' }), 400, 'REQUEST.VALIDATION_FAILED'],
      [post(`${ev}/holds/quantity`, { areaId: s.areaId, quantity: 0 }), 400, 'SALES.QUANTITY_OUT_OF_RANGE'],
      [post(`${ev}/holds/quantity`, { areaId: s.areaId, quantity: -2 }), 400, 'SALES.QUANTITY_OUT_OF_RANGE'],
      [post(`${ev}/holds/quantity`, { areaId: s.areaId, quantity: 11 }), 400, 'SALES.QUANTITY_OUT_OF_RANGE'],
      [post(`${ev}/holds/quantity`, { areaId: s.areaId, quantity: 4 }), 409, 'SALES.NOT_ENOUGH_AVAILABLE'],
      [post(`${ev}/holds/quantity`, { areaId: newId(), quantity: 1 }), 422, 'SALES.UNKNOWN_AREA'],
      [post(`${ev}/holds/best-available`, { categoryId: newId(), quantity: 2 }), 422, 'SALES.UNKNOWN_CATEGORY'],
      [post(`${ev}/holds/best-available`, { categoryId: s.categories.A, quantity: 6 }), 409, 'SALES.NOT_ENOUGH_AVAILABLE'],
      [post(`${ev}/holds/seats`, { seatIds: [s.seats[0].id], extra: 1 }), 400, 'REQUEST.VALIDATION_FAILED'],
      [post(`/shop/events/${newId()}/holds/seats`, { seatIds: [s.seats[0].id] }), 404, 'SALES.EVENT_NOT_FOUND'],
    ];
    for (const [p, status, code] of cases) {
      const r = await p;
      expect({ status: r.status, code: r.body.code }).toEqual({ status, code });
    }
    const hold = await post(`${ev}/holds/quantity`, { areaId: s.areaId, quantity: 3 });
    expect(hold.status).toBe(201);
    const h = `/shop/holds/${hold.body.holdId}`;
    const tok = { 'x-hold-token': hold.body.holdToken };
    expect((await t.request('GET', h, { headers: { 'x-hold-token': 'pth_wrong' } })).status).toBe(404);
    expect((await t.request('DELETE', h)).status).toBe(404);
    const unknownItem = await post(`${h}/order`, { customer: { name: 'A' }, reductions: [{ unitNo: 999999, reduction: 'adult' }] }, tok);
    expect(unknownItem.body.code).toBe('SALES.UNKNOWN_HOLD_ITEM');
    const noPrice = await post(`${h}/order`, { customer: { name: 'A' }, defaultReduction: 'child' }, tok);
    expect({ s: noPrice.status, c: noPrice.body.code }).toEqual({ s: 422, c: 'SALES.NO_PRICE' });
    // Those failures wrote nothing: the hold is still active with its 3 places.
    expect((await t.request('GET', h, { headers: tok })).body).toMatchObject({ status: 'active', items: expect.any(Array) });
    const o1 = await post(`${h}/order`, { customer: { name: 'A' } }, { ...tok, 'idempotency-key': 'k-1' });
    expect(o1.status).toBe(201);
    const o2 = await post(`${h}/order`, { customer: { name: 'A' } }, { ...tok, 'idempotency-key': 'k-1' });
    expect(o2.status).toBe(200);
    expect(o2.body.id).toBe(o1.body.id);
    const o3 = await post(`${h}/order`, { customer: { name: 'A' } }, tok);
    expect({ s: o3.status, c: o3.body.code }).toEqual({ s: 409, c: 'SALES.HOLD_ALREADY_ORDERED' });
    const rel = await t.request('DELETE', h, { headers: tok });
    expect({ s: rel.status, c: rel.body.code }).toEqual({ s: 409, c: 'SALES.HOLD_NOT_ACTIVE' });

    // Release, then release again.
    const h2 = await post(`${ev}/holds/seats`, { seatIds: [s.seats[4].id] });
    const tok2 = { 'x-hold-token': h2.body.holdToken };
    expect((await t.request('DELETE', `/shop/holds/${h2.body.holdId}`, { headers: tok2 })).status).toBe(200);
    const again = await t.request('DELETE', `/shop/holds/${h2.body.holdId}`, { headers: tok2 });
    expect({ s: again.status, c: again.body.code }).toEqual({ s: 409, c: 'SALES.HOLD_NOT_ACTIVE' });
    // Extension is bounded.
    const h3 = await post(`${ev}/holds/seats`, { seatIds: [s.seats[5].id] });
    const tok3 = { 'x-hold-token': h3.body.holdToken };
    const ext = await t.request('POST', `/shop/holds/${h3.body.holdId}/extend`, { headers: tok3 });
    expect(ext.status).toBe(200);
    expect(new Date(ext.body.expiresAt).getTime()).toBeGreaterThan(new Date(h3.body.expiresAt).getTime());
    await t.request('POST', `/shop/holds/${h3.body.holdId}/extend`, { headers: tok3 });
    const third = await t.request('POST', `/shop/holds/${h3.body.holdId}/extend`, { headers: tok3 });
    expect({ s: third.status, c: third.body.code }).toEqual({ s: 409, c: 'SALES.HOLD_EXTENSION_REFUSED' });
    const inv = await dbInvariants(t, s.eventId);
    expect(inv).toMatchObject({ capacity: 13, pending: 3, held: 1, free: 9, holdMismatch: 0, orderMismatch: 0 });
  });

  it('tenancy_otherOrganizersEventPlanAndOrders_are404', async () => {
    const s = await setupEvent(t, makePlan({ rows: 1, seats: 2 }));
    const intruder = await t.createTenant('organizer', ['organizer-admin']);
    const hold = await t.post(`/shop/events/${s.eventId}/holds/seats`, { seatIds: [s.seats[0].id] });
    const order = await t.request('POST', `/shop/holds/${hold.body.holdId}/order`, {
      body: { customer: { name: 'C' } },
      headers: { 'x-hold-token': hold.body.holdToken },
    });
    const checks = [
      t.get(`/sales/events/${s.eventId}`, intruder.token),
      t.get(`/sales/events/${s.eventId}/availability`, intruder.token),
      t.get(`/sales/events/${s.eventId}/seat-map`, intruder.token),
      t.get(`/sales/plans/${s.planId}`, intruder.token),
      t.get(`/sales/orders/${order.body.id}`, intruder.token),
      t.get(`/sales/holds/${hold.body.holdId}`, intruder.token),
      t.post(`/sales/orders/${order.body.id}/cancel`, { reason: 'x' }, intruder.token),
      t.post(`/sales/events/${s.eventId}/holds/seats`, { seatIds: [s.seats[1].id] }, intruder.token),
      t.post(`/sales/events/${s.eventId}/contingents/moves`, { from: { kind: 'online' }, to: { kind: 'reserve' }, seatIds: [s.seats[1].id] }, intruder.token),
    ];
    for (const r of await Promise.all(checks)) expect(r.status).toBe(404);
    // The owner can cancel; the seat returns.
    const c = await t.post(`/sales/orders/${order.body.id}/cancel`, { reason: 'customer asked' }, s.organizer.token);
    expect(c.status).toBe(200);
    expect(c.body.status).toBe('cancelled');
    expect(await outboxOf('sales.OrderCancelled', 'orderId', order.body.id)).toHaveLength(1);
  });

  it('contingents_moveAndReturn_allOrNothing_numbersAddUp', async () => {
    const office = await t.createTenant('presale-office', ['presale-clerk']);
    await waitForParty(t, office.organizationId);
    const s = await setupEvent(t, makePlan({ rows: 2, seats: 5, ga: 100 }), { initial: { kind: 'reserve' } });
    const mv = (body: unknown) => t.post(`/sales/events/${s.eventId}/contingents/moves`, body, s.organizer.token);
    expect((await mv({ from: { kind: 'reserve' }, to: { kind: 'online' }, areaId: s.areaId, quantity: 60 })).status).toBe(200);
    expect((await mv({ from: { kind: 'reserve' }, to: { kind: 'pool' }, areaId: s.areaId, quantity: 30 })).status).toBe(200);
    expect((await mv({ from: { kind: 'reserve' }, to: { kind: 'presale-office', officeId: office.organizationId }, areaId: s.areaId, quantity: 10 })).status).toBe(200);
    const tooMany = await mv({ from: { kind: 'reserve' }, to: { kind: 'online' }, areaId: s.areaId, quantity: 1 });
    expect({ s: tooMany.status, c: tooMany.body.code }).toEqual({ s: 409, c: 'SALES.CONTINGENT_PLACES_UNAVAILABLE' });
    const badOffice = await mv({ from: { kind: 'reserve' }, to: { kind: 'presale-office', officeId: newId() }, seatIds: [s.seats[0].id] });
    expect(badOffice.body.code).toBe('SALES.UNKNOWN_PRESALE_OFFICE');
    // Sell 5 online, then try to return 56 (only 55 free): refused, nothing moved; return 55: fine.
    const hold = await t.post(`/shop/events/${s.eventId}/holds/quantity`, { areaId: s.areaId, quantity: 5 });
    expect(hold.status).toBe(201);
    const ret = (q: number) => t.post(`/sales/events/${s.eventId}/contingents/returns`, { from: { kind: 'online' }, areaId: s.areaId, quantity: q }, s.organizer.token);
    expect((await ret(56)).status).toBe(409);
    expect((await ret(55)).status).toBe(200);
    // The presale office sells from its own 10 + the pool's 30.
    const clerk = await t.login(office.email, office.password);
    const big = await t.post(`/sales/events/${s.eventId}/holds/quantity`, { areaId: s.areaId, quantity: 40 }, clerk);
    expect(big.status).toBe(201);
    const none = await t.post(`/sales/events/${s.eventId}/holds/quantity`, { areaId: s.areaId, quantity: 1 }, clerk);
    expect(none.status).toBe(409);
    const av = await t.get(`/sales/events/${s.eventId}/availability`, s.organizer.token);
    const byKind = Object.fromEntries(av.body.byChannel.map((c: any) => [c.kind, c]));
    expect(byKind.online).toMatchObject({ capacity: 5, held: 5, free: 0 });
    expect(byKind.reserve).toMatchObject({ capacity: 65, free: 65 });
    expect(byKind.pool).toMatchObject({ capacity: 30, held: 30 });
    expect(byKind['presale-office']).toMatchObject({ capacity: 10, held: 10 });
    const sum = av.body.byChannel.reduce((a: number, c: any) => a + c.capacity, 0);
    expect(sum).toBe(110);
    for (const c of av.body.byChannel) expect(c.free + c.held + c.pending + c.sold).toBe(c.capacity);
  });

  it('planCsvImport_createsBlocksRowsAndFlags_andBadCsvIs400', async () => {
    const org = await t.createTenant('organizer', ['organizer-admin']);
    const venue = await t.post('/sales/venues', { name: 'CSV hall' }, org.token);
    const csv = ['block;row;seat;x;y;category;wheelchair;companion', 'Parkett;1;1;0;10;A;yes;', 'Parkett;1;2;10;10;A;;yes', '"Rang, links";1;1;0;50;B;;'].join('\n');
    const r = await t.request('POST', `/sales/venues/${venue.body.id}/plans/csv?name=Hall&stageX=5&stageY=0`, {
      raw: csv,
      token: org.token,
      headers: { 'content-type': 'text/csv' },
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ seatCount: 3, categories: ['A', 'B'], blocks: [{ name: 'Parkett' }, { name: 'Rang, links' }] });
    const bad = await t.request('POST', `/sales/venues/${venue.body.id}/plans/csv?name=Hall`, {
      raw: 'block,row,seat\nA,1,1',
      token: org.token,
      headers: { 'content-type': 'text/csv' },
    });
    expect({ s: bad.status, c: bad.body.code }).toEqual({ s: 400, c: 'SALES.INVALID_PLAN' });
  });

  it('eventCancellation_endsHoldsAndUnpaidOrders_keepsPaidOnes_andStopsSales', async () => {
    const s = await setupEvent(t, makePlan({ rows: 1, seats: 6 }), { initial: { kind: 'box-office' } });
    await t.post(`/sales/events/${s.eventId}/contingents/moves`, { from: { kind: 'box-office' }, to: { kind: 'online' }, seatIds: [s.seats[4].id, s.seats[5].id] }, s.organizer.token);
    const paidHold = await t.post(`/sales/events/${s.eventId}/holds/seats`, { seatIds: [s.seats[0].id] }, s.organizer.token);
    const paid = await t.post(`/sales/holds/${paidHold.body.holdId}/order`, { customer: { name: 'P' }, payment: { method: 'cash' } }, s.organizer.token);
    expect(paid.status).toBe(201);
    const live = await t.post(`/sales/events/${s.eventId}/holds/seats`, { seatIds: [s.seats[1].id] }, s.organizer.token);
    const online = await t.post(`/shop/events/${s.eventId}/holds/seats`, { seatIds: [s.seats[4].id] });
    const pending = await t.request('POST', `/shop/holds/${online.body.holdId}/order`, { body: { customer: { name: 'O' } }, headers: { 'x-hold-token': online.body.holdToken } });
    expect(pending.body.status).toBe('pending-payment');
    const c = await t.post(`/sales/events/${s.eventId}/cancel`, { reason: 'storm' }, s.organizer.token);
    expect(c.status).toBe(200);
    expect(c.body).toMatchObject({ status: 'cancelled', releasedHolds: 1, cancelledOrders: 1 });
    expect((await t.get(`/sales/orders/${paid.body.id}`, s.organizer.token)).body.status).toBe('paid');
    expect((await t.get(`/sales/orders/${pending.body.id}`, s.organizer.token)).body.status).toBe('cancelled');
    expect((await t.get(`/sales/holds/${live.body.holdId}`, s.organizer.token)).body.status).toBe('released');
    expect(await outboxOf('sales.EventCancelled', 'eventId', s.eventId)).toHaveLength(1);
    expect(await outboxOf('sales.OrderCancelled', 'orderId', pending.body.id)).toHaveLength(1);
    const after = await t.post(`/shop/events/${s.eventId}/holds/seats`, { seatIds: [s.seats[5].id] });
    expect({ s: after.status, c: after.body.code }).toEqual({ s: 409, c: 'SALES.EVENT_CANCELLED' });
    const inv = await dbInvariants(t, s.eventId);
    expect(inv).toMatchObject({ sold: 1, pending: 0, held: 0, free: 5 });
  });

  it('routes_areDocumentedInOpenApi', async () => {
    const r = await t.get('/docs/openapi.json');
    const paths = Object.keys(r.body.paths);
    for (const p of ['/sales/venues/{venueId}/plans', '/sales/events/{eventId}/holds/best-available', '/shop/holds/{holdId}/order', '/sales/events/{eventId}/seat-map']) {
      expect(paths).toContain(p);
    }
  });
});
