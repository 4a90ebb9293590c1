import fc from 'fast-check';
import { runSql } from '../../../src/infrastructure/database/sql';
import { TestApp } from '../../support/app-harness';
import { dbInvariants, makePlan, setupEvent } from './sales-fixtures';

describe('sales invariants under concurrency (real HTTPS, real PostgreSQL)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(() => t.close());

  it('race_manyParallelOverlappingReservations_neverSellASeatTwice_andCountsAddUp', async () => {
    const s = await setupEvent(t, makePlan({ rows: 4, seats: 10, ga: 30 }));
    const seatIds = s.seats.map((x) => x.id);
    const rnd = (n: number) => Math.floor(Math.random() * n);
    // 240 reservations, 40 in flight at any moment (each a TLS connection of its own; more only tests the CPU).
    const makers = Array.from({ length: 240 }, (_, i) => () => {
      const kind = i % 3;
      if (kind === 0) {
        const start = rnd(seatIds.length - 4);
        const ids = seatIds.slice(start, start + 1 + rnd(4));
        return t.post(`/shop/events/${s.eventId}/holds/seats`, { seatIds: ids });
      }
      if (kind === 1) return t.post(`/shop/events/${s.eventId}/holds/best-available`, { categoryId: i % 2 ? s.categories.A : s.categories.B, quantity: 2 + rnd(3) });
      return t.post(`/shop/events/${s.eventId}/holds/quantity`, { areaId: s.areaId, quantity: 1 + rnd(4) });
    });
    const results: { status: number; body: any }[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 40 }, async () => {
        while (next < makers.length) results.push(await makers[next++]());
      }),
    );
    const statuses = new Map<number, number>();
    for (const r of results) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    for (const st of statuses.keys()) expect([201, 409]).toContain(st); // never a 500, never a half-done hold
    const won = results.filter((r) => r.status === 201);
    const units = won.flatMap((r) => r.body.items.map((i: any) => i.unitNo));
    expect(new Set(units).size).toBe(units.length); // no place in two holds
    const inv = await dbInvariants(t, s.eventId);
    expect(inv.held).toBe(units.length);
    expect(inv.free + inv.held + inv.pending + inv.sold).toBe(70);
    expect(inv).toMatchObject({ holdMismatch: 0, orderMismatch: 0, doubleSold: 0, bad_hold: 0 });
    // The whole hall is gone or nearly so: the race was real.
    expect(won.length).toBeGreaterThan(10);
    // Organizer availability agrees with the database.
    const av = await t.get(`/sales/events/${s.eventId}/availability`, s.organizer.token);
    expect(av.body.totals).toMatchObject({ capacity: 70, held: inv.held, free: inv.free });
  }, 120000);

  it('database_refusesAnUpdateThatWouldDoubleBook_evenIfApplicationSqlWereWrong', async () => {
    const s = await setupEvent(t, makePlan({ rows: 1, seats: 3 }));
    const hold = await t.post(`/shop/events/${s.eventId}/holds/seats`, { seatIds: [s.seats[0].id] });
    const order = await t.post(`/shop/events/${s.eventId}/holds/seats`, { seatIds: [s.seats[1].id] });
    await t.request('POST', `/shop/holds/${order.body.holdId}/order`, { body: { customer: { name: 'X' } }, headers: { 'x-hold-token': order.body.holdToken } });
    const naive = (seatId: string) =>
      runSql(
        t.em(),
        `update sales.stock_unit set status = 'held', hold_id = gen_random_uuid(), hold_expires_at = now() + interval '1 hour', order_id = null
          where event_id = ? and seat_id = ?`,
        [s.eventId, seatId],
      );
    await expect(naive(s.seats[0].id)).rejects.toThrow(/SALES.SEAT_TAKEN/); // live hold
    await expect(naive(s.seats[1].id)).rejects.toThrow(/SALES.SEAT_TAKEN|check constraint/); // pending order
    await expect(
      runSql(t.em(), `update sales.stock_unit set status = 'sold', order_id = gen_random_uuid() where event_id = ? and seat_id = ?`, [s.eventId, s.seats[2].id]),
    ).rejects.toThrow(/SALES.SEAT_TAKEN/); // a free seat cannot be sold without a hold
    expect((await dbInvariants(t, s.eventId))).toMatchObject({ held: 1, pending: 1, free: 1 });
    void hold;
  });

  it('twoAppInstances_onOneDatabase_raceForTheSameSeats_neverShareOne', async () => {
    const t2 = await TestApp.start();
    try {
      const s = await setupEvent(t, makePlan({ rows: 2, seats: 8, ga: 12 }));
      const apps = [t, t2];
      const seatIds = s.seats.map((x) => x.id);
      const results: { status: number; body: any }[] = [];
      let next = 0;
      const makers = Array.from({ length: 120 }, (_, i) => () => {
        const app = apps[i % 2];
        if (i % 3 === 0) return app.post(`/shop/events/${s.eventId}/holds/seats`, { seatIds: seatIds.slice(i % 14, (i % 14) + 2) });
        if (i % 3 === 1) return app.post(`/shop/events/${s.eventId}/holds/best-available`, { categoryId: s.categories.A, quantity: 2, allowSplit: true });
        return app.post(`/shop/events/${s.eventId}/holds/quantity`, { areaId: s.areaId, quantity: 1 + (i % 3) });
      });
      await Promise.all(
        Array.from({ length: 30 }, async () => {
          while (next < makers.length) results.push(await makers[next++]());
        }),
      );
      for (const r of results) expect([201, 409]).toContain(r.status);
      const units = results.filter((r) => r.status === 201).flatMap((r) => r.body.items.map((i: any) => i.unitNo));
      expect(new Set(units).size).toBe(units.length);
      const inv = await dbInvariants(t, s.eventId);
      expect(inv.held).toBe(units.length);
      expect(inv).toMatchObject({ holdMismatch: 0, doubleSold: 0, bad_hold: 0 });
    } finally {
      await t2.close();
    }
  }, 120000);

  it('property_randomInterleavingsOfReserveReleaseExpireOrder_keepInvariants', async () => {
    const s = await setupEvent(t, makePlan({ rows: 2, seats: 6, ga: 8 }));
    const seatIds = s.seats.map((x) => x.id);
    const holds: { id: string; token: string }[] = [];
    const op = fc.oneof(
      fc.record({ k: fc.constant('seats' as const), from: fc.nat(11), n: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ k: fc.constant('best' as const), cat: fc.constantFrom('A', 'B'), n: fc.integer({ min: 1, max: 4 }), split: fc.boolean() }),
      fc.record({ k: fc.constant('ga' as const), n: fc.integer({ min: 1, max: 5 }) }),
      fc.record({ k: fc.constant('release' as const), i: fc.nat() }),
      fc.record({ k: fc.constant('expire' as const), i: fc.nat() }),
      fc.record({ k: fc.constant('order' as const), i: fc.nat() }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(op, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 }), async (batches) => {
        for (const batch of batches) {
          // Each batch runs concurrently: interleavings are real, not simulated.
          const res = await Promise.all(
            batch.map(async (o) => {
              const pickHold = (i: number) => holds[i % Math.max(1, holds.length)];
              switch (o.k) {
                case 'seats':
                  return t.post(`/shop/events/${s.eventId}/holds/seats`, { seatIds: seatIds.slice(o.from, o.from + o.n) });
                case 'best':
                  return t.post(`/shop/events/${s.eventId}/holds/best-available`, { categoryId: s.categories[o.cat], quantity: o.n, allowSplit: o.split });
                case 'ga':
                  return t.post(`/shop/events/${s.eventId}/holds/quantity`, { areaId: s.areaId, quantity: o.n });
                case 'release': {
                  const h = pickHold(o.i);
                  return h ? t.request('DELETE', `/shop/holds/${h.id}`, { headers: { 'x-hold-token': h.token } }) : null;
                }
                case 'expire': {
                  const h = pickHold(o.i);
                  if (!h) return null;
                  await runSql(t.em(), `update sales.hold set expires_at = now() - interval '1 second' where id = ? and status = 'active'`, [h.id]);
                  await runSql(t.em(), `update sales.stock_unit set hold_expires_at = now() - interval '1 second' where hold_id = ? and status = 'held'`, [h.id]);
                  return null;
                }
                case 'order': {
                  const h = pickHold(o.i);
                  return h
                    ? t.request('POST', `/shop/holds/${h.id}/order`, { body: { customer: { name: 'P' } }, headers: { 'x-hold-token': h.token } })
                    : null;
                }
              }
            }),
          );
          for (const r of res) {
            if (!r) continue;
            expect(r.status).toBeLessThan(500);
            if (r.status === 201 && r.body.holdToken) holds.push({ id: r.body.holdId, token: r.body.holdToken });
          }
          const inv = await dbInvariants(t, s.eventId);
          expect(inv.free + inv.held + inv.pending + inv.sold).toBe(20);
          expect(inv).toMatchObject({ holdMismatch: 0, orderMismatch: 0, doubleSold: 0, bad_hold: 0 });
        }
      }),
      { numRuns: 12 },
    );
  }, 180000);
});
