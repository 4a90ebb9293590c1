import { Money } from '../../../shared-kernel/money';

/** The printed text of a ticket (pure: the same for security stock and print@home). */
export interface PrintableTicket {
  ticketId: string;
  eventName: string;
  eventStartsAt: Date;
  venueName: string;
  kind: 'seat' | 'ga';
  block: string | null;
  row: string | null;
  seat: string | null;
  areaName: string | null;
  categoryName: string;
  reduction: string;
  priceMinor: bigint;
  currency: string;
  orderNumber: string;
}

export interface TicketText {
  event: string;
  date: string;
  venue: string;
  place: string;
  category: string;
  price: string;
  order: string;
}

const pad = (n: number) => n.toString().padStart(2, '0');

// Building an Intl.DateTimeFormat costs ~0.1 ms (a print run of 3,000 tickets spent 0.4 s on it): one per time zone.
const formats = new Map<string, Intl.DateTimeFormat>();
function dateFormat(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('de-DE', { timeZone, weekday: 'short', day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formats.set(timeZone, f);
  }
  return f;
}

/** Date/time in the event's local convention (Europe/Berlin), e.g. "Sa 12.12.2026 20:00 Uhr". */
export function formatEventDate(d: Date, timeZone = 'Europe/Berlin'): string {
  const parts = dateFormat(timeZone).formatToParts(d);
  const p = (t: string) => parts.find((x) => x.type === t)?.value ?? '';
  return `${p('weekday').replace('.', '')} ${p('day')}.${p('month')}.${p('year')} ${pad(Number(p('hour')))}:${p('minute')} Uhr`;
}

export function ticketText(t: PrintableTicket): TicketText {
  const place =
    t.kind === 'seat'
      ? [t.block && `Block ${t.block}`, t.row && `Reihe ${t.row}`, t.seat && `Platz ${t.seat}`].filter(Boolean).join(' · ')
      : `Stehplatz ${t.areaName ?? ''}`.trim();
  return {
    event: t.eventName,
    date: formatEventDate(t.eventStartsAt),
    venue: t.venueName,
    place,
    category: `${t.categoryName} · ${t.reduction}`,
    price: `${Money.of(t.priceMinor, t.currency).toDecimalString().replace('.', ',')} ${t.currency}`,
    order: `Bestellung ${t.orderNumber}`,
  };
}
