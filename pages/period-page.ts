// The page of one period — a day, a month or any range of days — built from an OrgReport: its
// headlines and every number against what the period is compared with, notices, navigation and
// charts. One builder for the published day, month and range pages and for a range `serve`
// makes on request; it builds that one page only.
//
// What it reads of the report: the period's days and hours, the days of the period compared with
// (for a day page also the 30 days before, for its charts), the month rows of the year up to the
// period's end (the monthly chart), and the month or range row of the period and of the one
// before, when there is one (their distinct counts cannot be rebuilt from days).
import { DAILY_KEYS } from '../metrics/registry.ts';
import { dayPeriod, monthPeriod, periodRow, rangePeriod, type PeriodRef } from '../metrics/period.ts';
import type { DayRow, OrgReport, PeriodRow } from '../metrics/report.ts';
import { chartsForPeriod } from '../charts/catalog.ts';
import { addDays, daysBetween, firstOfMonth, isValidDay, lastOfMonth, localDateTime, monthOf } from '../lib/calendar.ts';
import { formatDate, formatMonth, formatSpan, showCount, showHour, showMoney } from '../lib/words.ts';
import { costFigure, figure, headlines, type Headline, type Span } from './headlines.ts';
import { comparisonOf, type PeriodComparison } from './comparison.ts';
import { chartBlocks } from './chart-blocks.ts';
import { cutoffText, dayNotices, MARK_WORDS, periodNotices, zoneNotices } from './notices.ts';
import { rangeForm } from './range-form.ts';
import { errorTable } from './error-table.ts';
import { reportIndex, type ReportIndex } from './report-index.ts';
import { relativeHref, servedRangeHref, sitePaths } from './links.ts';
import type { ChartBlock, HeadlineCard, NavLink, PeriodPage, Summary, ValueRow } from './model.ts';
import type { PeriodKind } from '../charts/types.ts';

/** A period as pages name it: inclusive local dates. A month runs from its first to its last day. */
export interface Period {
  kind: 'day' | 'month' | 'range';
  from: string;
  to: string;
}

export interface PeriodPageOptions {
  now: Date;
  /**
   * Where the page is, relative to the site root; its links are relative to it. Default: its
   * published path (`<sc>/daily/D.html`, …); a range `serve` answers is at `<sc>/range`.
   */
  path?: string;
  /** The page is answered by `serve`: it carries the date-range form, and a range not published links its neighbours through `serve`. */
  served?: boolean;
  /** Its chart blocks, made already (periodChartBlocks) so their drawing could start early. */
  charts?: ChartBlock[];
}

/** A period page's chart blocks: they depend on the report's days alone, not on its period rows. */
export function periodChartBlocks(report: OrgReport, p: { kind: PeriodKind; from: string; to: string }): ChartBlock[] {
  return chartBlocks(chartsForPeriod(report, p), 'c');
}

/** The period's key and bounds, or an error naming what is wrong with it. */
export function periodRef(p: Period): PeriodRef {
  if (!isValidDay(p.from) || !isValidDay(p.to)) throw new Error(`a period runs between two dates (YYYY-MM-DD), not ${p.from} … ${p.to}`);
  if (p.from > p.to) throw new Error(`a period cannot end (${p.to}) before it starts (${p.from})`);
  if (p.kind === 'day') {
    if (p.from !== p.to) throw new Error(`a day page is one day, not ${p.from} … ${p.to}`);
    return dayPeriod(p.from);
  }
  if (p.kind === 'month') {
    const m = monthOf(p.from);
    if (p.from !== firstOfMonth(m) || p.to !== lastOfMonth(m)) throw new Error(`a month page runs from the first to the last day of a month, not ${p.from} … ${p.to}`);
    return monthPeriod(m);
  }
  return rangePeriod(p.from, p.to);
}

function publishedPath(sc: string, p: PeriodRef): string {
  return p.kind === 'day' ? sitePaths.daily(sc, p.key) : p.kind === 'month' ? sitePaths.monthly(sc, p.key) : sitePaths.range(sc, p.key);
}

export function localToday(report: OrgReport, now: Date): string {
  return localDateTime(now, report.org.timezone).date;
}

