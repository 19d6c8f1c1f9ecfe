// Local calendar dates as 'YYYY-MM-DD' strings. Arithmetic goes through UTC midnights so the
// process time zone can never shift a date.
// The calendar arithmetic itself is metrics/days.ts; charts add weekdays and display times.
import { addDays, addMonths, eachDate, firstOfMonth, lastOfMonth, monthOf } from '../metrics/days.ts';

export { addDays, addMonths, eachDate, firstOfMonth, lastOfMonth, monthOf };

const DAY_MS = 86_400_000;

export function toUtcMs(date: string): number {
  const [y, m, d] = date.split('-').map(Number);
  return Date.UTC(y, m - 1, d);
}

/** How many days from `from` to `to` (0 for the same day). */
export function daysBetween(from: string, to: string): number {
  return Math.round((toUtcMs(to) - toUtcMs(from)) / DAY_MS);
}

export const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** 0 = Monday … 6 = Sunday. */
export function weekdayIndex(date: string): number {
  return (new Date(toUtcMs(date)).getUTCDay() + 6) % 7;
}

/** The local date and time of an instant in an IANA zone. */
export function localDateTime(instant: Date | string, zone: string): { date: string; time: string } {
  const t = typeof instant === 'string' ? new Date(instant) : instant;
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(t);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  return { date: `${get('year')}-${get('month')}-${get('day')}`, time: `${get('hour')}:${get('minute')}` };
}

export const DATE_RE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
export const MONTH_RE = /^\d{4}-(0[1-9]|1[0-2])$/;
