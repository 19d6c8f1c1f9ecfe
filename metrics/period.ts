// The values of months and ranges (METRICS.md §6) and what a period is compared with: the one
// place for these rules, used by the results store's reader, the pages and the digests.
import { addDays, addMonths, daysBetween, eachDate, firstOfMonth, lastOfMonth } from '../lib/calendar.ts';
import { mostActiveHourOf } from './activity.ts';
import { DAILY_KEYS, KEYS, kindOf, type KeyInfo, type MetricKey } from './registry.ts';
import type { DayRow, HourlyRow, PeriodRow, Values } from './report.ts';

/** The most active hour of a set of hourly rows (METRICS.md §4). */
export function mostActiveHour(hours: Iterable<{ hour: number; inbound: number; outbound: number }>): number | null {
  const sums = new Array<number>(24).fill(0);
  for (const h of hours) sums[h.hour] += h.inbound + h.outbound;
  return mostActiveHourOf(sums);
}

/**
 * One key's value over a period from its days: an event key is the sum of the days (unknown if
 * any day is unknown, or none is given); a distinct key is what was counted for the whole period;
 * a snapshot is the last day's.
 */
export function periodValue(key: string, info: Pick<KeyInfo, 'kind' | 'sumKnownDays'>, days: readonly DayRow[], distinct: Readonly<Record<string, number | null | undefined>>): number | null {
  const values = days.map((d) => (d.values as Record<string, number | null | undefined>)[key]);
  if (info.kind === 'snapshot') return values[values.length - 1] ?? null;
  if (info.kind === 'distinct') return distinct[key] ?? null;
  const known = values.filter((x): x is number => x !== null && x !== undefined);
  if (known.length === 0 || (!info.sumKnownDays && known.length < values.length)) return null;
  return known.reduce((a, b) => a + b, 0);
}

/** Values of a period from its days (§6), `distinct` holding what was counted over the period. */
export function periodValues(days: readonly DayRow[], distinct: Partial<Record<MetricKey, number | null>>): Values {
  const v: Values = {};
  for (const key of DAILY_KEYS) v[key] = periodValue(key, KEYS[key], days, distinct);
  return v;
}

/** A month or range row from the stored days and hours; `today` is the org's local date. */
export function periodRow(
  kind: 'month' | 'range',
  key: string,
  from: string,
  to: string,
  days: ReadonlyMap<string, DayRow>,
  hours: ReadonlyMap<string, readonly HourlyRow[]>,
  distinct: Partial<Record<MetricKey, number | null>>,
  today: string,
): PeriodRow {
  const span = eachDate(from, to);
  const inside = span.map((d) => days.get(d)).filter((d): d is DayRow => !!d);
  return {
    kind,
    key,
    from,
    to,
    values: periodValues(inside, distinct),
    mostActiveHour: mostActiveHour(span.flatMap((d) => hours.get(d) ?? [])),
    closed: to < today,
    complete: inside.length === span.length,
    utcDayImport: inside.some((d) => d.utcDayImport),
    lateSnapshot: inside.some((d) => d.lateSnapshot),
  };
}

// Comparisons -----------------------------------------------------------------------------------

export interface PeriodRef {
  kind: 'day' | 'month' | 'range';
  /** 'YYYY-MM-DD', 'YYYY-MM' or 'YYYY-MM-DD_YYYY-MM-DD'. */
  key: string;
  from: string;
  to: string;
}

export const dayPeriod = (date: string): PeriodRef => ({ kind: 'day', key: date, from: date, to: date });
export const monthPeriod = (month: string): PeriodRef => ({ kind: 'month', key: month, from: firstOfMonth(month), to: lastOfMonth(month) });
export const rangePeriod = (from: string, to: string): PeriodRef => ({ kind: 'range', key: `${from}_${to}`, from, to });

/** The period before, of the same length: the day before, the month before, or as many days before a range. */
export function previousPeriod(p: PeriodRef): PeriodRef {
  if (p.kind === 'day') return dayPeriod(addDays(p.from, -1));
  if (p.kind === 'month') return monthPeriod(addMonths(p.key, -1));
  const n = daysBetween(p.from, p.to) + 1;
  return rangePeriod(addDays(p.from, -n), addDays(p.from, -1));
}

