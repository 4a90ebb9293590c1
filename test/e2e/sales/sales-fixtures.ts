import { runSql } from '../../../src/infrastructure/database/sql';
import { TestApp, uniq } from '../../support/app-harness';
import { waitFor as poll } from '../../support/wait';

/** A rectangular plan: blocks × rows × seats, category A for the front half of rows, B for the rest; optional GA. */
export function makePlan(opts: { blocks?: number; rows: number; seats: number; ga?: number; aisleAfter?: number }) {
  const blocks = Array.from({ length: opts.blocks ?? 1 }, (_, b) => ({
    name: `Block ${b + 1}`,
    rows: Array.from({ length: opts.rows }, (_, r) => ({
      label: String(r + 1),
      seats: Array.from({ length: opts.seats }, (_, s) => ({
        label: String(s + 1),
        x: Math.round((b * 1000 + s * 10.37) * 100) / 100,
        y: Math.round((r * 10.61 + 20) * 100) / 100,
        category: r < Math.ceil(opts.rows / 2) ? 'A' : 'B',
        ...(opts.aisleAfter !== undefined && s >= opts.aisleAfter ? { position: s + 1 } : {}),
        ...(s === 0 && r === 0 ? { wheelchair: true } : {}),
        ...(s === 1 && r === 0 ? { companion: true } : {}),
      })),
    })),
  }));
  return {
    name: `Plan ${uniq()}`,
    stage: { x: ((opts.seats - 1) * 10) / 2, y: 0 },
    blocks,
    areas: opts.ga ? [{ name: 'Standing', category: 'GA', capacity: opts.ga }] : [],
  };
}

export const CATEGORIES = [
  { key: 'A', name: 'Category 1', prices: { adult: 4500, child: 2500, reduced: 3500, complimentary: 0 } },
  { key: 'B', name: 'Category 2', prices: { adult: 3000, child: 1500 } },
  { key: 'GA', name: 'Standing', prices: { adult: 2000 } },
];

export interface Setup {
  organizer: Awaited<ReturnType<TestApp['createTenant']>>;
  eventId: string;
  planId: string;
  categories: Record<string, string>;
  areaId: string | null;
  seats: { id: string; block: string; row: string; seat: string; categoryId: string }[];
}

/** Organizer with venue, plan and an event whose places all start in `initial` (default: online). */
export async function setupEvent(
  t: TestApp,
  plan: ReturnType<typeof makePlan>,
  opts: { initial?: { kind: string; officeId?: string }; poolOpen?: boolean; organizer?: Setup['organizer'] } = {},
): Promise<Setup> {
  const organizer = opts.organizer ?? (await t.createTenant('organizer', ['organizer-admin']));
  const venue = await t.post('/sales/venues', { name: `Hall ${uniq()}` }, organizer.token);
  if (venue.status !== 201) throw new Error(`venue ${venue.status} ${venue.text}`);
  const pl = await t.post(`/sales/venues/${venue.body.id}/plans`, plan, organizer.token);
  if (pl.status !== 201) throw new Error(`plan ${pl.status} ${pl.text.slice(0, 500)}`);
  const now = Date.now();
  const ev = await t.post(
    '/sales/events',
    {
      planId: pl.body.id,
      name: `Concert ${uniq()}`,
      startsAt: new Date(now + 30 * 86400_000).toISOString(),
      salesStart: new Date(now - 3600_000).toISOString(),
      salesEnd: new Date(now + 29 * 86400_000).toISOString(),
      currency: 'EUR',
      poolOpen: opts.poolOpen ?? false,
      categories: CATEGORIES.filter((c) => c.key !== 'GA' || plan.areas.length > 0),
      initialContingent: opts.initial ?? { kind: 'online' },
    },
    organizer.token,
  );
  if (ev.status !== 201) throw new Error(`event ${ev.status} ${ev.text}`);
  const categories = Object.fromEntries((ev.body.categories as { id: string; key: string }[]).map((c) => [c.key, c.id]));
  const map = await t.get(`/sales/events/${ev.body.id}/seat-map`, organizer.token);
  const detail = await t.get(`/sales/events/${ev.body.id}`, organizer.token);
  return { organizer, eventId: ev.body.id, planId: pl.body.id, categories, areaId: detail.body.areas[0]?.id ?? null, seats: map.body.seats };
}

/** The database's own view of an event: live status counts and double-booking checks. */
export async function dbInvariants(t: TestApp, eventId: string) {
  const em = t.em();
  const [c] = await runSql<{ capacity: number; free: number; held: number; pending: number; sold: number; bad_hold: number }>(
    em,
    `select e.capacity,
            count(*) filter (where u.status = 'free' or (u.status = 'held' and u.hold_expires_at < now()))::int as free,
            count(*) filter (where u.status = 'held' and u.hold_expires_at >= now())::int as held,
            count(*) filter (where u.status = 'pending')::int as pending,
            count(*) filter (where u.status = 'sold')::int as sold,
            count(*) filter (where u.status = 'held' and not exists (select 1 from sales.hold h where h.id = u.hold_id))::int as bad_hold
       from sales.event e join sales.stock_unit u on u.event_id = e.id where e.id = ? group by e.capacity`,
    [eventId],
  );
  // A live hold's quantity must equal the places it still has; an order's lines must equal its places (while live).
  const holdMismatch = await runSql(
    em,
    `select h.id from sales.hold h
      where h.event_id = ? and h.status = 'active' and h.expires_at > now() + interval '2 seconds'
        and h.quantity <> (select count(*) from sales.stock_unit u where u.hold_id = h.id and u.status = 'held')`,
    [eventId],
  );
  const orderMismatch = await runSql(
    em,
    `select o.id from sales."order" o
      where o.event_id = ? and o.status in ('pending-payment', 'paid')
        and (select count(*) from sales.order_line l where l.order_id = o.id) <> (select count(*) from sales.stock_unit u where u.order_id = o.id)`,
    [eventId],
  );
  // The same place in two live orders (lines of two non-closed orders for one unit).
  const doubleSold = await runSql(
    em,
    `select l.unit_no from sales.order_line l join sales."order" o on o.id = l.order_id
      where l.event_id = ? and o.status in ('pending-payment', 'paid') group by l.unit_no having count(*) > 1`,
    [eventId],
  );
  return { ...c, holdMismatch: holdMismatch.length, orderMismatch: orderMismatch.length, doubleSold: doubleSold.length };
}

export const waitFor = <T>(fn: () => Promise<T | null | undefined | false>, ms = 15000): Promise<T> => poll('a condition', fn, ms);

/** Sales learns about organizations from security.OrganizationRegistered: wait until the party directory has it. */
export function waitForParty(t: TestApp, organizationId: string) {
  return waitFor(async () => (await runSql(t.em(), `select 1 from sales.party where organization_id = ?`, [organizationId])).length > 0);
}
