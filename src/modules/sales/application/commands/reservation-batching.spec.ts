import { makePlan, setupEvent } from '../../../../../test/e2e/sales/sales-fixtures';
import { TestApp } from '../../../../../test/support/app-harness';
import { runSql } from '../../../../infrastructure/database/sql';
import { EventContextResolver } from '../event-context';
import { HoldResult, ReservationStore } from './reservation.store';

/**
 * Micro-batching of the reservation store against the real database: requests issued in one tick are queued behind
 * the first one and run as ONE batch statement — each must still be all-or-nothing, no place twice.
 */
describe('ReservationStore micro-batching (real PostgreSQL)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(() => t.close());

  const draft = { ttlSeconds: 600, createdBy: null };

  async function heldOf(eventId: string) {
    const [r] = await runSql<{ places: number; holds: number; mismatched: number }>(
      t.em(),
      `select (select count(*)::int from sales.stock_unit where event_id = ? and status = 'held') as places,
              (select count(*)::int from sales.hold where event_id = ?) as holds,
              (select count(*)::int from sales.hold h where h.event_id = ?
                  and h.quantity <> (select count(*) from sales.stock_unit u where u.hold_id = h.id and u.status = 'held')) as mismatched`,
      [eventId, eventId, eventId],
    );
    return r;
  }

  it('gaBatch_servesRequestsInOrderWhileTheyFit_eachAllOrNothing', async () => {
    const s = await setupEvent(t, makePlan({ rows: 1, seats: 2, ga: 10 }));
    const store = t.app.get(ReservationStore);
    const ctx = await t.app.get(EventContextResolver).resolve(s.eventId, { kind: 'customer' }, { forSale: true });
    const before = store.batchStats.gaStatements;
    // 1 goes out alone, the other 4 queue behind it and run as one batch: 3 + (3 + 3 + 3 + 3) wanted, 10 exist.
    const results = await Promise.all(Array.from({ length: 5 }, () => store.takeGa(ctx, s.areaId!, 3, 10, draft)));
    expect(store.batchStats.gaStatements - before).toBeLessThanOrEqual(3);
    const won = results.filter((r): r is HoldResult => r !== null);
    expect(won).toHaveLength(3); // 9 of 10 places; a 4th request of 3 cannot be served
    for (const r of won) expect(r.items).toHaveLength(3);
    const units = won.flatMap((r) => r.items.map((i) => i.unitNo));
    expect(new Set(units).size).toBe(9);
    expect(await heldOf(s.eventId)).toEqual({ places: 9, holds: 3, mismatched: 0 });
  });

  it('seatBatch_overlappingRequestsNeverShareAPlace_andAFailedRequestWritesNothing', async () => {
    const s = await setupEvent(t, makePlan({ rows: 1, seats: 6 }));
    const store = t.app.get(ReservationStore);
    const ctx = await t.app.get(EventContextResolver).resolve(s.eventId, { kind: 'customer' }, { forSale: true });
    const id = (i: number) => s.seats[i].id;
    const before = store.batchStats.exactStatements;
    const wanted = [[id(0), id(1)], [id(2)], [id(1), id(3)], [id(4), id(5)], [id(3)], [id(0)]];
    const results = await Promise.all(wanted.map((seatIds) => store.takeExact(ctx, { seatIds }, draft)));
    expect(store.batchStats.exactStatements - before).toBeLessThan(wanted.length); // some ran together
    // In arrival order: [0,1] wins, [2] wins, [1,3] loses (1 taken) — and takes nothing, so [3] wins; [4,5] wins; [0] loses.
    expect(results.map((r) => r !== null)).toEqual([true, true, false, true, true, false]);
    const units = results.flatMap((r) => r?.items.map((i) => i.seatId) ?? []);
    expect(new Set(units).size).toBe(units.length);
    expect(await heldOf(s.eventId)).toEqual({ places: 6, holds: 4, mismatched: 0 });
  });
});