/**
 * The same days of the previous month as a month's days up to `lastDay`: from its first day to
 * the same day number, or to its end when it is shorter (31 March → 28 or 29 February).
 */
export function sameDaysOfPreviousMonth(month: string, lastDay: string): PeriodRef {
  const prev = addMonths(month, -1);
  const end = lastOfMonth(prev);
  const n = Number(lastDay.slice(8, 10));
  return rangePeriod(firstOfMonth(prev), n >= Number(end.slice(8, 10)) ? end : `${prev}-${String(n).padStart(2, '0')}`);
}

export interface Comparison {
  /** What the values are of: the previous period, or the same days of the previous month. */
  period: PeriodRef;
  /**
   * The period is not over yet and is compared over its days so far: with the same days of the
   * previous month, or for a range with as many days just before it.
   */
  sameDays: boolean;
  values: Values;
  /** Distinct counts of part of a month cannot be rebuilt from its days. */
  comparable: (key: MetricKey) => boolean;
}

/** A day is compared with the day before, when that was computed. */
export function compareDay(date: string, days: ReadonlyMap<string, DayRow>): Comparison | null {
  const period = previousPeriod(dayPeriod(date));
  const prev = days.get(period.key);
  return prev ? { period, sameDays: false, values: prev.values, comparable: () => true } : null;
}

/**
 * A closed month is compared with the whole previous month. An open month is compared with the
 * same days of the previous month (up to its last computed day), all of which must have been
 * computed: event counts summed over those days, snapshots at the last of them; distinct counts
 * (active contacts, billed conversations) cannot be rebuilt from days and are not compared.
 */
export function compareMonth(row: PeriodRow, days: ReadonlyMap<string, DayRow>, months: ReadonlyMap<string, PeriodRow>): Comparison | null {
  const previous = previousPeriod(monthPeriod(row.key));
  if (row.closed) {
    const prev = months.get(previous.key);
    return prev ? { period: previous, sameDays: false, values: prev.values, comparable: () => true } : null;
  }
  // The month's own dates, not every day of the history: pages ask this once per page.
  let last: string | null = null;
  for (const d of eachDate(firstOfMonth(row.key), lastOfMonth(row.key))) if (days.has(d)) last = d;
  if (last === null) return null;
  const period = sameDaysOfPreviousMonth(row.key, last);
  const prevDays = eachDate(period.from, period.to).map((d) => days.get(d));
  if (prevDays.some((d) => !d)) return null;
  return { period, sameDays: true, values: periodValues(prevDays as DayRow[], {}), comparable: (k) => kindOf(k) !== 'distinct' };
}

/**
 * A range is compared with the period of equal length just before it: with that range's own row
 * when it was computed as a range (its distinct counts are known), else from its days, all of
 * which must have been computed (distinct counts then cannot be compared). A range not over yet
 * is compared over its days so far, with as many days just before it.
 */
export function compareRange(row: PeriodRow, days: ReadonlyMap<string, DayRow>, ranges: ReadonlyMap<string, PeriodRow>): Comparison | null {
  let end = row.to;
  if (!row.closed) {
    const computed = eachDate(row.from, row.to).filter((d) => days.has(d));
    if (computed.length === 0) return null;
    end = computed[computed.length - 1];
  }
  const period = previousPeriod(rangePeriod(row.from, end));
  const sameDays = end !== row.to;
  const stored = sameDays ? undefined : ranges.get(period.key);
  if (stored) return { period, sameDays, values: stored.values, comparable: () => true };
  const prevDays = eachDate(period.from, period.to).map((d) => days.get(d));
  if (prevDays.some((d) => !d)) return null;
  return { period, sameDays, values: periodValues(prevDays as DayRow[], {}), comparable: (k) => kindOf(k) !== 'distinct' };
}

/** What a day, month or range is compared with (null: nothing computed to compare with). */
export function comparePeriod(
  p: PeriodRef,
  row: PeriodRow | null,
  days: ReadonlyMap<string, DayRow>,
  months: ReadonlyMap<string, PeriodRow>,
  ranges: ReadonlyMap<string, PeriodRow>,
): Comparison | null {
  if (p.kind === 'day') return compareDay(p.key, days);
  if (!row) return null;
  return p.kind === 'month' ? compareMonth(row, days, months) : compareRange(row, days, ranges);
}
