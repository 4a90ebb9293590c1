import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Logger } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { randomInt } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../../../../../config/configuration';
import { runSql } from '../../../../infrastructure/database/sql';
import { integrationEvent, Outbox } from '../../../../infrastructure/messaging/outbox';
import { newId } from '../../../../shared-kernel/ids';
import { Money } from '../../../../shared-kernel/money';
import type { Principal } from '../../../../shared-kernel/roles';
import {
  OrderCancelled,
  OrderExpired,
  OrderLineDto,
  OrderPaid,
  OrderPlaced,
  OrderRefunded,
  SALES_EVENTS,
  SalesChannelKind,
} from '../../contracts';
import { SalesErrors } from '../../domain/sales-errors';
import { HoldAccess, lockHold } from './hold-access';
import { releasedEvents } from './hold.commands';

export type CounterPaymentMethod = 'cash' | 'card-terminal';

export interface PlaceOrderInput {
  customer: { name: string; email?: string | null };
  /** Counter sales (box office, presale office) only: how the customer paid at the counter. */
  payment?: { method: CounterPaymentMethod } | null;
  /** Reduction per held place (by unitNo); others get `defaultReduction` (default "adult"). */
  reductions?: { unitNo: number; reduction: string }[];
  defaultReduction?: string;
  idempotencyKey?: string | null;
}

export interface OrderView {
  id: string;
  orderNumber: string;
  status: 'pending-payment' | 'paid' | 'cancelled' | 'expired' | 'refunded';
  eventId: string;
  holdId: string;
  channel: SalesChannelKind;
  officeId: string | null;
  customer: { name: string; email: string | null };
  total: { minor: string; currency: string };
  paymentDeadline: string | null;
  paidAt: string | null;
  paymentMethod: string | null;
  createdAt: string;
  lines: OrderLineDto[];
}

interface OrderRow {
  id: string;
  order_number: string;
  event_id: string;
  organizer_id: string;
  hold_id: string;
  idempotency_key: string | null;
  channel: SalesChannelKind;
  office_id: string | null;
  status: OrderView['status'];
  customer_name: string;
  customer_email: string | null;
  currency: string;
  total_minor: string;
  payment_deadline: Date | null;
  paid_at: Date | null;
  payment_method: string | null;
  payment_id: string | null;
  created_at: Date;
}

interface LineRow {
  ticket_id: string;
  kind: 'seat' | 'ga';
  seat_id: string | null;
  area_id: string | null;
  block: string | null;
  row_label: string | null;
  seat_label: string | null;
  area_name: string | null;
  category_id: string;
  category_name: string;
  reduction: string;
  price_minor: string;
  unit_no: number;
}

const ORDER_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
export const newOrderNumber = (): string => 'PT-' + Array.from({ length: 8 }, () => ORDER_ALPHABET[randomInt(ORDER_ALPHABET.length)]).join('');

/** Loads an order (with lines) in the caller's transaction, optionally locked. */
export async function loadOrder(em: EntityManager, orderId: string, lock = false): Promise<{ order: OrderRow; lines: LineRow[] } | null> {
  const [order] = await runSql<OrderRow>(em, `select * from sales."order" where id = ?${lock ? ' for update' : ''}`, [orderId]);
  if (!order) return null;
  const lines = await runSql<LineRow>(em, `select * from sales.order_line where order_id = ? order by unit_no`, [orderId]);
  return { order, lines };
}

export function toOrderView(order: OrderRow, lines: LineRow[]): OrderView {
  return {
    id: order.id,
    orderNumber: order.order_number,
    status: order.status,
    eventId: order.event_id,
    holdId: order.hold_id,
    channel: order.channel,
    officeId: order.office_id,
    customer: { name: order.customer_name, email: order.customer_email },
    total: { minor: String(order.total_minor), currency: order.currency },
    paymentDeadline: order.payment_deadline ? new Date(order.payment_deadline).toISOString() : null,
    paidAt: order.paid_at ? new Date(order.paid_at).toISOString() : null,
    paymentMethod: order.payment_method,
    createdAt: new Date(order.created_at).toISOString(),
    lines: lines.map((l) => lineDto(l, order.currency)),
  };
}

