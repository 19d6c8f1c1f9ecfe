// The one calendar: local-day and month labels ('YYYY-MM-DD', 'YYYY-MM'), the local date and
// time of an instant in an IANA zone, and the instant of a local wall time (DST-aware). A label is
// not an instant: label arithmetic never looks at a zone, it counts days on the proleptic
// calendar through UTC midnights, so the process time zone can never shift a date. The SQL side
// buckets by zone in PostgreSQL (extract/windows.ts); this module is what Node code uses.

const DAY_MS = 86_400_000;
const RE_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const RE_MONTH = /^(\d{4})-(\d{2})$/;

/** Shape checks for labels that become file names (pages/links.ts). */
export const DATE_RE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
export const MONTH_RE = /^\d{4}-(0[1-9]|1[0-2])$/;

export const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

export function isValidDay(s: string): boolean {
  const m = RE_DAY.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3];
}

export function isValidMonth(s: string): boolean {
  const m = RE_MONTH.exec(s);
  return !!m && +m[2] >= 1 && +m[2] <= 12 && +m[1] >= 1;
}

/** Midnight UTC of a day label, in ms: the label's position on the calendar, not an instant. */
export function toUtcMs(date: string): number {
  // Without split's arrays: a year's page converts tens of thousands of labels.
  if (date.length === 10 && date.charCodeAt(4) === 45 && date.charCodeAt(7) === 45) {
    return Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10));
  }
  const [y, m, d] = date.split('-').map(Number);
  return Date.UTC(y, m - 1, d);
}

export function addDays(day: string, n: number): string {
  return new Date(toUtcMs(day) + n * DAY_MS).toISOString().slice(0, 10);
}

/** How many days from `from` to `to` (0 for the same day). */
export function daysBetween(from: string, to: string): number {
  return Math.round((toUtcMs(to) - toUtcMs(from)) / DAY_MS);
}

export function eachDate(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

/** 0 = Monday … 6 = Sunday. */
export function weekdayIndex(date: string): number {
  return (new Date(toUtcMs(date)).getUTCDay() + 6) % 7;
}

export function monthOf(day: string): string {
  return day.slice(0, 7);
}

export function firstOfMonth(month: string): string {
  return `${month}-01`;
}

export function lastOfMonth(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
}

export function addMonths(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1 + n, 1)).toISOString().slice(0, 7);
}

/** Months lying entirely inside [from, to]. */
export function monthsInside(from: string, to: string): string[] {
  const out: string[] = [];
  for (let m = monthOf(from); firstOfMonth(m) <= to; m = addMonths(m, 1)) {
    if (firstOfMonth(m) >= from && lastOfMonth(m) <= to) out.push(m);
  }
  return out;
}

// Zones ---------------------------------------------------------------------------------------

const formats = new Map<string, Intl.DateTimeFormat>();

/** The wall clock of an instant in a zone (formatters are cached: the scheduler asks often). */
function wallClock(instant: number, zone: string): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  let fmt = formats.get(zone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formats.set(zone, fmt);
  }
  const p: Record<string, number> = {};
  for (const part of fmt.formatToParts(new Date(instant))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return { y: p.year, mo: p.month, d: p.day, h: p.hour, mi: p.minute, s: p.second };
}

const two = (n: number) => String(n).padStart(2, '0');

/** Local calendar date of an instant in a zone. */
export function localDay(instant: Date, zone: string): string {
  const w = wallClock(instant.getTime(), zone);
  return `${w.y}-${two(w.mo)}-${two(w.d)}`;
}

/** The local date and time (HH:MM) of an instant in a zone. */
export function localDateTime(instant: Date | string, zone: string): { date: string; time: string } {
  const t = typeof instant === 'string' ? new Date(instant) : instant;
  const w = wallClock(t.getTime(), zone);
  return { date: `${w.y}-${two(w.mo)}-${two(w.d)}`, time: `${two(w.h)}:${two(w.mi)}` };
}

/** The zone's offset from UTC at an instant, in ms (local minus UTC). */
function offsetAt(instant: number, zone: string): number {
  const w = wallClock(instant, zone);
  return Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s) - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant of a local wall time in a zone. In a DST gap: the offset in force before the gap
 * (so the time lands just after it); when it occurs twice: the first occurrence.
 */
export function zonedInstant(day: string, hour: number, minute: number, zone: string): Date {
  const [y, mo, d] = day.split('-').map(Number);
  const asUtc = Date.UTC(y, mo - 1, d, hour, minute);
  const before = offsetAt(asUtc - DAY_MS, zone);
  const after = offsetAt(asUtc + DAY_MS, zone);
  const valid = [asUtc - before, asUtc - after].filter((t) => {
    const w = wallClock(t, zone);
    return w.h === hour && w.mi === minute && Date.UTC(w.y, w.mo - 1, w.d) === Date.UTC(y, mo - 1, d);
  });
  return new Date(valid.length ? Math.min(...valid) : asUtc - before);
}

const ianaZones = new Map<string, boolean>();

/** Is this a zone name Node (and so the schedule) understands? PostgreSQL's list is checked apart. */
export function isIanaZone(zone: string): boolean {
  // Each org's zone is asked several times per run, and a formatter costs a millisecond.
  let ok = ianaZones.get(zone);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      ok = zone.includes('/') || zone === 'UTC';
    } catch {
      ok = false;
    }
    ianaZones.set(zone, ok);
  }
  return ok;
}
