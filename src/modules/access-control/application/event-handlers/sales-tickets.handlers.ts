import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { runSql } from '../../../../infrastructure/database/sql';
import { IntegrationEventConsumer, OnIntegrationEvent } from '../../../../infrastructure/messaging/integration-event-handler.decorator';
import { EventCancelled, EventCreated, OrderCancelled, OrderPaid, OrderRefunded, SALES_EVENTS } from '../../../sales/contracts';
import { AccessDirectory } from '../access-directory';
import { FeedNotifier } from '../feed-notifier';

/**
 * Paid tickets enter the registry (category/area for gate rules; box-office sales appear in the live feed). The
 * barcode itself is self-contained: a ticket missing here is still admitted when its signature checks out.
 */
@Injectable()
@OnIntegrationEvent(SALES_EVENTS.OrderPaid, 'access-control.ticket-registry')
export class OrderPaidHandler implements IntegrationEventConsumer<OrderPaid> {
  constructor(private readonly notifier: FeedNotifier) {}

  async handle(event: OrderPaid, em: EntityManager): Promise<void> {
    const p = event.payload;
    if (!p.lines.length) return;
    const rows = p.lines.map((l) => ({
      ticket_id: l.ticketId,
      kind: l.kind,
      category_id: l.categoryId ?? null,
      area_id: l.areaId ?? null,
      seat_id: l.seatId ?? null,
    }));
    await runSql(
      em,
      `insert into access_control.ticket (ticket_id, event_id, organizer_id, order_id, channel, kind, category_id, area_id, seat_id, sold_at)
       select x.ticket_id, ?, ?, ?, ?, x.kind, lower(x.category_id), lower(x.area_id), lower(x.seat_id), ?
         from jsonb_to_recordset(?::jsonb) as x(ticket_id uuid, kind text, category_id text, area_id text, seat_id text)
       on conflict (ticket_id) do nothing`,
      [p.event.id, p.event.organizerId, p.orderId, p.channel.kind, p.paidAt, JSON.stringify(rows)],
    );
    this.notifier.changed(p.event.id);
  }
}

async function revokeTickets(em: EntityManager, notifier: FeedNotifier, p: { eventId: string; organizerId: string; ticketIds: string[] }, reason: string, at: string) {
  if (!p.ticketIds.length) return;
  await runSql(
    em,
    `insert into access_control.revocation (event_id, organizer_id, ticket_id, issue, reason, source, revoked_at)
     select ?, ?, t, null, ?, 'sales', ? from unnest(?::uuid[]) as t
     on conflict do nothing`,
    [p.eventId, p.organizerId, reason, at, p.ticketIds],
  );
  notifier.changed(p.eventId);
}

/** A cancelled order's tickets are refused from now on (every barcode issue of them). */
@Injectable()
@OnIntegrationEvent(SALES_EVENTS.OrderCancelled, 'access-control.revoke-cancelled')
export class OrderCancelledHandler implements IntegrationEventConsumer<OrderCancelled> {
  constructor(private readonly notifier: FeedNotifier) {}

  handle(event: OrderCancelled, em: EntityManager): Promise<void> {
    return revokeTickets(em, this.notifier, event.payload, `order cancelled: ${event.payload.reason}`.slice(0, 500), event.occurredAt);
  }
}

@Injectable()
@OnIntegrationEvent(SALES_EVENTS.OrderRefunded, 'access-control.revoke-refunded')
export class OrderRefundedHandler implements IntegrationEventConsumer<OrderRefunded> {
  constructor(private readonly notifier: FeedNotifier) {}

  handle(event: OrderRefunded, em: EntityManager): Promise<void> {
    return revokeTickets(em, this.notifier, event.payload, 'order refunded', event.occurredAt);
  }
}

/** A cancelled event admits nobody (scans answer `revoked`; packages say `cancelled: true`). */
@Injectable()
@OnIntegrationEvent(SALES_EVENTS.EventCancelled, 'access-control.event-cancelled')
export class EventCancelledHandler implements IntegrationEventConsumer<EventCancelled> {
  constructor(
    private readonly dir: AccessDirectory,
    private readonly notifier: FeedNotifier,
  ) {}

  async handle(event: EventCancelled, em: EntityManager): Promise<void> {
    const { eventId, organizerId, cancelledAt } = event.payload;
    await runSql(
      em,
      `insert into access_control.event (event_id, organizer_id, cancelled_at) values (?, ?, ?)
       on conflict (event_id) do update set cancelled_at = coalesce(access_control.event.cancelled_at, excluded.cancelled_at),
         config_xid = pg_current_xact_id()
       where access_control.event.organizer_id = excluded.organizer_id`,
      [eventId, organizerId, cancelledAt],
    );
    this.dir.forgetEvent(eventId);
    this.notifier.changed(eventId);
  }
}

/**
 * Sales says who owns a new event: its Access Control row is created for that organizer (default re-entry policy), so
 * no other organizer can claim the event id here (configuring an event otherwise claims it on first use).
 */
@Injectable()
@OnIntegrationEvent(SALES_EVENTS.EventCreated, 'access-control.event-owner')
export class EventCreatedHandler implements IntegrationEventConsumer<EventCreated> {
  async handle(event: EventCreated, em: EntityManager): Promise<void> {
    const { eventId, organizerId } = event.payload;
    await runSql(em, `insert into access_control.event (event_id, organizer_id) values (?, ?) on conflict (event_id) do nothing`, [eventId, organizerId]);
  }
}
