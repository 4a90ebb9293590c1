import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { runSql } from '../../../../infrastructure/database/sql';
import type { Principal } from '../../../../shared-kernel/roles';
import { SalesErrors } from '../../domain/sales-errors';
import { HoldAccess, lockHold } from '../commands/hold-access';
import { loadOrder, toOrderView } from '../commands/order.commands';
import { EventContext, EventContextResolver } from '../event-context';
import { SalesActor, uuidArray } from '../sales-actor';

/** A place counts as free the moment its hold has expired, whether or not the sweep job has run. */
const LIVE_STATUS = `case when u.status = 'held' and u.hold_expires_at < now() then 'free' else u.status end`;

interface Counts {
  capacity: number;
  free: number;
  held: number;
  pending: number;
  sold: number;
}

const COUNT_COLUMNS = `count(*)::int as capacity,
  count(*) filter (where ${LIVE_STATUS} = 'free')::int as free,
  count(*) filter (where ${LIVE_STATUS} = 'held')::int as held,
  count(*) filter (where ${LIVE_STATUS} = 'pending')::int as pending,
  count(*) filter (where ${LIVE_STATUS} = 'sold')::int as sold`;

/** Read side: SQL straight into DTOs, never through aggregates. */
@Injectable()
export class SalesQueries {
  constructor(
    private readonly orm: MikroORM,
    private readonly contexts: EventContextResolver,
  ) {}

  private em(): EntityManager {
    return this.orm.em.fork() as EntityManager;
  }

  listVenues(p: Principal) {
    return runSql(this.em(), `select id, name, address, created_at as "createdAt" from sales.venue where organizer_id = ? order by name`, [p.organizationId]);
  }

  listPlans(p: Principal, venueId: string) {
    return runSql(
      this.em(),
      `select id, name, seat_count as "seatCount", ga_capacity as "gaCapacity", created_at as "createdAt"
         from sales.seating_plan where venue_id = ? and organizer_id = ? order by created_at`,
      [venueId, p.organizationId],
    );
  }

  async getPlan(p: Principal, planId: string) {
    const em = this.em();
    const [plan] = await runSql(
      em,
      `select p.id, p.venue_id as "venueId", p.name, p.stage_x as "stageX", p.stage_y as "stageY", p.seat_count as "seatCount", p.ga_capacity as "gaCapacity"
         from sales.seating_plan p where p.id = ? and p.organizer_id = ?`,
      [planId, p.organizationId],
    );
    if (!plan) throw SalesErrors.planNotFound();
    const blocks = await runSql(
      em,
      `select b.id, b.name, count(s.id)::int as seats from sales.plan_block b left join sales.plan_seat s on s.block_id = b.id
        where b.plan_id = ? group by b.id order by b.ordinal`,
      [planId],
    );
    const areas = await runSql(em, `select id, name, category_key as category, capacity from sales.plan_area where plan_id = ? order by name`, [planId]);
    const categories = await runSql(em, `select category_key as key, count(*)::int as seats from sales.plan_seat where plan_id = ? group by 1 order by 1`, [planId]);
    return { ...plan, blocks, areas, categories };
  }

  /** Events a seller may sell: the organizer's own; for a presale office those of connected organizers. */
  listEvents(p: Principal) {
    const presale = p.organizationKind === 'presale-office';
    return runSql(
      this.em(),
      `select e.id, e.organizer_id as "organizerId", e.name, e.venue_name as "venueName", e.starts_at as "startsAt",
              e.sales_start as "salesStart", e.sales_end as "salesEnd", e.status, e.currency, e.capacity,
              ${presale ? `(select count(*)::int from sales.stock_unit u join sales.contingent c on c.id = u.contingent_id
                 where u.event_id = e.id and (c.kind = 'pool' or c.office_id = ?) and ${LIVE_STATUS} = 'free') as "availableToMe"` : `null as "availableToMe"`}
         from sales.event e
        where ${presale ? `e.organizer_id in (select organizer_id from sales.office_link where office_id = ?)` : `e.organizer_id = ?`}
        order by e.starts_at`,
      presale ? [p.organizationId, p.organizationId] : [p.organizationId],
    );
  }

