import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { IntegrationEventConsumer, OnIntegrationEvent } from '../../../../infrastructure/messaging/integration-event-handler.decorator';
import { EventCancelled, OrderCancelled, OrderExpired, OrderPaid, OrderPlaced, OrderRefunded, SALES_EVENTS } from '../../../sales/contracts';
import { OrderEventsService } from '../order-events.service';

/*
 * Thin consumers of Sales' order events: each turns the event into the escrow's own command, inside the transaction
 * that records the inbox row (exactly one effect per event and consumer).
 */

@Injectable()
@OnIntegrationEvent(SALES_EVENTS.OrderPlaced, 'escrow.order-placed')
export class OrderPlacedHandler implements IntegrationEventConsumer<OrderPlaced> {
  constructor(private readonly orders: OrderEventsService) {}
  handle(event: OrderPlaced, em: EntityManager): Promise<void> {
    return this.orders.placed(em, event.payload, event.occurredAt);
  }
}

@Injectable()
@OnIntegrationEvent(SALES_EVENTS.OrderPaid, 'escrow.order-paid')
export class OrderPaidHandler implements IntegrationEventConsumer<OrderPaid> {
  constructor(private readonly orders: OrderEventsService) {}
  handle(event: OrderPaid, em: EntityManager): Promise<void> {
    return this.orders.paid(em, event.payload);
  }
}

@Injectable()
@OnIntegrationEvent(SALES_EVENTS.OrderExpired, 'escrow.order-expired')
export class OrderExpiredHandler implements IntegrationEventConsumer<OrderExpired> {
  constructor(private readonly orders: OrderEventsService) {}
  handle(event: OrderExpired, em: EntityManager): Promise<void> {
    return this.orders.expired(em, event.payload.orderId);
  }
}

@Injectable()
@OnIntegrationEvent(SALES_EVENTS.OrderCancelled, 'escrow.order-cancelled')
export class OrderCancelledHandler implements IntegrationEventConsumer<OrderCancelled> {
  constructor(private readonly orders: OrderEventsService) {}
  handle(event: OrderCancelled, em: EntityManager): Promise<void> {
    return this.orders.cancelled(em, event.payload.orderId, event.payload.reason || 'order cancelled');
  }
}

@Injectable()
@OnIntegrationEvent(SALES_EVENTS.OrderRefunded, 'escrow.order-refunded')
export class OrderRefundedHandler implements IntegrationEventConsumer<OrderRefunded> {
  constructor(private readonly orders: OrderEventsService) {}
  handle(event: OrderRefunded, em: EntityManager): Promise<void> {
    const minor = /^\d{1,15}$/.test(event.payload.amount?.minor ?? '') ? BigInt(event.payload.amount.minor) : 0n;
    return this.orders.refunded(em, event.payload.orderId, minor, 'refunded by the organizer');
  }
}

@Injectable()
@OnIntegrationEvent(SALES_EVENTS.EventCancelled, 'escrow.event-cancelled')
export class EventCancelledHandler implements IntegrationEventConsumer<EventCancelled> {
  constructor(private readonly orders: OrderEventsService) {}
  handle(event: EventCancelled, em: EntityManager): Promise<void> {
    return this.orders.eventCancelled(em, event.payload.eventId, event.payload.reason || 'event cancelled');
  }
}

export const SALES_EVENT_HANDLERS = [OrderPlacedHandler, OrderPaidHandler, OrderExpiredHandler, OrderCancelledHandler, OrderRefundedHandler, EventCancelledHandler];
