// An OrgReport's rows made ready for page building, once per report: the rows whose keys can name
// a page, in key order, and lookups by date and key. Every page builder asks for it, so building
// one page costs the page, not a pass over the whole history (a site build asks hundreds of times).
import type { DayRow, HourlyRow, OrgReport, PeriodRow } from '../metrics/report.ts';
import { isDate, isMonth, isRangeKey } from './links.ts';

export interface ReportIndex {
  /** Days with a well-formed date, oldest first. */
  days: DayRow[];
  byDate: Map<string, DayRow>;
  /** Position of each date in `days`. */
  dayPosition: Map<string, number>;
  months: PeriodRow[];
  monthByKey: Map<string, PeriodRow>;
  ranges: PeriodRow[];
  rangeByKey: Map<string, PeriodRow>;
  hoursByDate: Map<string, HourlyRow[]>;
  /** One line per row dropped because its key could not name a page. */
  warnings: string[];
}

const cache = new WeakMap<OrgReport, ReportIndex>();

export function reportIndex(report: OrgReport): ReportIndex {
  let index = cache.get(report);
  if (index) return index;
  const sc = report.org.shortcode;
  const warnings: string[] = [];
  // Rows whose key could not name a page are dropped with a warning; the rest in key order.
  const wellFormed = <T>(rows: T[], key: (r: T) => string, valid: (k: string) => boolean, what: string): T[] =>
    rows
      .filter((r) => valid(key(r)) || (warnings.push(`org ${sc}: ${what} dropped`), false))
      .sort((a, b) => key(a).localeCompare(key(b)));
  const days = wellFormed(report.days, (d) => d.date, isDate, 'day row with malformed date');
  const months = wellFormed(report.months, (m) => m.key, isMonth, 'month row with malformed key');
  const ranges = wellFormed(report.ranges, (r) => r.key, isRangeKey, 'range row with malformed key');
  const hoursByDate = new Map<string, HourlyRow[]>();
  for (const h of report.hourly) {
    const list = hoursByDate.get(h.date);
    if (list) list.push(h);
    else hoursByDate.set(h.date, [h]);
  }
  index = {
    days,
    byDate: new Map(days.map((d) => [d.date, d])),
    dayPosition: new Map(days.map((d, i) => [d.date, i])),
    months,
    monthByKey: new Map(months.map((m) => [m.key, m])),
    ranges,
    rangeByKey: new Map(ranges.map((r) => [r.key, r])),
    hoursByDate,
    warnings,
  };
  cache.set(report, index);
  return index;
}
