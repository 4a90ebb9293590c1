import type { PrintableTicket } from '../../domain/ticket-text';

/** Columns of ticketing.ticket needed to print (select list + mapper shared by stock and print@home). */
export const PRINTABLE_COLUMNS = `t.ticket_id, t.event_name, t.event_starts_at, t.venue_name, t.kind, t.block, t.row_label, t.seat_label,
  t.area_name, t.category_name, t.reduction, t.price_minor, t.currency, t.order_number`;

export interface PrintableRow {
  ticket_id: string;
  event_name: string;
  event_starts_at: Date | string;
  venue_name: string;
  kind: 'seat' | 'ga';
  block: string | null;
  row_label: string | null;
  seat_label: string | null;
  area_name: string | null;
  category_name: string;
  reduction: string;
  price_minor: string | number;
  currency: string;
  order_number: string;
}

export const toPrintable = (r: PrintableRow): PrintableTicket => ({
  ticketId: r.ticket_id,
  eventName: r.event_name,
  eventStartsAt: new Date(r.event_starts_at),
  venueName: r.venue_name,
  kind: r.kind,
  block: r.block,
  row: r.row_label,
  seat: r.seat_label,
  areaName: r.area_name,
  categoryName: r.category_name,
  reduction: r.reduction,
  priceMinor: BigInt(r.price_minor),
  currency: r.currency.trim(),
  orderNumber: r.order_number,
});
