import { formatEventDate, ticketText } from './ticket-text';
import { validityWindow } from './validity';

describe('ticket text and validity', () => {
  const base = {
    ticketId: 't',
    eventName: 'Konzert',
    eventStartsAt: new Date('2026-12-19T19:00:00Z'),
    venueName: 'Halle',
    block: 'B',
    row: '12',
    seat: '7',
    areaName: null,
    categoryName: 'Kat 2',
    reduction: 'reduced',
    priceMinor: 1250n,
    currency: 'EUR',
    orderNumber: 'PT-1',
  };

  it('seatTicket_printsBlockRowSeat_germanDateInBerlinTime_andMinorUnitsAsDecimal', () => {
    const t = ticketText({ ...base, kind: 'seat' });
    expect(t.place).toBe('Block B · Reihe 12 · Platz 7');
    expect(t.date).toBe('Sa 19.12.2026 20:00 Uhr');
    expect(t.price).toBe('12,50 EUR');
    expect(t.category).toBe('Kat 2 · reduced');
  });

  it('gaTicket_printsTheArea', () => {
    expect(ticketText({ ...base, kind: 'ga', areaName: 'Innenraum' }).place).toBe('Stehplatz Innenraum');
  });

  it('summerTime_isRespected', () => {
    expect(formatEventDate(new Date('2026-07-04T18:30:00Z'))).toBe('Sa 04.07.2026 20:30 Uhr');
  });

  it('validityWindow_surroundsTheStart_inWholeSeconds', () => {
    const w = validityWindow(new Date('2026-12-19T19:00:00.750Z'), 24, 6);
    expect(w.from.toISOString()).toBe('2026-12-18T19:00:00.000Z');
    expect(w.until.toISOString()).toBe('2026-12-20T01:00:00.000Z');
  });
});