/** A page's breadcrumbs: all organizations, then this one. */
export function crumbsFor(report: OrgReport, path: string): NavLink[] {
  return [
    { href: relativeHref(path, sitePaths.siteIndex), label: 'All organizations' },
    { href: relativeHref(path, sitePaths.orgIndex(report.org.shortcode)), label: report.org.name },
  ];
}

function card(h: Headline): HeadlineCard {
  return { key: h.key, label: h.label, value: showCount(h.value), change: h.change, marks: h.marks.map((m) => MARK_WORDS[m]), note: h.note };
}

/** The estimated cost, right after billable messages, when the operator gave a rate card. */
function withCost(report: OrgReport, span: Span, cards: HeadlineCard[]): HeadlineCard[] {
  const c = costFigure(report, span);
  if (!c) return cards;
  const at = cards.findIndex((h) => h.key === 'billable_messages') + 1;
  const cost: HeadlineCard = { key: 'estimated_cost', label: c.label, value: showMoney(c.cost.micros, c.cost.currency), change: null, marks: [], note: c.note };
  return [...cards.slice(0, at), cost, ...cards.slice(at)];
}

/** The period's own row: a day's, or a month's or range's as stored, or derived from its days. */
function rowOf(report: OrgReport, index: ReportIndex, p: PeriodRef, today: string): DayRow | PeriodRow {
  if (p.kind === 'day') {
    const day = index.byDate.get(p.key);
    if (!day) throw new Error(`no day ${p.key} in the report of ${report.org.shortcode}`);
    return day;
  }
  const stored = p.kind === 'month' ? index.monthByKey.get(p.key) : index.rangeByKey.get(p.key);
  return stored ?? periodRow(p.kind, p.key, p.from, p.to, index.byDate, index.hoursByDate, {}, today);
}

export interface PeriodFigures {
  period: PeriodRef;
  row: DayRow | PeriodRow;
  closed: boolean;
  comparison: PeriodComparison;
}

/** A period's row, whether it is over, and what it is compared with. */
export function periodFigures(report: OrgReport, period: Period, now: Date): PeriodFigures {
  const index = reportIndex(report);
  const p = periodRef(period);
  const today = localToday(report, now);
  const row = rowOf(report, index, p, today);
  return { period: p, row, closed: 'closed' in row ? row.closed : p.to < today, comparison: comparisonOf(index, p, 'closed' in row ? row : null) };
}

/** The headline cards of a period, and what they are compared with; `heading` and `link` as the caller shows them. */
export function periodSummary(report: OrgReport, f: PeriodFigures, o: { heading: string; link: NavLink | null; withNotices: boolean }): Summary {
  const day = f.period.kind === 'day' ? (f.row as DayRow) : undefined;
  return {
    heading: o.heading,
    link: o.link,
    // Per-value marks on days; a month or range says it in its notices.
    headlines: withCost(report, f.period, headlines('page', f.row.values, f.comparison.compared, day, f.period).map(card)),
    compareNote: f.comparison.note,
    notices: !o.withNotices ? [] : day ? dayNotices(report, day, f.closed) : periodNotices(report, f.row as PeriodRow, f.period.kind === 'month' ? 'month' : 'period'),
  };
}

function valueRows(f: PeriodFigures): ValueRow[] {
  const day = f.period.kind === 'day' ? (f.row as DayRow) : undefined;
  const cmp = f.comparison.compared;
  const rows: ValueRow[] = DAILY_KEYS.map((k) => {
    const h = figure(k, f.row.values, cmp, day, f.period);
    return { label: h.label, value: showCount(h.value), previous: h.change ? showCount(h.previous) : null, change: h.change, notes: h.marks.map((m) => MARK_WORDS[m]) };
  });
  rows.push({ label: 'Most active hour (local time)', value: showHour(f.row.mostActiveHour), previous: cmp ? showHour(f.comparison.mostActiveHour) : null, change: null, notes: [] });
  return rows;
}

function heading(p: PeriodRef, closed: boolean): string {
  if (p.kind === 'day') return formatDate(p.key);
  if (p.kind === 'month') return closed ? formatMonth(p.key) : `${formatMonth(p.key)} so far`;
  return formatSpan(p.from, p.to);
}

