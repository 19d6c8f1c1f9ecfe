// Calendar arithmetic on local-day labels ('YYYY-MM-DD'). A label is not an instant: these
// functions never look at a time zone, they only count days on the proleptic calendar.

const RE_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const RE_MONTH = /^(\d{4})-(\d{2})$/;

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

export function addDays(day: string, n: number): string {
  const [y, mo, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, mo - 1, d + n)).toISOString().slice(0, 10);
}

export function eachDate(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
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

/** Local calendar date of an instant in a zone. */
export function localDay(instant: Date, zone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(instant);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** Months lying entirely inside [from, to]. */
export function monthsInside(from: string, to: string): string[] {
  const out: string[] = [];
  for (let m = monthOf(from); firstOfMonth(m) <= to; m = addMonths(m, 1)) {
    if (firstOfMonth(m) >= from && lastOfMonth(m) <= to) out.push(m);
  }
  return out;
}
