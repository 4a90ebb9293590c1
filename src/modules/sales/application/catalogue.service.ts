import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../config/configuration';
import { runSql } from '../../../infrastructure/database/sql';
import { integrationEvent, Outbox } from '../../../infrastructure/messaging/outbox';
import { newId } from '../../../shared-kernel/ids';
import { Money } from '../../../shared-kernel/money';
import type { Principal } from '../../../shared-kernel/roles';
import { EventCancelled, SALES_EVENTS } from '../contracts';
import { layOutPlan, PlanInput } from '../domain/seating-plan';
import { SalesErrors } from '../domain/sales-errors';
import { releasedEvents } from './commands/hold.commands';
import { EventContextResolver } from './event-context';
import { uuidArray } from './sales-actor';

export type ContingentKind = 'reserve' | 'online' | 'box-office' | 'presale-office' | 'pool';
export interface ContingentRef {
  kind: ContingentKind;
  officeId?: string | null;
}

export interface CreateEventInput {
  planId: string;
  name: string;
  startsAt: string;
  salesStart: string;
  salesEnd: string;
  currency: string;
  poolOpen?: boolean;
  /** Per seat category key of the plan: display name and price table (reduction → minor units). */
  categories: { key: string; name: string; prices: Record<string, number> }[];
  /** Where all places start (default: the organizer's reserve, not for sale). */
  initialContingent?: ContingentRef;
}

export interface MoveInput {
  from: ContingentRef;
  to: ContingentRef;
  seatIds?: string[];
  areaId?: string;
  categoryId?: string;
  quantity?: number;
}

