import { cronInWindow, isInWindow, nextWindowOpening, windowMinutes } from './maintenance-window';

const berlin = { start: '02:00', end: '05:00', timeZone: 'Europe/Berlin' };

describe('maintenance window', () => {
  it('is open 02:00–05:00 Berlin time in winter (UTC+1) and summer (UTC+2)', () => {
    expect(isInWindow(new Date('2026-12-04T01:00:00Z'), berlin)).toBe(true); // 02:00 CET
    expect(isInWindow(new Date('2026-12-04T00:59:00Z'), berlin)).toBe(false); // 01:59 CET
    expect(isInWindow(new Date('2026-12-04T03:59:00Z'), berlin)).toBe(true); // 04:59 CET
    expect(isInWindow(new Date('2026-12-04T04:00:00Z'), berlin)).toBe(false); // 05:00 CET
    expect(isInWindow(new Date('2026-07-01T00:30:00Z'), berlin)).toBe(true); // 02:30 CEST
    expect(isInWindow(new Date('2026-07-01T03:00:00Z'), berlin)).toBe(false); // 05:00 CEST
  });

  it('handles a window across midnight', () => {
    const w = { start: '23:00', end: '01:00', timeZone: 'UTC' };
    expect(isInWindow(new Date('2026-12-04T23:30:00Z'), w)).toBe(true);
    expect(isInWindow(new Date('2026-12-05T00:59:00Z'), w)).toBe(true);
    expect(isInWindow(new Date('2026-12-05T01:00:00Z'), w)).toBe(false);
    expect(windowMinutes(w)).toBe(120);
  });

  it('finds the next opening', () => {
    expect(nextWindowOpening(new Date('2026-12-04T12:00:00Z'), berlin).toISOString()).toBe('2026-12-05T01:00:00.000Z');
    const inside = new Date('2026-12-04T02:00:00Z');
    expect(nextWindowOpening(inside, berlin)).toBe(inside);
  });

  it('builds cron patterns relative to the window start', () => {
    expect(cronInWindow(berlin, 0)).toBe('0 2 * * *');
    expect(cronInWindow(berlin, 75, { dayOfWeek: 0 })).toBe('15 3 * * 0');
    expect(cronInWindow(berlin, 30, { dayOfMonth: 1 })).toBe('30 2 1 * *');
  });
});
