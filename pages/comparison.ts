// What a period is compared with, in words: metrics/period.ts decides which period (the day
// before; the month before, or the same days of it while a month is open; the period of equal
// length before a range), this module says it for the pages and the digests.
import { comparePeriod, mostActiveHour, monthPeriod, previousPeriod, rangePeriod, type PeriodRef } from '../metrics/period.ts';
import type { PeriodRow } from '../metrics/report.ts';
import { eachDate, monthOf, daysBetween } from '../lib/calendar.ts';
import { formatDate, formatMonth, formatSpan } from '../lib/words.ts';
import type { Compared } from './headlines.ts';
import type { ReportIndex } from './report-index.ts';

export interface PeriodComparison {
  /** Null when nothing computed can be compared with. */
  compared: Compared | null;
  /** The period compared with (also when its figures are missing). */
  period: PeriodRef;
  /** The sentence under the headlines. */
  note: string;
  /** The most active hour of what is compared with. */
  mostActiveHour: number | null;
}

const DISTINCT_PART =
  'Active contacts and BSP-reported conversations count each contact or conversation once over the whole period, so part of a month cannot be compared.';
const RANGE_DISTINCT =
  'Active contacts and BSP-reported conversations count each contact or conversation once over a whole range: they are known only for a range computed as such, and compared only with another.';

/** Why a month's distinct counts may still be empty (docs/METRICS-DECISIONS.md §12). */
function distinctPending(row: PeriodRow): string {
  if (row.values.active_contacts != null && row.values.conversations != null) return '';
  return row.closed
    ? ' Active contacts and BSP-reported conversations of the month are counted once over the whole month by the monthly job, which has not run for it yet.'
    : ' Active contacts and BSP-reported conversations count each contact or conversation once over the whole month: they are known once the month has closed.';
}

/** "the day before", "the 7 days before" — a range's previous period by its length. */
function daysBefore(p: PeriodRef): string {
  const n = daysBetween(p.from, p.to) + 1;
  return n === 1 ? 'the day before' : `the ${n} days before`;
}

/**
 * The comparison of a period: `row` is the month or range row (null for a day). The most active
 * hour compared with is the compared period's own when it has a row, else it is counted from
 * the hours of the days compared (the same days of an open month).
 */
export function comparisonOf(index: ReportIndex, period: PeriodRef, row: PeriodRow | null): PeriodComparison {
  const cmp = comparePeriod(period, row, index.byDate, index.monthByKey, index.rangeByKey);
  const hourOf = (p: PeriodRef): number | null => {
    const own = p.kind === 'day' ? index.byDate.get(p.key) : p.kind === 'month' ? index.monthByKey.get(p.key) : index.rangeByKey.get(p.key);
    if (own) return own.mostActiveHour;
    return mostActiveHour(eachDate(p.from, p.to).flatMap((d) => index.hoursByDate.get(d) ?? []));
  };

  if (period.kind === 'day') {
    if (!cmp) return { compared: null, period: previousPeriod(period), note: 'No figures for the day before to compare with.', mostActiveHour: null };
    const against = formatDate(cmp.period.key);
    return {
      compared: { values: cmp.values, against, comparable: cmp.comparable },
      period: cmp.period,
      note: `Changes are against the day before, ${against}.`,
      mostActiveHour: hourOf(cmp.period),
    };
  }

  if (period.kind === 'month') {
    const pending = row ? distinctPending(row) : '';
    const before = previousPeriod(monthPeriod(period.key));
    if (!cmp) return { compared: null, period: before, note: `No figures for ${formatMonth(before.key)} to compare with.` + pending, mostActiveHour: null };
    if (!cmp.sameDays) {
      const against = formatMonth(cmp.period.key);
      return { compared: { values: cmp.values, against, comparable: cmp.comparable }, period: cmp.period, note: `Changes are against ${against}.` + pending, mostActiveHour: hourOf(cmp.period) };
    }
    return {
      compared: { values: cmp.values, against: `the same days of ${formatMonth(monthOf(cmp.period.from))}`, comparable: cmp.comparable },
      period: cmp.period,
      note: `Changes are against the same days of the previous month (${formatSpan(cmp.period.from, cmp.period.to)}). ${DISTINCT_PART}` + pending,
      mostActiveHour: hourOf(cmp.period),
    };
  }

  // A range: the period of equal length before it (over the days so far while it is open).
  // Its distinct counts are known only when it was computed as a range, and compared only with
  // another such range.
  const distinct = row && (row.values.active_contacts == null || row.values.conversations == null || (cmp && !cmp.comparable('active_contacts'))) ? ` ${RANGE_DISTINCT}` : '';
  if (!cmp) {
    const before = previousPeriod(rangePeriod(period.from, period.to));
    return { compared: null, period: before, note: `No figures for ${daysBefore(before)} (${formatSpan(before.from, before.to)}) to compare with.` + distinct, mostActiveHour: null };
  }
  const span = formatSpan(cmp.period.from, cmp.period.to);
  const note = cmp.sameDays
    ? `This period is not over yet: its days so far are compared with as many days just before it (${span}).`
    : `Changes are against ${daysBefore(cmp.period)}, ${span}.`;
  return {
    compared: { values: cmp.values, against: span, comparable: cmp.comparable },
    period: cmp.period,
    note: note + distinct,
    mostActiveHour: hourOf(cmp.period),
  };
}