const lineDto = (l: LineRow, currency: string): OrderLineDto => ({
  ticketId: l.ticket_id,
  kind: l.kind,
  seatId: l.seat_id,
  block: l.block,
  row: l.row_label,
  seat: l.seat_label,
  areaId: l.area_id,
  areaName: l.area_name,
  categoryId: l.category_id,
  categoryName: l.category_name,
  reduction: l.reduction,
  price: { minor: String(l.price_minor), currency },
});

/** The state every order event carries (event-carried state transfer: consumers never read Sales tables). */
async function orderCore(em: EntityManager, order: OrderRow, lines: LineRow[]) {
  const [e] = await runSql<{ id: string; organizer_id: string; name: string; starts_at: Date; venue_name: string }>(
    em,
    `select id, organizer_id, name, starts_at, venue_name from sales.event where id = ?`,
    [order.event_id],
  );
  return {
    orderId: order.id,
    orderNumber: order.order_number,
    event: { id: e.id, organizerId: e.organizer_id, name: e.name, startsAt: new Date(e.starts_at).toISOString(), venueName: e.venue_name },
    channel: { kind: order.channel, officeId: order.office_id },
    total: { minor: String(order.total_minor), currency: order.currency },
    lines: lines.map((l) => lineDto(l, order.currency)),
  };
}

export class PlaceOrderCommand extends Command<OrderView & { replayed: boolean }> {
  constructor(
    readonly holdId: string,
    readonly access: HoldAccess,
    readonly input: PlaceOrderInput,
  ) {
    super();
  }
}

/**
 * Turns a live hold into an order in one transaction: the held places become the order's (only if every one of them
 * is still held by this hold — otherwise the hold has expired and nothing is written), lines are priced from the
 * event's price table, and OrderPlaced (plus OrderPaid for counter sales, which are paid at once) go to the outbox
 * in the same transaction. A second call with the same Idempotency-Key returns the same order.
 */