/** Organizer-side commands that are not on the hot path: venues, plans, events, contingents, office links. */
@Injectable()
export class CatalogueService {
  constructor(
    private readonly orm: MikroORM,
    private readonly outbox: Outbox,
    private readonly contexts: EventContextResolver,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private tx<T>(fn: (em: EntityManager) => Promise<T>): Promise<T> {
    return (this.orm.em.fork() as EntityManager).transactional(fn);
  }

  createVenue(p: Principal, input: { name: string; address?: string | null }) {
    return this.tx(async (em) => {
      const id = newId();
      await runSql(em, `insert into sales.venue (id, organizer_id, name, address) values (?, ?, ?, ?)`, [id, p.organizationId, input.name, input.address ?? null]);
      return { id, name: input.name, address: input.address ?? null };
    });
  }

  /** Stores a whole plan in one transaction with set-based inserts (20,000 seats in well under a second). */
  createPlan(p: Principal, venueId: string, input: PlanInput) {
    const layout = layOutPlan(input, this.config.SALES_PLAN_MAX_SEATS);
    return this.tx(async (em) => {
      const [venue] = await runSql(em, `select id from sales.venue where id = ? and organizer_id = ?`, [venueId, p.organizationId]);
      if (!venue) throw SalesErrors.venueNotFound();
      const planId = newId();
      await runSql(
        em,
        `insert into sales.seating_plan (id, organizer_id, venue_id, name, stage_x, stage_y, seat_count, ga_capacity) values (?, ?, ?, ?, ?, ?, ?, ?)`,
        [planId, p.organizationId, venueId, input.name, input.stage?.x ?? null, input.stage?.y ?? null, layout.seatCount, layout.gaCapacity],
      );
      const blockIds = input.blocks.map(() => newId());
      if (blockIds.length) {
        await runSql(
          em,
          `insert into sales.plan_block (id, plan_id, name, ordinal)
           select b.id, ?, b.name, b.ord from jsonb_to_recordset(?::jsonb) as b(id uuid, name text, ord int)`,
          [planId, JSON.stringify(input.blocks.map((b, i) => ({ id: blockIds[i], name: b.name, ord: i })))],
        );
      }
      for (let i = 0; i < layout.seats.length; i += 5000) {
        const chunk = layout.seats.slice(i, i + 5000).map((s) => ({
          id: newId(),
          b: blockIds[s.blockIndex],
          r: s.rowLabel,
          l: s.seatLabel,
          rn: s.rowNo,
          p: s.pos,
          k: s.rank,
          x: s.x,
          y: s.y,
          c: s.category,
          w: s.wheelchair,
          m: s.companion,
        }));
        await runSql(
          em,
          `insert into sales.plan_seat (id, plan_id, block_id, row_label, seat_label, row_no, pos, rank, x, y, category_key, wheelchair, companion)
           select s.id, ?, s.b, s.r, s.l, s.rn, s.p, s.k, s.x, s.y, s.c, s.w, s.m
             from jsonb_to_recordset(?::jsonb) as s(id uuid, b uuid, r text, l text, rn int, p int, k int, x float8, y float8, c text, w bool, m bool)`,
          [planId, JSON.stringify(chunk)],
        );
      }
      const areas = input.areas.map((a) => ({ id: newId(), name: a.name, category: a.category, capacity: a.capacity }));
      if (areas.length) {
        await runSql(
          em,
          `insert into sales.plan_area (id, plan_id, name, category_key, capacity)
           select a.id, ?, a.name, a.category, a.capacity from jsonb_to_recordset(?::jsonb) as a(id uuid, name text, category text, capacity int)`,
          [planId, JSON.stringify(areas)],
        );
      }
      return {
        id: planId,
        venueId,
        name: input.name,
        seatCount: layout.seatCount,
        gaCapacity: layout.gaCapacity,
        categories: layout.categories,
        blocks: input.blocks.map((b, i) => ({ id: blockIds[i], name: b.name })),
        areas,
      };
    });
  }

  createEvent(p: Principal, input: CreateEventInput) {
    const startsAt = new Date(input.startsAt);
    const salesStart = new Date(input.salesStart);
    const salesEnd = new Date(input.salesEnd);
    if (!(salesStart < salesEnd)) throw SalesErrors.invalidEventDates('salesStart must be before salesEnd');
    Money.zero(input.currency); // validates the currency
    const keys = new Set<string>();
    for (const c of input.categories) {
      if (keys.has(c.key)) throw SalesErrors.invalidPrices(`category key ${c.key} appears twice`);
      keys.add(c.key);
      const entries = Object.entries(c.prices);
      if (entries.length === 0 || entries.length > 20) throw SalesErrors.invalidPrices(`category ${c.key} needs 1 to 20 prices`);
      for (const [reduction, v] of entries) {
        if (!/^[a-z][a-z0-9-]{0,31}$/.test(reduction)) throw SalesErrors.invalidPrices(`bad reduction name ${reduction}`);
        if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw SalesErrors.invalidPrices(`price ${c.key}/${reduction} must be a non-negative integer (minor units)`);
      }
    }
    return this.tx(async (em) => {
      const [plan] = await runSql<{ id: string; venue_name: string; seat_count: number; ga_capacity: number }>(
        em,
        `select p.id, v.name as venue_name, p.seat_count, p.ga_capacity from sales.seating_plan p join sales.venue v on v.id = p.venue_id
          where p.id = ? and p.organizer_id = ?`,
        [input.planId, p.organizationId],
      );
      if (!plan) throw SalesErrors.planNotFound();
      const used = await runSql<{ key: string }>(
        em,
        `select distinct category_key as key from sales.plan_seat where plan_id = ? union select category_key from sales.plan_area where plan_id = ?`,
        [plan.id, plan.id],
      );
      const defined = new Set(input.categories.map((c) => c.key));
      const missing = used.map((u) => u.key).filter((k) => !defined.has(k));
      if (missing.length) throw SalesErrors.categoryWithoutPrice(missing);
      const eventId = newId();
      await runSql(
        em,
        `insert into sales.event (id, organizer_id, plan_id, name, venue_name, starts_at, sales_start, sales_end, currency, pool_open, capacity)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [eventId, p.organizationId, plan.id, input.name, plan.venue_name, startsAt, salesStart, salesEnd, input.currency, input.poolOpen ?? false, plan.seat_count + plan.ga_capacity],
      );
      const cats = input.categories.map((c) => ({ id: newId(), key: c.key, name: c.name, prices: c.prices }));
      await runSql(
        em,
        `insert into sales.price_category (id, event_id, key, name) select c.id, ?, c.key, c.name from jsonb_to_recordset(?::jsonb) as c(id uuid, key text, name text)`,
        [eventId, JSON.stringify(cats)],
      );
      const prices = cats.flatMap((c) => Object.entries(c.prices).map(([reduction, amount]) => ({ c: c.id, r: reduction, a: amount })));
      if (prices.length) {
        await runSql(
          em,
          `insert into sales.price (category_id, reduction, amount_minor) select p.c, p.r, p.a from jsonb_to_recordset(?::jsonb) as p(c uuid, r text, a bigint)`,
          [JSON.stringify(prices)],
        );
      }
      const reserveId = await this.contingentId(em, eventId, p.organizationId, { kind: 'reserve' });
      const initial = input.initialContingent ? await this.contingentId(em, eventId, p.organizationId, input.initialContingent) : reserveId;
      await runSql(
        em,
        `insert into sales.stock_unit (event_id, unit_no, kind, seat_id, block_id, category_id, contingent_id, row_no, pos, rank)
         select ?, (row_number() over (order by s.rank))::int - 1, 'seat', s.id, s.block_id, pc.id, ?, s.row_no, s.pos, s.rank
           from sales.plan_seat s join sales.price_category pc on pc.event_id = ? and pc.key = s.category_key
          where s.plan_id = ?`,
        [eventId, initial, eventId, plan.id],
      );
      await runSql(
        em,
        `insert into sales.stock_unit (event_id, unit_no, kind, area_id, category_id, contingent_id, rank)
         select ?, ? + (row_number() over (order by a.name, g.n))::int - 1, 'ga', a.id, pc.id, ?, 0
           from sales.plan_area a join sales.price_category pc on pc.event_id = ? and pc.key = a.category_key
           cross join lateral generate_series(1, a.capacity) as g(n)
          where a.plan_id = ?`,
        [eventId, plan.seat_count, initial, eventId, plan.id],
      );
      // Fresh statistics for the reservation statements' index choices (a new event can add 100,000 rows at once;
      // without this the planner may scan instead of using the partial "free" indexes until autovacuum runs).
      await runSql(em, `analyze sales.stock_unit`);
      await this.outbox.append(
        em,
        integrationEvent(SALES_EVENTS.EventCreated, { eventId, organizerId: p.organizationId, name: input.name, startsAt: startsAt.toISOString() }, p.organizationId),
      );
      return { id: eventId, capacity: plan.seat_count + plan.ga_capacity, categories: cats.map((c) => ({ id: c.id, key: c.key, name: c.name })) };
    });
  }

  /** Finds or creates the contingent of an event for a channel; a presale office must be a known party and gets linked. */
  private async contingentId(em: EntityManager, eventId: string, organizerId: string, ref: ContingentRef): Promise<string> {
    const officeId = ref.kind === 'presale-office' ? (ref.officeId ?? null) : null;
    if (ref.kind === 'presale-office') {
      if (!officeId) throw SalesErrors.unknownOffice();
      await this.ensureOfficeLink(em, organizerId, officeId);
    }
    const [found] = await runSql<{ id: string }>(
      em,
      `insert into sales.contingent (id, event_id, kind, office_id) values (?, ?, ?, ?)
       on conflict (event_id, kind, coalesce(office_id, '00000000-0000-0000-0000-000000000000'::uuid)) do update set kind = excluded.kind
       returning id`,
      [newId(), eventId, ref.kind, officeId],
    );
    return found.id;
  }

  private async ensureOfficeLink(em: EntityManager, organizerId: string, officeId: string): Promise<void> {
    const [party] = await runSql(em, `select 1 from sales.party where organization_id = ? and kind = 'presale-office'`, [officeId]);
    if (!party) throw SalesErrors.unknownOffice();
    await runSql(em, `insert into sales.office_link (organizer_id, office_id) values (?, ?) on conflict do nothing`, [organizerId, officeId]);
  }

  linkOffice(p: Principal, officeId: string) {
    return this.tx(async (em) => {
      await this.ensureOfficeLink(em, p.organizationId, officeId);
      this.contexts.invalidateAll();
      return { organizerId: p.organizationId, officeId, linked: true };
    });
  }

  /**
   * Moves free places between two contingents of an event, all or nothing. Held and sold places stay where they are
   * (they return to their own contingent when released). Every place is in exactly one contingent, so the numbers
   * always add up to the capacity.
   */
  moveContingent(p: Principal, eventId: string, input: MoveInput) {
    const bySeats = !!input.seatIds?.length;
    const byQuantity = input.quantity !== undefined && (!!input.areaId || !!input.categoryId);
    if (bySeats === byQuantity) throw SalesErrors.moveSelectorInvalid();
    if (input.from.kind === input.to.kind && (input.from.officeId ?? null) === (input.to.officeId ?? null)) throw SalesErrors.sameContingent();
    return this.tx(async (em) => {
      const [ev] = await runSql(em, `select id from sales.event where id = ? and organizer_id = ? for update`, [eventId, p.organizationId]);
      if (!ev) throw SalesErrors.eventNotFound();
      const from = await this.contingentId(em, eventId, p.organizationId, input.from);
      const to = await this.contingentId(em, eventId, p.organizationId, input.to);
      let requested: number;
      let moved: number;
      if (bySeats) {
        const ids = [...new Set(input.seatIds!.map((s) => s.toLowerCase()))];
        requested = ids.length;
        const rows = await runSql(
          em,
          `update sales.stock_unit set contingent_id = ? where event_id = ? and contingent_id = ? and status = 'free' and seat_id = any(?::uuid[]) returning unit_no`,
          [to, eventId, from, uuidArray(ids)],
        );
        moved = rows.length;
      } else {
        requested = input.quantity!;
        const filter = input.areaId ? `area_id = ?` : `category_id = ?`;
        const rows = await runSql(
          em,
          `update sales.stock_unit set contingent_id = ?
            where event_id = ? and unit_no in (select unit_no from sales.stock_unit
                   where event_id = ? and contingent_id = ? and status = 'free' and ${filter}
                   order by rank, unit_no limit ? for update)
            returning unit_no`,
          [to, eventId, eventId, from, input.areaId ?? input.categoryId, requested],
        );
        moved = rows.length;
      }
      if (moved !== requested) throw SalesErrors.contingentPlacesUnavailable(requested, moved);
      this.contexts.invalidate(eventId);
      return { moved, from: input.from, to: input.to };
    });
  }

  cancelEvent(p: Principal, eventId: string, reason: string) {
    return this.tx(async (em) => {
      const [ev] = await runSql<{ status: string; cancelled_at: Date | null }>(
        em,
        `select status, cancelled_at from sales.event where id = ? and organizer_id = ? for update`,
        [eventId, p.organizationId],
      );
      if (!ev) throw SalesErrors.eventNotFound();
      if (ev.status === 'cancelled') throw SalesErrors.eventCancelled();
      const [r] = await runSql<{ cancelled_at: Date }>(em, `update sales.event set status = 'cancelled', cancelled_at = now() where id = ? returning cancelled_at`, [eventId]);
      const payload: EventCancelled['payload'] = { eventId, organizerId: p.organizationId, reason, cancelledAt: new Date(r.cancelled_at).toISOString() };
      // Live holds end and unpaid orders are cancelled (their places return); paid orders stay paid: Escrow refunds
      // them on EventCancelled (a per-order OrderCancelled here would ask for a second refund).
      const holds = await runSql<{ id: string }>(
        em,
        `update sales.hold set status = 'released', closed_at = now() where event_id = ? and status = 'active' returning id`,
        [eventId],
      );
      const pending = await runSql<{ id: string; order_number: string }>(
        em,
        `update sales."order" set status = 'cancelled', closed_at = now(), close_reason = ?
          where event_id = ? and status = 'pending-payment' returning id, order_number`,
        [`event cancelled: ${reason}`, eventId],
      );
      const freed = await runSql<{ event_id: string; organizer_id: string; seat_id: string | null; area_id: string | null }>(
        em,
        `with f as (update sales.stock_unit set status = 'free', hold_id = null, hold_expires_at = null, order_id = null
                     where event_id = ? and (status = 'held' or (status = 'pending' and order_id = any(?::uuid[])))
                     returning event_id, seat_id, area_id)
         select f.*, ?::uuid as organizer_id from f`,
        [eventId, uuidArray(pending.map((o) => o.id)), p.organizationId],
      );
      const tickets = await runSql<{ order_id: string; ticket_id: string }>(
        em,
        `select order_id, ticket_id from sales.order_line where order_id = any(?::uuid[])`,
        [uuidArray(pending.map((o) => o.id))],
      );
      await this.outbox.append(
        em,
        integrationEvent(SALES_EVENTS.EventCancelled, payload, p.organizationId),
        ...pending.map((o) =>
          integrationEvent(
            SALES_EVENTS.OrderCancelled,
            {
              orderId: o.id,
              orderNumber: o.order_number,
              eventId,
              organizerId: p.organizationId,
              ticketIds: tickets.filter((x) => x.order_id === o.id).map((x) => x.ticket_id),
              wasPaid: false,
              reason: `event cancelled: ${reason}`,
            },
            p.organizationId,
          ),
        ),
        ...releasedEvents(freed, 'event-cancelled'),
      );
      this.contexts.invalidate(eventId);
      return { id: eventId, status: 'cancelled', cancelledAt: payload.cancelledAt, releasedHolds: holds.length, cancelledOrders: pending.length };
    });
  }
}
