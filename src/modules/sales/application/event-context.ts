import { MikroORM } from '@mikro-orm/core';
import { Injectable } from '@nestjs/common';
import { SalesErrors } from '../domain/sales-errors';
import { channelOf, SalesActor, SalesChannel } from './sales-actor';

export interface EventContext extends SalesChannel {
  eventId: string;
  organizerId: string;
  name: string;
  startsAt: Date;
  venueName: string;
  status: 'on-sale' | 'cancelled';
  salesStart: Date;
  salesEnd: Date;
  currency: string;
  /** Contingents this channel may draw from: its own, plus the pool if allowed. */
  contingentIds: string[];
  /** The presale office is connected to the event's organizer. */
  linked: boolean;
}

interface Row {
  id: string;
  organizer_id: string;
  name: string;
  starts_at: Date;
  venue_name: string;
  status: 'on-sale' | 'cancelled';
  sales_start: Date;
  sales_end: Date;
  currency: string;
  linked: boolean;
  contingent_ids: string[];
}

/**
 * Resolves an event for a seller: tenancy (another organizer's event, or an event of an organizer the presale office
 * is not connected to, is a 404), the sales window and the contingents the channel draws from. Cached for one second
 * per (event, channel) to keep the reservation path at one statement; the cache only decides *which* contingents to
 * try — the reservation statement itself is what guarantees that no place is sold twice.
 */
@Injectable()
export class EventContextResolver {
  private readonly cache = new Map<string, { at: number; ctx: Promise<EventContext | null> }>();
  static readonly TTL_MS = 1000;

  constructor(private readonly orm: MikroORM) {}

  async resolve(eventId: string, actor: SalesActor, opts: { forSale: boolean }): Promise<EventContext> {
    const ch = channelOf(actor);
    const key = `${eventId}|${ch.channel}|${ch.officeId ?? ''}`;
    const now = Date.now();
    let hit = this.cache.get(key);
    if (!hit || now - hit.at > EventContextResolver.TTL_MS) {
      // Single flight: concurrent requests share one load instead of each querying when the entry expires.
      const entry = { at: now, ctx: this.load(eventId, ch) };
      entry.ctx.catch(() => this.cache.get(key) === entry && this.cache.delete(key));
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(key, entry);
      hit = entry;
    }
    const ctx = await hit.ctx;
    if (!ctx) throw SalesErrors.eventNotFound();
    if (actor.kind === 'staff') {
      const p = actor.principal;
      if (p.organizationKind === 'presale-office' ? !ctx.linked : ctx.organizerId !== p.organizationId) throw SalesErrors.eventNotFound();
    }
    if (opts.forSale) {
      if (ctx.status === 'cancelled') throw SalesErrors.eventCancelled();
      if (now < ctx.salesStart.getTime() || now > ctx.salesEnd.getTime()) throw SalesErrors.notOnSale();
    }
    return ctx;
  }

  /** Forget cached contexts of an event (after contingent changes or cancellation in this process). */
  invalidate(eventId: string): void {
    for (const k of this.cache.keys()) if (k.startsWith(`${eventId}|`)) this.cache.delete(k);
  }

  invalidateAll(): void {
    this.cache.clear();
  }

  private async load(eventId: string, ch: SalesChannel): Promise<EventContext | null> {
    const office = ch.officeId;
    const rows = await this.orm.em.getConnection().execute<Row[]>(
      `select e.id, e.organizer_id, e.name, e.starts_at, e.venue_name, e.status, e.sales_start, e.sales_end, e.currency,
              exists (select 1 from sales.office_link l where l.organizer_id = e.organizer_id and l.office_id = ?::uuid) as linked,
              coalesce((select array_agg(c.id::text) from sales.contingent c
                         where c.event_id = e.id
                           and ((c.kind = ? and c.office_id is not distinct from ?::uuid)
                             or (c.kind = 'pool' and (
                                  (?::text = 'presale-office' and exists (select 1 from sales.office_link l
                                                                          where l.organizer_id = e.organizer_id and l.office_id = ?::uuid))
                                  or (?::text <> 'presale-office' and e.pool_open))))), '{}') as contingent_ids
         from sales.event e where e.id = ?`,
      [office, ch.channel, office, ch.channel, office, ch.channel, eventId],
      'all',
    );
    const r = rows[0];
    if (!r) return null;
    return {
      ...ch,
      eventId: r.id,
      organizerId: r.organizer_id,
      name: r.name,
      startsAt: new Date(r.starts_at),
      venueName: r.venue_name,
      status: r.status,
      salesStart: new Date(r.sales_start),
      salesEnd: new Date(r.sales_end),
      currency: r.currency,
      linked: r.linked,
      contingentIds: r.contingent_ids,
    };
  }
}
