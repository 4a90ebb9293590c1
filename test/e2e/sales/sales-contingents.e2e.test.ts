import fc from 'fast-check';
import { TestApp } from '../../support/app-harness';
import { makePlan, setupEvent, waitForParty } from './sales-fixtures';

/**
 * Contingent arithmetic against the real database: random moves / returns of GA quantities and of seats between
 * reserve, online, box office, pool and one presale office, interleaved with online holds. A model predicts each
 * contingent's size; after every step the API's per-contingent numbers must equal it, add up to the capacity, and a
 * refused move must change nothing.
 */
describe('contingent arithmetic (property, real PostgreSQL)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(() => t.close());

  it('property_randomMovesAndReturns_keepNumbersAddingUp', async () => {
    const office = await t.createTenant('presale-office', ['presale-clerk']);
    await waitForParty(t, office.organizationId);
    const s = await setupEvent(t, makePlan({ rows: 2, seats: 4, ga: 40 }), { initial: { kind: 'reserve' } });
    const kinds = ['reserve', 'online', 'box-office', 'pool', 'presale-office'] as const;
    type K = (typeof kinds)[number];
    const ref = (k: K) => (k === 'presale-office' ? { kind: k, officeId: office.organizationId } : { kind: k });
    // Model: GA places per contingent (free + held), seat → contingent, GA places held online (not movable).
    const ga: Record<K, number> = { reserve: 40, online: 0, 'box-office': 0, pool: 0, 'presale-office': 0 };
    const seatAt = new Map<string, K>(s.seats.map((x) => [x.id, 'reserve']));
    let gaHeldOnline = 0;
    const heldSeats = new Set<string>();

    const step = fc.oneof(
      fc.record({ op: fc.constant('ga' as const), from: fc.constantFrom(...kinds), to: fc.constantFrom(...kinds), q: fc.integer({ min: 1, max: 15 }) }),
      fc.record({ op: fc.constant('seat' as const), i: fc.nat(7), to: fc.constantFrom(...kinds) }),
      fc.record({ op: fc.constant('holdGa' as const), q: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ op: fc.constant('holdSeat' as const), i: fc.nat(7) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
        for (const st of steps) {
          if (st.op === 'ga') {
            const r = await t.post(`/sales/events/${s.eventId}/contingents/moves`, { from: ref(st.from), to: ref(st.to), areaId: s.areaId, quantity: st.q }, s.organizer.token);
            const movable = ga[st.from] - (st.from === 'online' ? gaHeldOnline : 0);
            if (st.from === st.to) expect(r.body.code).toBe('SALES.SAME_CONTINGENT');
            else if (movable >= st.q) {
              expect(r.status).toBe(200);
              ga[st.from] -= st.q;
              ga[st.to] += st.q;
            } else expect({ s: r.status, c: r.body.code }).toEqual({ s: 409, c: 'SALES.CONTINGENT_PLACES_UNAVAILABLE' });
          } else if (st.op === 'seat') {
            const seat = s.seats[st.i];
            const from = seatAt.get(seat.id)!;
            const r = await t.post(`/sales/events/${s.eventId}/contingents/moves`, { from: ref(from), to: ref(st.to), seatIds: [seat.id] }, s.organizer.token);
            if (from === st.to) expect(r.status).toBe(400);
            else if (heldSeats.has(seat.id)) expect(r.status).toBe(409);
            else {
              expect(r.status).toBe(200);
              seatAt.set(seat.id, st.to);
            }
          } else if (st.op === 'holdGa') {
            const r = await t.post(`/shop/events/${s.eventId}/holds/quantity`, { areaId: s.areaId, quantity: st.q });
            if (ga.online - gaHeldOnline >= st.q) {
              expect(r.status).toBe(201);
              gaHeldOnline += st.q;
            } else expect(r.status).toBe(409);
          } else {
            const seat = s.seats[st.i];
            const r = await t.post(`/shop/events/${s.eventId}/holds/seats`, { seatIds: [seat.id] });
            if (seatAt.get(seat.id) === 'online' && !heldSeats.has(seat.id)) {
              expect(r.status).toBe(201);
              heldSeats.add(seat.id);
            } else expect([409, 422]).toContain(r.status);
          }
          const av = await t.get(`/sales/events/${s.eventId}/availability`, s.organizer.token);
          const byKind = new Map<string, number>(av.body.byChannel.map((c: any) => [c.kind, c.capacity]));
          for (const k of kinds) {
            const seats = [...seatAt.values()].filter((v) => v === k).length;
            expect({ k, n: byKind.get(k) ?? 0 }).toEqual({ k, n: ga[k] + seats });
          }
          expect(av.body.byChannel.reduce((a: number, c: any) => a + c.capacity, 0)).toBe(48);
          expect(av.body.totals).toMatchObject({ capacity: 48, held: gaHeldOnline + heldSeats.size });
        }
      }),
      { numRuns: 15 },
    );
  }, 180000);
});
