// What a page says about its data besides the numbers: the notices (period not over, days not
// computed, values from Glific's UTC-day statistics, late snapshots, the fallback zone) and how
// far the data was read.
import type { DayRow, OrgReport, PeriodRow } from '../metrics/report.ts';
import { localDateTime } from '../lib/calendar.ts';
import { formatDate, NOT_KNOWN } from '../lib/words.ts';
import type { Notice } from './model.ts';
import type { Mark } from './headlines.ts';

/** How a provisional value is marked on a page. */
export const MARK_WORDS: Record<Mark, string> = { utc: 'UTC day, from Glific stats', late: 'snapshot taken late' };

export function zoneNotices(report: OrgReport): Notice[] {
  return report.org.timezoneIsFallback
    ? [{ kind: 'zone', text: `This organization has no time zone set in Glific, so dates and hours use the fallback zone ${report.org.timezone}.` }]
    : [];
}

export function dayNotices(report: OrgReport, day: DayRow, closed: boolean): Notice[] {
  const zone = report.org.timezone;
  const n: Notice[] = [];
  if (!closed) n.push({ kind: 'open', text: `${formatDate(day.date)} is not over yet in ${zone}: these numbers are partial and will change.` });
  if (day.utcDayImport) n.push({ kind: 'utc', text: `Some numbers for this day were imported from Glific's own statistics: they count a UTC day, not a ${zone} day (marked “UTC day”).` });
  if (day.lateSnapshot) n.push({ kind: 'late', text: 'Some contact counts were captured long after the end of the day, so they may not be exact (marked “snapshot taken late”).' });
  return n;
}

/** `what`: 'month' or 'period'. */
export function periodNotices(report: OrgReport, p: PeriodRow, what: string): Notice[] {
  const zone = report.org.timezone;
  const n: Notice[] = [];
  if (!p.closed) n.push({ kind: 'open', text: `This ${what} is not over yet in ${zone}: these numbers are for the days so far and will change.` });
  // An open period always lacks its future days; only say so when past days are missing.
  if (!p.complete && p.closed) n.push({ kind: 'incomplete', text: `Not every day of this ${what} has been computed.` });
  if (p.utcDayImport) n.push({ kind: 'utc', text: `Some days of this ${what} were imported from Glific's own statistics: those count UTC days, not ${zone} days.` });
  if (p.lateSnapshot) n.push({ kind: 'late', text: `Some contact counts in this ${what} were captured long after the end of their day, so they may not be exact.` });
  return n;
}

/** "data read up to …": the whole period once the data reaches past its end (`to`). */
export function cutoffText(report: OrgReport, to: string | null): string {
  if (!report.dataCutoff) return NOT_KNOWN;
  const local = localDateTime(report.dataCutoff, report.org.timezone);
  if (to !== null && local.date > to) return `the end of ${formatDate(to)} (the whole period)`;
  return `${formatDate(local.date)}, ${local.time} (${report.org.timezone})`;
}
