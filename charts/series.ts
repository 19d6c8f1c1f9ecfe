// Picking a window of an OrgReport's rows and shaping it for charts and tables.
import type { DayRow, OrgReport } from '../metrics/report.ts';
import type { MetricKey } from '../metrics/registry.ts';
import type { Cell } from './types.ts';
import type { LongRow } from './shapes.ts';
import { eachDate, WEEKDAYS, weekdayIndex } from '../lib/calendar.ts';
import { mostActiveHourOf } from '../metrics/activity.ts';

export interface Window {
  report: OrgReport;
  from: string;
  to: string;
  dates: string[];
  byDate: Map<string, DayRow>;
}

const dayIndexes = new WeakMap<OrgReport, Map<string, DayRow>>();

/** Day rows by date, built once per report (pages ask for hundreds of windows of one report). */
export function dayIndex(report: OrgReport): Map<string, DayRow> {
  let m = dayIndexes.get(report);
  if (!m) {
    m = new Map(report.days.map((d) => [d.date, d]));
    dayIndexes.set(report, m);
  }
  return m;
}

const lastDates = new WeakMap<OrgReport, string>();

/** The latest day the report holds ('' when none). */
export function lastDate(report: OrgReport): string {
  let d = lastDates.get(report);
  if (d === undefined) {
    d = report.days.reduce((m, r) => (r.date > m ? r.date : m), '');
    lastDates.set(report, d);
  }
  return d;
}

export function windowOf(report: OrgReport, from: string, to: string): Window {
  return { report, from, to, dates: eachDate(from, to), byDate: dayIndex(report) };
}

export function valueOf(w: Window, date: string, key: MetricKey): number | null {
  const v = w.byDate.get(date)?.values[key];
  return v === undefined || v === null ? null : v;
}

/** Long-format rows (date, series, value) for line charts, a row per date even when unknown. */
export function longRows(w: Window, series: Array<{ key: MetricKey; label: string }>): LongRow[] {
  const out: LongRow[] = [];
  for (const date of w.dates) for (const s of series) out.push({ date, series: s.label, value: valueOf(w, date, s.key) });
  return out;
}

export function dailyTable(w: Window, keys: Array<{ key: MetricKey; label: string }>): { columns: string[]; rows: Cell[][] } {
  return {
    columns: ['Date', ...keys.map((k) => k.label)],
    rows: w.dates.map((date) => [date, ...keys.map((k) => valueOf(w, date, k.key))]),
  };
}

export interface Total {
  sum: number | null;
  missingDays: number;
}

/** Sum of the known daily values; null when no day is known. */
export function total(w: Window, key: MetricKey): Total {
  let sum = 0;
  let known = 0;
  let considered = 0;
  const last = lastDate(w.report);
  for (const date of w.dates) {
    // Days after the latest computed day are the future of an open period, not missing data.
    if (date > last) break;
    considered++;
    const v = valueOf(w, date, key);
    if (v !== null) {
      sum += v;
      known++;
    }
  }
  return { sum: known ? sum : null, missingDays: considered - known };
}

export interface Extremes {
  min: { date: string; value: number } | null;
  max: { date: string; value: number } | null;
}

export function extremes(w: Window, key: MetricKey): Extremes {
  let min: Extremes['min'] = null;
  let max: Extremes['max'] = null;
  for (const date of w.dates) {
    const v = valueOf(w, date, key);
    if (v === null) continue;
    if (!min || v < min.value) min = { date, value: v };
    if (!max || v > max.value) max = { date, value: v };
  }
  return { min, max };
}

/** Snapshot values at the end of the latest day of the window that has them. */
export function latestSnapshot(w: Window, keys: MetricKey[]): { date: string; values: Partial<Record<MetricKey, number | null>> } | null {
  for (let i = w.dates.length - 1; i >= 0; i--) {
    const day = w.byDate.get(w.dates[i]);
    if (day && keys.some((k) => day.values[k] !== undefined && day.values[k] !== null)) {
      const values: Partial<Record<MetricKey, number | null>> = {};
      for (const k of keys) values[k] = day.values[k] ?? null;
      return { date: day.date, values };
    }
  }
  return null;
}

export interface HourlyTotals {
  inbound: number[];
  outbound: number[];
  /** Messages by weekday (0 = Monday) and hour. */
  byWeekday: number[][];
  /** Whether any hourly row fell in the window. */
  known: boolean;
}

const hourlyIndexes = new WeakMap<OrgReport, Map<string, Array<{ hour: number; inbound: number; outbound: number }>>>();

export function hourlyTotals(w: Window): HourlyTotals {
  let idx = hourlyIndexes.get(w.report);
  if (!idx) {
    idx = new Map();
    for (const r of w.report.hourly) {
      let list = idx.get(r.date);
      if (!list) idx.set(r.date, (list = []));
      list.push(r);
    }
    hourlyIndexes.set(w.report, idx);
  }
  const inbound = new Array<number>(24).fill(0);
  const outbound = new Array<number>(24).fill(0);
  const byWeekday = WEEKDAYS.map(() => new Array<number>(24).fill(0));
  let known = false;
  for (const date of w.dates) {
    const rows = idx.get(date);
    // A day computed from raw rows with no hourly rows had no messages: known, and zero. A day
    // imported from Glific's stats has no hours at all.
    if (!known) {
      const day = w.byDate.get(date);
      known = rows !== undefined || (day !== undefined && day.values.inbound_messages != null && day.provenance.inbound_messages?.source !== 'glific_stats');
    }
    if (!rows) continue;
    const wd = weekdayIndex(date);
    for (const r of rows) {
      if (r.hour < 0 || r.hour > 23) continue;
      inbound[r.hour] += r.inbound;
      outbound[r.hour] += r.outbound;
      byWeekday[wd][r.hour] += r.inbound + r.outbound;
    }
  }
  return { inbound, outbound, byWeekday, known };
}

/** The most active hour of the totals (METRICS.md §4, metrics/activity.ts). */
export function mostActiveHour(h: HourlyTotals): number | null {
  return mostActiveHourOf(h.inbound.map((n, i) => n + h.outbound[i]));
}
