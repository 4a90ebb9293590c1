/**
 * The Sales module's public face: integration events other modules consume (through the outbox), nothing else.
 * Payloads carry the state consumers need (event-carried state transfer), so Escrow and Ticketing never read Sales
 * tables. Money is `{ minor: string (integer minor units), currency: ISO 4217 }`.
 */
import type { IntegrationEvent } from '../../../shared-kernel/integration-event';

export interface MoneyDto {
  /** Integer minor units as a decimal string (bigint-safe), e.g. "4500" = 45.00 EUR. */
  minor: string;
  currency: string;
}

export type SalesChannelKind = 'online' | 'box-office' | 'presale-office';

export interface SalesChannelRef {
  kind: SalesChannelKind;
  /** The selling presale office's organization id (presale-office channel only). */
  officeId?: string | null;
}

export interface EventSnapshot {
  id: string;
  organizerId: string;
  name: string;
  /** ISO-8601 start of the event. */
  startsAt: string;
  venueName: string;
}

/** One order line = one ticket. `ticketId` is assigned by Sales and used by Ticketing and Access Control. */
export interface OrderLineDto {
  ticketId: string;
  kind: 'seat' | 'ga';
  seatId?: string | null;
  /** Block / row / seat labels as printed. */
  block?: string | null;
  row?: string | null;
  seat?: string | null;
  areaId?: string | null;
  areaName?: string | null;
  categoryId: string;
  categoryName: string;
  /** adult | child | reduced | complimentary | … (the event's price table) */
  reduction: string;
  price: MoneyDto;
}

interface OrderCore {
  orderId: string;
  /** Human-readable order number, unique per platform, e.g. "PT-7K3M9Q". */
  orderNumber: string;
  event: EventSnapshot;
  channel: SalesChannelRef;
  total: MoneyDto;
  lines: OrderLineDto[];
}

/** An order was placed from a hold. Online: pending payment until the deadline. Counter: already paid (see OrderPaid). */
export type OrderPlaced = IntegrationEvent<
  'sales.OrderPlaced',
  OrderCore & {
    customer: { name: string; email?: string | null };
    paymentDeadline: string | null;
    paidAtCounter: boolean;
  }
>;

/** The order is paid: online after Escrow's PaymentReceived, counter sales at once (the office owes escrow the money). */
export type OrderPaid = IntegrationEvent<
  'sales.OrderPaid',
  OrderCore & {
    paidAt: string;
    payment: { method: 'bank-transfer' | 'card' | 'cash' | 'card-terminal'; paymentId?: string | null };
    customer: { name: string; email?: string | null };
  }
>;

export type OrderCancelled = IntegrationEvent<
  'sales.OrderCancelled',
  { orderId: string; orderNumber: string; eventId: string; organizerId: string; ticketIds: string[]; wasPaid: boolean; reason: string }
>;

export type OrderExpired = IntegrationEvent<
  'sales.OrderExpired',
  { orderId: string; orderNumber: string; eventId: string; organizerId: string; ticketIds: string[] }
>;

export type OrderRefunded = IntegrationEvent<
  'sales.OrderRefunded',
  { orderId: string; orderNumber: string; eventId: string; organizerId: string; ticketIds: string[]; amount: MoneyDto }
>;

export type SeatsReleased = IntegrationEvent<
  'sales.SeatsReleased',
  {
    eventId: string;
    seatIds: string[];
    ga: { areaId: string; quantity: number }[];
    reason: 'hold-expired' | 'hold-released' | 'order-expired' | 'order-cancelled' | 'order-refunded' | 'event-cancelled';
  }
>;

/**
 * An organizer created an event: from now on it is theirs. Ticketing and Access Control record the owner, so no other
 * organizer can claim the event id there (their signing keys, gates and devices are created on first use).
 */
export type EventCreated = IntegrationEvent<'sales.EventCreated', { eventId: string; organizerId: string; name: string; startsAt: string }>;

/** The organizer cancelled the event: Escrow refunds every paid order, Ticketing and Access Control void tickets. */
export type EventCancelled = IntegrationEvent<'sales.EventCancelled', { eventId: string; organizerId: string; reason: string; cancelledAt: string }>;

export const SALES_EVENTS = {
  OrderPlaced: 'sales.OrderPlaced',
  OrderPaid: 'sales.OrderPaid',
  OrderCancelled: 'sales.OrderCancelled',
  OrderExpired: 'sales.OrderExpired',
  OrderRefunded: 'sales.OrderRefunded',
  SeatsReleased: 'sales.SeatsReleased',
  EventCancelled: 'sales.EventCancelled',
  EventCreated: 'sales.EventCreated',
} as const;