  /** Public list of events on sale now (online shop). */
  listEventsOnSale() {
    return runSql(
      this.em(),
      `select id, name, venue_name as "venueName", starts_at as "startsAt", sales_end as "salesEnd", currency
         from sales.event where status = 'on-sale' and now() between sales_start and sales_end order by starts_at limit 500`,
    );
  }

  async getEvent(eventId: string, actor: SalesActor) {
    const ctx = await this.contexts.resolve(eventId, actor, { forSale: false });
    const em = this.em();
    const categories = await runSql<{ id: string; key: string; name: string; prices: Record<string, string> }>(
      em,
      `select pc.id, pc.key, pc.name, coalesce(jsonb_object_agg(p.reduction, p.amount_minor::text) filter (where p.reduction is not null), '{}') as prices
         from sales.price_category pc left join sales.price p on p.category_id = pc.id
        where pc.event_id = ? group by pc.id order by pc.key`,
      [eventId],
    );
    const areas = await runSql(
      em,
      `select a.id, a.name, a.capacity, pc.id as "categoryId" from sales.event e join sales.plan_area a on a.plan_id = e.plan_id
         join sales.price_category pc on pc.event_id = e.id and pc.key = a.category_key where e.id = ? order by a.name`,
      [eventId],
    );
    const [e] = await runSql(em, `select plan_id as "planId", pool_open as "poolOpen", capacity from sales.event where id = ?`, [eventId]);
    return {
      id: ctx.eventId,
      organizerId: ctx.organizerId,
      name: ctx.name,
      venueName: ctx.venueName,
      startsAt: ctx.startsAt.toISOString(),
      salesStart: ctx.salesStart.toISOString(),
      salesEnd: ctx.salesEnd.toISOString(),
      status: ctx.status,
      currency: ctx.currency,
      ...e,
      categories: categories.map((c) => ({
        id: c.id,
        key: c.key,
        name: c.name,
        prices: Object.fromEntries(Object.entries(c.prices).map(([r, m]) => [r, { minor: String(m), currency: ctx.currency }])),
      })),
      areas,
    };
  }

  /**
   * Live availability per category, block, GA area and channel. Organizer staff see every contingent; a presale
   * office and the online shop see only what their channel may sell.
   */
  async availability(eventId: string, actor: SalesActor) {
    const ctx = await this.contexts.resolve(eventId, actor, { forSale: false });
    const em = this.em();
    const scoped = actor.kind === 'customer' || actor.principal.organizationKind === 'presale-office';
    const scope = scoped ? `and u.contingent_id = any(?::uuid[])` : '';
    const sp = scoped ? [uuidArray(ctx.contingentIds)] : [];
    const [totals] = await runSql<Counts>(em, `select ${COUNT_COLUMNS} from sales.stock_unit u where u.event_id = ? ${scope}`, [eventId, ...sp]);
    const byCategory = await runSql(
      em,
      `select pc.id as "categoryId", pc.key, pc.name, ${COUNT_COLUMNS}
         from sales.stock_unit u join sales.price_category pc on pc.id = u.category_id
        where u.event_id = ? ${scope} group by pc.id order by pc.key`,
      [eventId, ...sp],
    );
    const byBlock = await runSql(
      em,
      `select b.id as "blockId", b.name, ${COUNT_COLUMNS}
         from sales.stock_unit u join sales.plan_block b on b.id = u.block_id
        where u.event_id = ? and u.kind = 'seat' ${scope} group by b.id order by b.ordinal`,
      [eventId, ...sp],
    );
    const byArea = await runSql(
      em,
      `select a.id as "areaId", a.name, ${COUNT_COLUMNS}
         from sales.stock_unit u join sales.plan_area a on a.id = u.area_id
        where u.event_id = ? and u.kind = 'ga' ${scope} group by a.id order by a.name`,
      [eventId, ...sp],
    );
    const byChannel = await runSql(
      em,
      `select c.id as "contingentId", c.kind, c.office_id as "officeId", ${COUNT_COLUMNS}
         from sales.stock_unit u join sales.contingent c on c.id = u.contingent_id
        where u.event_id = ? ${scope} group by c.id order by c.kind, c.office_id`,
      [eventId, ...sp],
    );
    return { eventId, at: new Date().toISOString(), totals, byCategory, byBlock, byArea, byChannel };
  }

