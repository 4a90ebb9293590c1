import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { runSql } from '../../../../infrastructure/database/sql';
import { IntegrationEventConsumer, OnIntegrationEvent } from '../../../../infrastructure/messaging/integration-event-handler.decorator';
import { JobQueue } from '../../../../infrastructure/jobs/jobs.module';
import { newId } from '../../../../shared-kernel/ids';
import { EventCancelled, EventCreated, OrderCancelled, OrderPaid, OrderRefunded, SALES_EVENTS } from '../../../sales/contracts';
import { BarcodeIssuer } from '../barcodes/barcode-issuer';

/**
 * sales.OrderPaid → the order's tickets become printable (security stock) and, for online orders with an e-mail
 * address, a print@home delivery is queued. No barcode is generated here: only at print time. A ticket cancelled
 * before its OrderPaid arrived (unordered delivery) is recorded as ended straight away.
 */
@Injectable()
@OnIntegrationEvent(SALES_EVENTS.OrderPaid, 'ticketing.order-paid')
export class OrderPaidHandler implements IntegrationEventConsumer<OrderPaid> {
  constructor(private readonly jobs: JobQueue) {}

  async handle(event: OrderPaid, em: EntityManager): Promise<void> {
    const o = event.payload;
    const officeId = o.channel.kind === 'presale-office' ? (o.channel.officeId ?? null) : o.channel.kind === 'box-office' ? o.event.organizerId : null;
    const rows = o.lines.map((l) => ({
      ticket_id: l.ticketId,
      kind: l.kind,
      seat_id: l.seatId ?? null,
      block: l.block ?? null,
      row_label: l.row ?? null,
      seat_label: l.seat ?? null,
      area_id: l.areaId ?? null,
      area_name: l.areaName ?? null,
      category_name: l.categoryName,
      reduction: l.reduction,
      price_minor: l.price.minor,
      currency: l.price.currency,
    }));
    await runSql(
      em,
      `insert into ticketing.ticket (ticket_id, organizer_id, event_id, order_id, order_number, channel, office_id, event_name, event_starts_at,
          venue_name, kind, seat_id, block, row_label, seat_label, area_id, area_name, category_name, reduction, price_minor, currency,
          customer_name, customer_email, status, paid_at, source_event_id, ended_at)
       select x.ticket_id, ?, ?, ?, ?, ?, ?, ?, ?, ?, x.kind, x.seat_id, x.block, x.row_label, x.seat_label, x.area_id, x.area_name,
              x.category_name, x.reduction, x.price_minor::bigint, x.currency, ?, ?, coalesce(tb.status, 'paid'), ?, ?,
              case when tb.status is null then null else tb.at end
         from jsonb_to_recordset(?::jsonb) as x(ticket_id uuid, kind text, seat_id text, block text, row_label text, seat_label text,
              area_id text, area_name text, category_name text, reduction text, price_minor text, currency text)
         left join ticketing.ticket_tombstone tb on tb.ticket_id = x.ticket_id
       on conflict (ticket_id) do nothing`,
      [
        o.event.organizerId,
        o.event.id,
        o.orderId,
        o.orderNumber,
        o.channel.kind,
        officeId,
        o.event.name,
        o.event.startsAt,
        o.event.venueName,
        o.customer.name,
        o.customer.email ?? null,
        o.paidAt,
        event.id,
        JSON.stringify(rows),
      ],
    );
    if (o.channel.kind === 'online' && o.customer.email) {
      const id = newId();
      const created = await runSql(
        em,
        `insert into ticketing.home_delivery (id, order_id, organizer_id, event_id, order_number, email, status)
         values (?, ?, ?, ?, ?, ?, 'pending') on conflict (order_id) do nothing returning id`,
        [id, o.orderId, o.event.organizerId, o.event.id, o.orderNumber, o.customer.email],
      );
      // Fast path; if this transaction rolls back the job finds no delivery and does nothing, and the sweep job
      // picks up any pending delivery whose job was lost.
      if (created.length) await this.jobs.add('ticketing.deliver-home', { deliveryId: id }, { delay: 250, jobId: `deliver-home-${id}` });
    }
  }
}

/** Shared by cancellation, refund and event cancellation: end the tickets and revoke their barcodes. */
async function endTickets(em: EntityManager, issuer: BarcodeIssuer, organizerId: string, ticketIds: string[], status: 'cancelled' | 'refunded', orderId: string | null) {
  if (ticketIds.length === 0) return;
  await runSql(
    em,
    `insert into ticketing.ticket_tombstone (ticket_id, status) select unnest(?::uuid[]), ? on conflict do nothing`,
    [ticketIds, status],
  );
  await runSql(
    em,
    `update ticketing.ticket set status = ?, ended_at = now() where ticket_id = any(?::uuid[]) and organizer_id = ? and status = 'paid'`,
    [status, ticketIds, organizerId],
  );
  await issuer.revokeCurrent(em, organizerId, ticketIds, status);
  if (orderId) await runSql(em, `update ticketing.home_delivery set status = 'cancelled' where order_id = ? and status = 'pending'`, [orderId]);
}

@Injectable()
@OnIntegrationEvent(SALES_EVENTS.OrderCancelled, 'ticketing.order-cancelled')
export class OrderCancelledHandler implements IntegrationEventConsumer<OrderCancelled> {
  constructor(private readonly issuer: BarcodeIssuer) {}
  handle(event: OrderCancelled, em: EntityManager): Promise<void> {
    const p = event.payload;
    return endTickets(em, this.issuer, p.organizerId, p.ticketIds, 'cancelled', p.orderId);
  }
}

@Injectable()
@OnIntegrationEvent(SALES_EVENTS.OrderRefunded, 'ticketing.order-refunded')
export class OrderRefundedHandler implements IntegrationEventConsumer<OrderRefunded> {
  constructor(private readonly issuer: BarcodeIssuer) {}
  handle(event: OrderRefunded, em: EntityManager): Promise<void> {
    const p = event.payload;
    return endTickets(em, this.issuer, p.organizerId, p.ticketIds, 'refunded', p.orderId);
  }
}

@Injectable()
@OnIntegrationEvent(SALES_EVENTS.EventCancelled, 'ticketing.event-cancelled')
export class EventCancelledHandler implements IntegrationEventConsumer<EventCancelled> {
  constructor(private readonly issuer: BarcodeIssuer) {}
  async handle(event: EventCancelled, em: EntityManager): Promise<void> {
    const { eventId, organizerId } = event.payload;
    const rows = await runSql<{ ticket_id: string }>(em, `select ticket_id from ticketing.ticket where event_id = ? and organizer_id = ? and status = 'paid'`, [eventId, organizerId]);
    await endTickets(em, this.issuer, organizerId, rows.map((r) => r.ticket_id), 'cancelled', null);
    await runSql(em, `update ticketing.home_delivery set status = 'cancelled' where event_id = ? and status = 'pending'`, [eventId]);
  }
}

/** Sales says who owns a new event: from then on only that organizer can create or rotate its signing keys. */
@Injectable()
@OnIntegrationEvent(SALES_EVENTS.EventCreated, 'ticketing.event-owner')
export class EventCreatedHandler implements IntegrationEventConsumer<EventCreated> {
  async handle(event: EventCreated, em: EntityManager): Promise<void> {
    const { eventId, organizerId } = event.payload;
    await runSql(em, `insert into ticketing.event_owner (event_id, organizer_id) values (?, ?) on conflict (event_id) do nothing`, [eventId, organizerId]);
  }
}
