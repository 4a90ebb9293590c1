/**
 * The nightly maintenance window (default 02:00–05:00 Europe/Berlin) in which heavy jobs run: daily/weekly/monthly
 * backups, restore drills, CRL and report regeneration. Pure functions over wall-clock time in the window's zone
 * (daylight-saving changes included); a window may span midnight (e.g. 23:00–01:00).
 */
export interface WindowSpec {
  start: string; // HH:MM
  end: string; // HH:MM
  timeZone: string;
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Wall-clock minutes since midnight and weekday (0 = Sunday) of `at` in `timeZone`. */
export function localTime(at: Date, timeZone: string): { minutes: number; weekday: number; day: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hour12: false,
    hour: '2-digit',
    minute: '2-digit',
    weekday: 'short',
    day: 'numeric',
  }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '0';
  const hour = Number(get('hour')) % 24;
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(get('weekday'));
  return { minutes: hour * 60 + Number(get('minute')), weekday, day: Number(get('day')) };
}

export function isInWindow(at: Date, w: WindowSpec): boolean {
  const m = localTime(at, w.timeZone).minutes;
  const s = minutesOf(w.start);
  const e = minutesOf(w.end);
  return s <= e ? m >= s && m < e : m >= s || m < e;
}

/** The next moment (minute resolution) at or after `from` that is inside the window. */
export function nextWindowOpening(from: Date, w: WindowSpec): Date {
  if (isInWindow(from, w)) return from;
  const t = new Date(Math.ceil(from.getTime() / 60_000) * 60_000);
  for (let i = 0; i < 2 * 24 * 60; i++) {
    if (isInWindow(t, w)) return t;
    t.setTime(t.getTime() + 60_000);
  }
  throw new Error('maintenance window never opens');
}

/** Cron pattern (minute hour dom month dow) for `offsetMin` minutes after the window start, in the window's zone. */
export function cronInWindow(w: WindowSpec, offsetMin: number, field: { dayOfWeek?: number; dayOfMonth?: number } = {}): string {
  const total = (minutesOf(w.start) + offsetMin) % (24 * 60);
  return `${total % 60} ${Math.floor(total / 60)} ${field.dayOfMonth ?? '*'} * ${field.dayOfWeek ?? '*'}`;
}

/** Window length in minutes. */
export function windowMinutes(w: WindowSpec): number {
  const d = minutesOf(w.end) - minutesOf(w.start);
  return d > 0 ? d : d + 24 * 60;
}
