import type { DemoContext } from '../seed-demo';

const EVENT_NAME = 'Sinfoniekonzert — Beethoven 9';

/**
 * Demo step: a venue with a 2-block seating plan (2 × 10 rows × 20 seats, wheelchair places in the front row) and a
 * 300-place standing area, one event on sale in 30 days with a price table, the online contingent, block B's first
 * rows for the presale office and two rows for the box office. Skipped when the event exists.
 */
export async function salesDemo(ctx: DemoContext, organizerToken: string): Promise<void> {
  const api = ctx.api;
  const as = <T = any>(ok: number[], method: string, path: string, body?: unknown) =>
    api.call<T>(method, path, body, organizerToken).then((r) => {
      if (!ok.includes(r.status)) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
      return r;
    });

  const events = await as<{ id: string; name: string }[]>([200], 'GET', '/sales/events');
  const existing = (Array.isArray(events.body) ? events.body : (events.body as any).items ?? []).find((e: { name: string }) => e.name === EVENT_NAME);
  if (existing) {
    ctx.log(`demo event exists: ${EVENT_NAME} (${existing.id})`);
    return;
  }
  const venue = await as<{ id: string }>([201], 'POST', '/sales/venues', { name: 'Stadthalle Musterstadt' });
  const plan = await as<{ id: string }>([201], 'POST', `/sales/venues/${venue.body.id}/plans`, {
    name: 'Konzertbestuhlung',
    stage: { x: 210, y: 0 },
    blocks: ['A', 'B'].map((name, b) => ({
      name: `Block ${name}`,
      rows: Array.from({ length: 10 }, (_, r) => ({
        label: String(r + 1),
        seats: Array.from({ length: 20 }, (_, s) => ({
          label: String(s + 1),
          x: b * 220 + s * 10,
          y: 30 + r * 12,
          category: r < 4 ? 'P1' : 'P2',
          ...(r === 0 && s < 2 ? { wheelchair: true } : r === 0 && s < 4 ? { companion: true } : {}),
        })),
      })),
    })),
    areas: [{ name: 'Stehplätze', category: 'ST', capacity: 300 }],
  });
  const now = Date.now();
  const event = await as<{ id: string }>([201], 'POST', '/sales/events', {
    planId: plan.body.id,
    name: EVENT_NAME,
    startsAt: new Date(now + 30 * 86400_000).toISOString(),
    salesStart: new Date(now - 3600_000).toISOString(),
    salesEnd: new Date(now + 30 * 86400_000 - 3600_000).toISOString(),
    currency: 'EUR',
    categories: [
      { key: 'P1', name: 'Kategorie 1', prices: { adult: 6900, reduced: 4900, child: 2900, complimentary: 0 } },
      { key: 'P2', name: 'Kategorie 2', prices: { adult: 4900, reduced: 3500, child: 1900, complimentary: 0 } },
      { key: 'ST', name: 'Stehplatz', prices: { adult: 2900, reduced: 1900 } },
    ],
    initialContingent: { kind: 'online' },
  });
  const map = await as<{ seats: { id: string; block: string; row: string }[] }>([200], 'GET', `/sales/events/${event.body.id}/seat-map`);
  const seatsOf = (block: string, rows: string[]) => map.body.seats.filter((s) => s.block === block && rows.includes(s.row)).map((s) => s.id);
  await as([200], 'POST', `/sales/events/${event.body.id}/contingents/moves`, {
    from: { kind: 'online' },
    to: { kind: 'presale-office', officeId: ctx.presaleOffice.id },
    seatIds: seatsOf('Block B', ['5', '6', '7', '8']),
  });
  await as([200], 'POST', `/sales/events/${event.body.id}/contingents/moves`, {
    from: { kind: 'online' },
    to: { kind: 'box-office' },
    seatIds: seatsOf('Block A', ['9', '10']),
  });
  ctx.log(`demo event on sale: ${EVENT_NAME} (${event.body.id}) — 400 seats + 300 standing; online shop: GET /shop/events`);
}