@CommandHandler(PlaceOrderCommand)
export class PlaceOrderHandler implements ICommandHandler<PlaceOrderCommand> {
  constructor(
    private readonly orm: MikroORM,
    private readonly outbox: Outbox,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  execute(cmd: PlaceOrderCommand) {
    return (this.orm.em.fork() as EntityManager).transactional(async (em) => {
      const h = await lockHold(em, cmd.holdId, cmd.access);
      if (h.status === 'ordered') {
        const [o] = await runSql<{ id: string; idempotency_key: string | null }>(em, `select id, idempotency_key from sales."order" where hold_id = ?`, [h.id]);
        if (o && cmd.input.idempotencyKey && o.idempotency_key === cmd.input.idempotencyKey) {
          const loaded = (await loadOrder(em, o.id))!;
          return { ...toOrderView(loaded.order, loaded.lines), replayed: true };
        }
        throw SalesErrors.holdAlreadyOrdered(o?.id ?? '');
      }
      if (h.status !== 'active') throw SalesErrors.holdNotActive(h.status);
      if (h.expired_now) throw SalesErrors.holdExpired();
      const counter = h.channel !== 'online';
      if (counter && !cmd.input.payment) throw SalesErrors.paymentMethodRequired();

      const [ev] = await runSql<{ status: string; currency: string }>(em, `select status, currency from sales.event where id = ?`, [h.event_id]);
      if (ev.status === 'cancelled') throw SalesErrors.eventCancelled();

      const orderId = newId();
      const units = await runSql<{ unit_no: number; kind: 'seat' | 'ga'; seat_id: string | null; area_id: string | null; category_id: string }>(
        em,
        `update sales.stock_unit set status = ?, order_id = ?
          where hold_id = ? and status = 'held' and hold_expires_at >= now()
          returning unit_no, kind, seat_id, area_id, category_id`,
        [counter ? 'sold' : 'pending', orderId, h.id],
      );
      if (units.length !== h.quantity) throw SalesErrors.holdExpired();

      const reductions = new Map<number, string>();
      const unitNos = new Set(units.map((u) => u.unit_no));
      for (const r of cmd.input.reductions ?? []) {
        if (!unitNos.has(r.unitNo)) throw SalesErrors.unknownHoldItem(r.unitNo);
        reductions.set(r.unitNo, r.reduction);
      }
      const prices = await runSql<{ id: string; key: string; name: string; reduction: string; amount_minor: string }>(
        em,
        `select pc.id, pc.key, pc.name, p.reduction, p.amount_minor
           from sales.price_category pc join sales.price p on p.category_id = pc.id where pc.event_id = ?`,
        [h.event_id],
      );
      const priceOf = new Map(prices.map((p) => [`${p.id}|${p.reduction}`, p]));
      const nameOf = new Map(prices.map((p) => [p.id, p.name]));
      const labels = await runSql<{ unit_no: number; block: string | null; row_label: string | null; seat_label: string | null; area_name: string | null }>(
        em,
        `select u.unit_no, b.name as block, ps.row_label, ps.seat_label, a.name as area_name
           from sales.stock_unit u
           left join sales.plan_seat ps on ps.id = u.seat_id
           left join sales.plan_block b on b.id = ps.block_id
           left join sales.plan_area a on a.id = u.area_id
          where u.order_id = ?`,
        [orderId],
      );
      const labelOf = new Map(labels.map((l) => [l.unit_no, l]));
      let total = Money.zero(ev.currency);
      const lines: LineRow[] = units
        .sort((a, b) => a.unit_no - b.unit_no)
        .map((u) => {
          const reduction = reductions.get(u.unit_no) ?? cmd.input.defaultReduction ?? 'adult';
          const price = priceOf.get(`${u.category_id}|${reduction}`);
          if (!price) throw SalesErrors.noPrice(nameOf.get(u.category_id) ?? u.category_id, reduction);
          total = total.add(Money.of(BigInt(price.amount_minor), ev.currency));
          const l = labelOf.get(u.unit_no);
          return {
            ticket_id: newId(),
            unit_no: u.unit_no,
            kind: u.kind,
            seat_id: u.seat_id,
            area_id: u.area_id,
            block: l?.block ?? null,
            row_label: l?.row_label ?? null,
            seat_label: l?.seat_label ?? null,
            area_name: l?.area_name ?? null,
            category_id: u.category_id,
            category_name: price.name,
            reduction,
            price_minor: price.amount_minor,
          };
        });

      const deadlineSql = counter ? 'null' : `now() + make_interval(secs => ${this.config.SALES_PAYMENT_DEADLINE_ONLINE_S})`;
      const [order] = await runSql<OrderRow>(
        em,
        `insert into sales."order" (id, order_number, event_id, organizer_id, hold_id, idempotency_key, channel, office_id, status,
                                    customer_name, customer_email, currency, total_minor, payment_deadline, paid_at, payment_method, created_by)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ${deadlineSql}, ${counter ? 'now()' : 'null'}, ?, ?)
         returning *`,
        [
          orderId,
          newOrderNumber(),
          h.event_id,
          h.organizer_id,
          h.id,
          cmd.input.idempotencyKey ?? null,
          h.channel,
          h.office_id,
          counter ? 'paid' : 'pending-payment',
          cmd.input.customer.name,
          cmd.input.customer.email ?? null,
          ev.currency,
          total.minor.toString(),
          counter ? cmd.input.payment!.method : null,
          cmd.access.actor.kind === 'staff' ? cmd.access.actor.principal.subjectId : null,
        ],
      );
      await runSql(
        em,
        `insert into sales.order_line (ticket_id, order_id, event_id, unit_no, kind, seat_id, area_id, block, row_label, seat_label,
                                       area_name, category_id, category_name, reduction, price_minor)
         values ${lines.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        lines.flatMap((l) => [
          l.ticket_id, orderId, h.event_id, l.unit_no, l.kind, l.seat_id, l.area_id, l.block, l.row_label, l.seat_label,
          l.area_name, l.category_id, l.category_name, l.reduction, l.price_minor,
        ]),
      );
      await runSql(em, `update sales.hold set status = 'ordered', closed_at = now() where id = ?`, [h.id]);

      const core = await orderCore(em, order, lines);
      const customer = { name: order.customer_name, email: order.customer_email };
      const events: (OrderPlaced | OrderPaid)[] = [
        integrationEvent(
          SALES_EVENTS.OrderPlaced,
          { ...core, customer, paymentDeadline: order.payment_deadline ? new Date(order.payment_deadline).toISOString() : null, paidAtCounter: counter },
          h.organizer_id,
        ),
      ];
      if (counter) {
        events.push(
          integrationEvent(
            SALES_EVENTS.OrderPaid,
            { ...core, customer, paidAt: new Date(order.paid_at!).toISOString(), payment: { method: cmd.input.payment!.method, paymentId: null } },
            h.organizer_id,
          ),
        );
      }
      await this.outbox.append(em, ...events);
      return { ...toOrderView(order, lines), replayed: false };
    });
  }
}

export class MarkOrderPaidCommand extends Command<'paid' | 'ignored'> {
  constructor(
    readonly em: EntityManager,
    readonly payment: { orderId: string; paymentId: string; amount: { minor: string; currency: string }; method: 'bank-transfer' | 'card'; receivedAt: string },
  ) {
    super();
  }
}

/**
 * Escrow says the money arrived: a pending-payment order whose total equals the amount becomes paid (places sold,
 * OrderPaid in the outbox), in the transaction of the inbox row. Anything else (unknown order, wrong amount,
 * already paid/expired/cancelled) changes nothing and is logged for Escrow's reconciliation.
 */
@CommandHandler(MarkOrderPaidCommand)
export class MarkOrderPaidHandler implements ICommandHandler<MarkOrderPaidCommand> {
  private readonly log = new Logger('Sales.MarkOrderPaid');

  constructor(private readonly outbox: Outbox) {}

  async execute({ em, payment }: MarkOrderPaidCommand): Promise<'paid' | 'ignored'> {
    const loaded = await loadOrder(em, payment.orderId, true);
    if (!loaded) {
      this.log.warn(`payment ${payment.paymentId} for unknown order ${payment.orderId}: ignored`);
      return 'ignored';
    }
    const { order, lines } = loaded;
    if (order.status !== 'pending-payment') {
      this.log.warn(`payment ${payment.paymentId} for order ${order.order_number} which is ${order.status}: ignored`);
      return 'ignored';
    }
    if (payment.amount.currency !== order.currency || payment.amount.minor !== String(order.total_minor)) {
      this.log.warn(`payment ${payment.paymentId} of ${payment.amount.minor} ${payment.amount.currency} does not match order ${order.order_number}: ignored`);
      return 'ignored';
    }
    const [paid] = await runSql<OrderRow>(
      em,
      `update sales."order" set status = 'paid', paid_at = ?, payment_method = ?, payment_id = ? where id = ? and status = 'pending-payment' returning *`,
      [new Date(payment.receivedAt), payment.method, payment.paymentId, order.id],
    );
    await runSql(em, `update sales.stock_unit set status = 'sold' where order_id = ? and status = 'pending'`, [order.id]);
    const core = await orderCore(em, paid, lines);
    await this.outbox.append(
      em,
      integrationEvent(
        SALES_EVENTS.OrderPaid,
        {
          ...core,
          customer: { name: paid.customer_name, email: paid.customer_email },
          paidAt: new Date(paid.paid_at!).toISOString(),
          payment: { method: payment.method, paymentId: payment.paymentId },
        },
        paid.organizer_id,
      ),
    );
    return 'paid';
  }
}

export type CloseKind = 'cancel' | 'refund';

export class CloseOrderCommand extends Command<OrderView> {
  constructor(
    readonly principal: Principal,
    readonly orderId: string,
    readonly kind: CloseKind,
    readonly reason: string,
  ) {
    super();
  }
}

/**
 * Organizer staff cancel an order (pending or paid) or refund a paid one: its places return to their contingents at
 * once and OrderCancelled / OrderRefunded + SeatsReleased go to the outbox in the same transaction.
 */
@CommandHandler(CloseOrderCommand)
export class CloseOrderHandler implements ICommandHandler<CloseOrderCommand> {
  constructor(
    private readonly orm: MikroORM,
    private readonly outbox: Outbox,
  ) {}

  execute(cmd: CloseOrderCommand) {
    return (this.orm.em.fork() as EntityManager).transactional(async (em) => {
      const loaded = await loadOrder(em, cmd.orderId, true);
      if (!loaded || loaded.order.organizer_id !== cmd.principal.organizationId) throw SalesErrors.orderNotFound();
      const { order, lines } = loaded;
      const allowed = cmd.kind === 'cancel' ? ['pending-payment', 'paid'] : ['paid'];
      if (!allowed.includes(order.status)) throw SalesErrors.orderStateConflict(order.status, cmd.kind === 'cancel' ? 'cancelled' : 'refunded');
      const status = cmd.kind === 'cancel' ? 'cancelled' : 'refunded';
      const [closed] = await runSql<OrderRow>(
        em,
        `update sales."order" set status = ?, closed_at = now(), close_reason = ? where id = ? returning *`,
        [status, cmd.reason, order.id],
      );
      const freed = await freeOrderPlaces(em, [order.id]);
      const ticketIds = lines.map((l) => l.ticket_id);
      const base = { orderId: order.id, orderNumber: order.order_number, eventId: order.event_id, organizerId: order.organizer_id, ticketIds };
      const ev =
        cmd.kind === 'cancel'
          ? integrationEvent(SALES_EVENTS.OrderCancelled, { ...base, wasPaid: order.status === 'paid', reason: cmd.reason } satisfies OrderCancelled['payload'], order.organizer_id)
          : integrationEvent(
              SALES_EVENTS.OrderRefunded,
              { ...base, amount: { minor: String(order.total_minor), currency: order.currency } } satisfies OrderRefunded['payload'],
              order.organizer_id,
            );
      await this.outbox.append(em, ev, ...releasedEvents(freed, cmd.kind === 'cancel' ? 'order-cancelled' : 'order-refunded'));
      return toOrderView(closed, lines);
    });
  }
}

/** Returns the places of the given orders to free (their contingent is kept). */
export function freeOrderPlaces(em: EntityManager, orderIds: string[]) {
  return runSql<{ event_id: string; organizer_id: string; seat_id: string | null; area_id: string | null }>(
    em,
    `with f as (update sales.stock_unit set status = 'free', order_id = null, hold_id = null, hold_expires_at = null
                 where order_id = any(?::uuid[]) and status in ('pending', 'sold') returning event_id, seat_id, area_id)
     select f.*, e.organizer_id from f join sales.event e on e.id = f.event_id`,
    [`{${orderIds.join(',')}}`],
  );
}

/** Expires unpaid orders past their deadline (job). */
export async function expireUnpaidOrders(em: EntityManager, outbox: Outbox, batchSize: number): Promise<number> {
  const due = await runSql<OrderRow>(
    em,
    `update sales."order" set status = 'expired', closed_at = now(), close_reason = 'payment deadline passed'
      where id in (select id from sales."order" where status = 'pending-payment' and payment_deadline < now()
                   order by payment_deadline limit ? for update skip locked)
      returning *`,
    [batchSize],
  );
  if (due.length === 0) return 0;
  const freed = await freeOrderPlaces(em, due.map((o) => o.id));
  const tickets = await runSql<{ order_id: string; ticket_id: string }>(
    em,
    `select order_id, ticket_id from sales.order_line where order_id = any(?::uuid[])`,
    [`{${due.map((o) => o.id).join(',')}}`],
  );
  const events: (OrderExpired | ReturnType<typeof releasedEvents>[number])[] = due.map((o) =>
    integrationEvent(
      SALES_EVENTS.OrderExpired,
      {
        orderId: o.id,
        orderNumber: o.order_number,
        eventId: o.event_id,
        organizerId: o.organizer_id,
        ticketIds: tickets.filter((t) => t.order_id === o.id).map((t) => t.ticket_id),
      },
      o.organizer_id,
    ),
  );
  events.push(...releasedEvents(freed, 'order-expired'));
  await outbox.append(em, ...events);
  return due.length;
}

/** Marks holds past their expiry as expired and returns whatever places they still hold (job). */
export async function sweepExpiredHolds(em: EntityManager, outbox: Outbox, batchSize: number): Promise<number> {
  const holds = await runSql<{ id: string }>(
    em,
    `update sales.hold set status = 'expired', closed_at = now()
      where id in (select id from sales.hold where status = 'active' and expires_at < now()
                   order by expires_at limit ? for update skip locked)
      returning id`,
    [batchSize],
  );
  if (holds.length === 0) return 0;
  const freed = await runSql<{ event_id: string; organizer_id: string; seat_id: string | null; area_id: string | null }>(
    em,
    `with f as (update sales.stock_unit set status = 'free', hold_id = null, hold_expires_at = null
                 where hold_id = any(?::uuid[]) and status = 'held' and hold_expires_at < now() returning event_id, seat_id, area_id)
     select f.*, e.organizer_id from f join sales.event e on e.id = f.event_id`,
    [`{${holds.map((h) => h.id).join(',')}}`],
  );
  await outbox.append(em, ...releasedEvents(freed, 'hold-expired'));
  return holds.length;
}