function navOf(report: OrgReport, index: ReportIndex, p: PeriodRef, path: string, served: boolean): PeriodPage['nav'] {
  const sc = report.org.shortcode;
  const overview = { href: relativeHref(path, sitePaths.orgIndex(sc)), label: 'Overview' };
  const link = (to: PeriodRef, label: string): NavLink => ({ href: relativeHref(path, publishedPath(sc, to)), label });
  if (p.kind === 'day') {
    const i = index.dayPosition.get(p.key)!;
    const prev = index.days[i - 1];
    const next = index.days[i + 1];
    const month = index.monthByKey.get(monthOf(p.key));
    return {
      prev: prev ? link(dayPeriod(prev.date), formatDate(prev.date)) : null,
      next: next ? link(dayPeriod(next.date), formatDate(next.date)) : null,
      up: [...(month ? [link(monthPeriod(month.key), `${formatMonth(month.key)} (month)`)] : []), overview],
    };
  }
  const list = p.kind === 'month' ? index.months : index.ranges;
  const i = list.findIndex((r) => r.key === p.key);
  if (i >= 0) {
    const ref = (r: PeriodRow) => (p.kind === 'month' ? monthPeriod(r.key) : rangePeriod(r.from, r.to));
    const label = (r: PeriodRow) => (p.kind === 'month' ? formatMonth(r.key) : formatSpan(r.from, r.to));
    const prev = list[i - 1];
    const next = list[i + 1];
    return { prev: prev ? link(ref(prev), label(prev)) : null, next: next ? link(ref(next), label(next)) : null, up: [overview] };
  }
  // A period with no published page: served, its neighbours of equal length are a request away,
  // as far as days were computed.
  if (!served || p.kind !== 'range') return { prev: null, next: null, up: [overview] };
  const first = index.days[0]?.date;
  const last = index.days[index.days.length - 1]?.date;
  const n = daysBetween(p.from, p.to) + 1;
  const before = rangePeriod(addDays(p.from, -n), addDays(p.from, -1));
  const after = rangePeriod(addDays(p.to, 1), addDays(p.to, n));
  const hop = (r: PeriodRef): NavLink => ({ href: servedRangeHref(path, sc, r.from, r.to), label: formatSpan(r.from, r.to) });
  return {
    prev: first && before.to >= first ? hop(before) : null,
    next: last && after.from <= last ? hop(after) : null,
    up: [overview],
  };
}

/**
 * The page of a day, a month or any range of days. A range need not be one of the report's
 * ranges: its values are then derived from its days (its distinct counts are not known).
 * Throws when the period is malformed, or is a day the report does not hold.
 */
export function buildPeriodPage(report: OrgReport, period: Period, opts: PeriodPageOptions): PeriodPage {
  const index = reportIndex(report);
  const f = periodFigures(report, period, opts.now);
  const p = f.period;
  const sc = report.org.shortcode;
  const path = opts.path ?? publishedPath(sc, p);
  const title = heading(p, true);
  const shown = heading(p, f.closed);
  const summary = periodSummary(report, f, {
    heading: p.kind === 'day' && !f.closed ? `${shown} so far` : shown,
    link: null,
    withNotices: false,
  });
  const own = p.kind === 'day' ? dayNotices(report, f.row as DayRow, f.closed) : periodNotices(report, f.row as PeriodRow, p.kind === 'month' ? 'month' : 'period');
  return {
    template: 'period',
    kind: p.kind,
    path,
    title: `${title} · ${report.org.name}`,
    crumbs: crumbsFor(report, path),
    orgName: report.org.name,
    heading: shown,
    zone: { name: report.org.timezone, fallback: report.org.timezoneIsFallback },
    cutoff: cutoffText(report, p.to),
    notices: [...zoneNotices(report), ...own],
    summary,
    compared: f.comparison.compared !== null,
    values: valueRows(f),
    errors: errorTable(report, p.from, p.to, p.kind === 'range' ? 'period' : p.kind),
    nav: navOf(report, index, p, path, !!opts.served),
    charts: opts.charts ?? periodChartBlocks(report, { kind: p.kind, from: p.from, to: p.to }),
    rangeForm: rangeForm(index, sc, report.org.timezone, path, p.from, p.to, !!opts.served),
  };
}
