// The rolling periods the nightly run keeps current on the static site: the last 7, 30 and 90
// computed days and the year to date, each with the period of equal length before it, as range
// rows (METRICS.md §6) whose distinct counts are unions of the stored id sets.
import type { Knex } from 'knex';
import { addDays, localDateTime } from '../lib/calendar.ts';
import { periodRow, previousPeriod, rangePeriod } from '../metrics/period.ts';
import type { DayRow, HourlyRow, OrgReport, RollingPeriod } from '../metrics/report.ts';
import { distinctOverRange } from './id-sets.ts';

export const ROLLING = [
  { name: 'last-7-days', label: 'Last 7 days', days: 7 },
  { name: 'last-30-days', label: 'Last 30 days', days: 30 },
  { name: 'last-90-days', label: 'Last 90 days', days: 90 },
  { name: 'year-to-date', label: 'Year to date', days: null },
] as const;

/** The rolling periods ending with the org's latest computed closed day; none before any day is computed. */
export async function rollingPeriods(store: Knex, report: OrgReport, now: Date): Promise<RollingPeriod[]> {
  const today = localDateTime(now, report.org.timezone).date;
  const closed = report.days.filter((d) => d.date < today).map((d) => d.date).sort();
  const last = closed[closed.length - 1];
  if (!last) return [];
  const byDate = new Map<string, DayRow>(report.days.map((d) => [d.date, d]));
  const hours = new Map<string, HourlyRow[]>();
  for (const h of report.hourly) hours.set(h.date, [...(hours.get(h.date) ?? []), h]);
  const out: RollingPeriod[] = [];
  for (const r of ROLLING) {
    const from = r.days === null ? `${last.slice(0, 4)}-01-01` : addDays(last, -(r.days - 1));
    const rows = [];
    for (const p of [rangePeriod(from, last), previousPeriod(rangePeriod(from, last))]) {
      rows.push(periodRow('range', p.key, p.from, p.to, byDate, hours, await distinctOverRange(store, report.org.id, p.from, p.to), today));
    }
    out.push({ name: r.name, label: r.label, row: rows[0], previous: rows[1] });
  }
  return out;
}