  /**
   * Seat-status view for drawing the plan: every seat with its coordinates, labels and live status. For the shop
   * and presale offices the status is only `available` / `unavailable` from their channel's point of view.
   */
  async seatMap(eventId: string, actor: SalesActor) {
    const ctx: EventContext = await this.contexts.resolve(eventId, actor, { forSale: false });
    const staffView = actor.kind === 'staff' && actor.principal.organizationKind === 'organizer';
    const seats = await runSql(
      this.em(),
      `select s.id, b.name as block, s.row_label as row, s.seat_label as seat, s.x, s.y, u.category_id as "categoryId",
              s.wheelchair, s.companion,
              ${
                staffView
                  ? `${LIVE_STATUS} as status, c.kind as contingent, c.office_id as "officeId"`
                  : `case when ${LIVE_STATUS} = 'free' and u.contingent_id = any(?::uuid[]) then 'available' else 'unavailable' end as status`
              }
         from sales.stock_unit u
         join sales.plan_seat s on s.id = u.seat_id
         join sales.plan_block b on b.id = s.block_id
         ${staffView ? 'join sales.contingent c on c.id = u.contingent_id' : ''}
        where u.event_id = ? and u.kind = 'seat'
        order by s.row_no, s.pos`,
      staffView ? [eventId] : [uuidArray(ctx.contingentIds.length ? ctx.contingentIds : []), eventId],
    );
    return { eventId, seats };
  }

  async getHold(holdId: string, access: HoldAccess) {
    return (this.orm.em.fork() as EntityManager).transactional(async (em) => {
      const h = await lockHold(em, holdId, access);
      const items = await runSql(
        em,
        `select u.unit_no as "unitNo", u.kind, u.seat_id as "seatId", u.area_id as "areaId", u.category_id as "categoryId",
                b.name as block, ps.row_label as row, ps.seat_label as seat, a.name as "areaName"
           from sales.stock_unit u
           left join sales.plan_seat ps on ps.id = u.seat_id left join sales.plan_block b on b.id = ps.block_id
           left join sales.plan_area a on a.id = u.area_id
          where u.hold_id = ? and u.status = 'held' and u.hold_expires_at >= now() order by u.unit_no`,
        [h.id],
      );
      const [order] = await runSql<{ id: string; status: string }>(em, `select id, status from sales."order" where hold_id = ?`, [h.id]);
      const status = h.status === 'active' && h.expired_now ? 'expired' : h.status;
      return {
        holdId: h.id,
        eventId: h.event_id,
        channel: h.channel,
        status,
        quantity: h.quantity,
        expiresAt: new Date(h.expires_at).toISOString(),
        extensions: h.extensions,
        items: status === 'active' ? items : [],
        order: order ? { id: order.id, status: order.status } : null,
      };
    });
  }

  async getOrder(p: Principal, orderId: string) {
    const loaded = await loadOrder(this.em(), orderId);
    const mine = loaded && (p.organizationKind === 'presale-office' ? loaded.order.office_id === p.organizationId : loaded.order.organizer_id === p.organizationId);
    if (!loaded || !mine) throw SalesErrors.orderNotFound();
    return toOrderView(loaded.order, loaded.lines);
  }

  listOrders(p: Principal, filter: { eventId?: string; status?: string }) {
    const presale = p.organizationKind === 'presale-office';
    const where = [presale ? 'office_id = ?' : 'organizer_id = ?'];
    const params: unknown[] = [p.organizationId];
    if (filter.eventId) {
      where.push('event_id = ?');
      params.push(filter.eventId);
    }
    if (filter.status) {
      where.push('status = ?');
      params.push(filter.status);
    }
    return runSql(
      this.em(),
      `select id, order_number as "orderNumber", event_id as "eventId", channel, office_id as "officeId", status,
              customer_name as "customerName", total_minor::text as "totalMinor", currency, payment_deadline as "paymentDeadline",
              paid_at as "paidAt", created_at as "createdAt"
         from sales."order" where ${where.join(' and ')} order by created_at desc limit 500`,
      params,
    );
  }

  listOffices() {
    return runSql(this.em(), `select organization_id as id, name from sales.party where kind = 'presale-office' order by name`);
  }
}
