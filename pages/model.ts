// Page models: everything a page shows, as plain data built from an OrgReport. A page's model is
// also what decides whether it must be re-rendered (publish/ hashes it), so it holds nothing
// that changes from run to run unless the page should change too (no "generated at").
import { DAILY_KEYS, LABELS, type MetricKey } from '../metrics/registry.ts';
import { compareMonth as comparedMonth, monthPeriod, previousPeriod } from '../metrics/period.ts';
import type { DayRow, OrgReport, PeriodRow, Values } from '../metrics/report.ts';
import { chartsForPeriod } from '../charts/catalog.ts';
import type { Chart, Cell } from '../charts/types.ts';
import { addDays, addMonths, localDateTime, monthOf } from '../lib/calendar.ts';
import { formatDate, formatMonth, formatSpan } from '../charts/numbers.ts';
import { change, show, showHour, type Change, type Shown } from './values.ts';
import { isDate, isMonth, isRangeKey, relativeHref, safeBookmarks, sitePaths, type SafeBookmark } from './links.ts';

export interface NavLink {
  href: string;
  label: string;
}

export interface ChartBlock {
  domId: string;
  title: string;
  description: string;
  columns: string[];
  rows: Array<Array<Shown>>;
  chart: Chart;
}

export interface Headline {
  label: string;
  value: Shown;
  change: Change | null;
  marks: string[];
}

export interface ValueRow {
  label: string;
  value: Shown;
  previous: Shown | null;
  change: Change | null;
  notes: string[];
}

export interface Notice {
  kind: 'open' | 'incomplete' | 'utc' | 'late' | 'zone';
  text: string;
}

export interface PageBase {
  path: string;
  title: string;
  crumbs: NavLink[];
}

export interface Summary {
  heading: string;
  link: NavLink | null;
  headlines: Headline[];
  compareNote: string;
  notices: Notice[];
}

export interface PeriodPage extends PageBase {
  template: 'period';
  kind: 'day' | 'month' | 'range';
  orgName: string;
  heading: string;
  zone: { name: string; fallback: boolean };
  cutoff: string;
  notices: Notice[];
  summary: Summary;
  values: ValueRow[];
  nav: { prev: NavLink | null; next: NavLink | null; up: NavLink[] };
  charts: ChartBlock[];
}

export interface ArchiveMonth {
  label: string;
  monthly: NavLink | null;
  days: Array<{ href: string; day: string; label: string }>;
}

export interface OrgIndexPage extends PageBase {
  template: 'org-index';
  orgName: string;
  shortcode: string;
  zone: { name: string; fallback: boolean };
  cutoff: string;
  notices: Notice[];
  latestDay: Summary | null;
  month: Summary | null;
  charts30: { heading: string; charts: ChartBlock[] };
  charts90: { heading: string; charts: ChartBlock[] };
  archive: ArchiveMonth[];
  ranges: NavLink[];
  bookmarks: SafeBookmark[];
  downloads: NavLink[];
}

export interface SiteIndexPage extends PageBase {
  template: 'site-index';
  orgs: Array<{ href: string; name: string; shortcode: string }>;
}

export type PageModel = PeriodPage | OrgIndexPage | SiteIndexPage;

/** The numbers shown as cards at the top of a period. */
export const HEADLINE_KEYS: MetricKey[] = [
  'active_contacts', 'new_contacts', 'inbound_messages', 'outbound_messages',
  'conversations', 'optins', 'flows_completed', 'error_messages',
];

/** Charts also drawn over 90 days on an org's index. */
const NINETY_DAY_CHARTS = new Set(['contacts-daily', 'messages-daily', 'conversations-daily', 'flows-daily']);

const DATA_FILES: Array<[string, string]> = [
  ['daily.csv', 'Daily values (CSV)'],
  ['monthly.csv', 'Monthly values (CSV)'],
  ['hourly.csv', 'Messages by hour (CSV)'],
  ['metrics.json', 'All values with their provenance (JSON)'],
];

export interface OrgPagesInput {
  report: OrgReport;
  now: Date;
  /** Data files present in the org's data/ directory (only those are linked). */
  dataFiles: string[];
}

export interface OrgPages {
  pages: PageModel[];
  warnings: string[];
}

// ---------------------------------------------------------------------------------------------

function zoneNotice(report: OrgReport): Notice[] {
  return report.org.timezoneIsFallback
    ? [{ kind: 'zone', text: `This organization has no time zone set in Glific, so dates and hours use the fallback zone ${report.org.timezone}.` }]
    : [];
}

function cutoffText(report: OrgReport, to: string | null): string {
  if (!report.dataCutoff) return 'not known';
  const local = localDateTime(report.dataCutoff, report.org.timezone);
  if (to !== null && local.date > to) return `the end of ${formatDate(to)} (the whole period)`;
  return `${formatDate(local.date)}, ${local.time} (${report.org.timezone})`;
}

function chartBlocks(charts: Chart[], prefix: string): ChartBlock[] {
  return charts.map((c) => ({
    domId: `${prefix}-${c.id}`,
    title: c.title,
    description: c.description,
    columns: c.table.columns,
    rows: c.table.rows.map((r) => r.map(cell)),
    chart: c,
  }));
}

function cell(c: Cell): Shown {
  if (c === null) return { text: '—', unknown: true };
  return typeof c === 'number' ? show(c) : { text: c, unknown: false };
}

function dayMarks(day: DayRow | undefined, key: MetricKey): string[] {
  const p = day?.provenance[key];
  const marks: string[] = [];
  if (p?.source === 'glific_stats') marks.push('UTC day, from Glific stats');
  if (p?.late) marks.push('snapshot taken late');
  return marks;
}

function headlines(values: Values, previous: Values | null, against: string, comparable: (k: MetricKey) => boolean, marks: (k: MetricKey) => string[]): Headline[] {
  return HEADLINE_KEYS.map((k) => ({
    label: LABELS[k],
    value: show(values[k]),
    change: previous && comparable(k) ? change(values[k], previous[k], against) : null,
    marks: marks(k),
  }));
}

function valueRows(values: Values, previous: Values | null, against: string, comparable: (k: MetricKey) => boolean, marks: (k: MetricKey) => string[], mostActive: number | null, prevMostActive: number | null | undefined): ValueRow[] {
  const rows: ValueRow[] = DAILY_KEYS.map((k) => ({
    label: LABELS[k],
    value: show(values[k]),
    previous: previous && comparable(k) ? show(previous[k]) : null,
    change: previous && comparable(k) ? change(values[k], previous[k], against) : null,
    notes: marks(k),
  }));
  rows.push({ label: 'Most active hour (local time)', value: showHour(mostActive), previous: previous ? showHour(prevMostActive) : null, change: null, notes: [] });
  return rows;
}

function dayNotices(report: OrgReport, day: DayRow, closed: boolean): Notice[] {
  const n: Notice[] = [];
  if (!closed) n.push({ kind: 'open', text: `${formatDate(day.date)} is not over yet in ${report.org.timezone}: these numbers are partial and will change.` });
  if (day.utcDayImport) n.push({ kind: 'utc', text: `Some numbers for this day were imported from Glific's own statistics: they count a UTC day, not a ${report.org.timezone} day (marked “UTC day”).` });
  if (day.lateSnapshot) n.push({ kind: 'late', text: 'Some contact counts were captured long after the end of the day, so they may not be exact (marked “snapshot taken late”).' });
  return n;
}

function periodNotices(report: OrgReport, p: PeriodRow, what: string): Notice[] {
  const n: Notice[] = [];
  if (!p.closed) n.push({ kind: 'open', text: `This ${what} is not over yet in ${report.org.timezone}: these numbers are for the days so far and will change.` });
  // An open period always lacks its future days; only say so when past days are missing.
  if (!p.complete && p.closed) n.push({ kind: 'incomplete', text: `Not every day of this ${what} has been computed.` });
  if (p.utcDayImport) n.push({ kind: 'utc', text: `Some days of this ${what} were imported from Glific's own statistics: those count UTC days, not ${report.org.timezone} days.` });
  if (p.lateSnapshot) n.push({ kind: 'late', text: `Some contact counts in this ${what} were captured long after the end of their day, so they may not be exact.` });
  return n;
}

function localToday(report: OrgReport, now: Date): string {
  return localDateTime(now, report.org.timezone).date;
}

// Month comparisons ---------------------------------------------------------------------------

interface MonthComparison {
  previous: Values | null;
  against: string;
  comparable: (k: MetricKey) => boolean;
  note: string;
}

/** Why a month's distinct counts may still be empty (docs/METRICS-DECISIONS.md §12). */
function distinctPendingNote(row: PeriodRow): string {
  if (row.values.active_contacts != null && row.values.conversations != null) return '';
  return row.closed
    ? ' Active contacts and billed conversations of the month are counted once over the whole month by the monthly job, which has not run for it yet.'
    : ' Active contacts and billed conversations count each contact or conversation once over the whole month: they are known once the month has closed.';
}

/** The wording of a month's comparison; what it is compared with is metrics/period.ts's rule. */
function compareMonth(row: PeriodRow, byDate: Map<string, DayRow>, monthByKey: Map<string, PeriodRow>): MonthComparison {
  const cmp = comparedMonth(row, byDate, monthByKey);
  if (!cmp) return { previous: null, against: '', comparable: () => false, note: `No figures for ${formatMonth(previousPeriod(monthPeriod(row.key)).key)} to compare with.` };
  if (!cmp.sameDays) return { previous: cmp.values, against: formatMonth(cmp.period.key), comparable: cmp.comparable, note: `Changes are against ${formatMonth(cmp.period.key)}.` };
  const prevMonth = monthOf(cmp.period.from);
  return {
    previous: cmp.values,
    against: `the same days of ${formatMonth(prevMonth)}`,
    comparable: cmp.comparable,
    note: `Changes are against the same days of the previous month (${formatSpan(cmp.period.from, cmp.period.to)}). Active contacts and billed conversations count each contact or conversation once over the whole period, so part of a month cannot be compared.`,
  };
}

// Builders ------------------------------------------------------------------------------------

export function buildOrgPages(input: OrgPagesInput): OrgPages {
  const { report, now } = input;
  const sc = report.org.shortcode;
  const warnings: string[] = [];
  const zone = { name: report.org.timezone, fallback: report.org.timezoneIsFallback };
  const today = localToday(report, now);

  // Rows whose key could not name a page are dropped with a warning; the rest in key order.
  const wellFormed = <T>(rows: T[], key: (r: T) => string, valid: (k: string) => boolean, what: string): T[] =>
    rows
      .filter((r) => valid(key(r)) || (warnings.push(`org ${sc}: ${what} dropped`), false))
      .sort((a, b) => key(a).localeCompare(key(b)));
  const days = wellFormed(report.days, (d) => d.date, isDate, 'day row with malformed date');
  const byDate = new Map(days.map((d) => [d.date, d]));
  const months = wellFormed(report.months, (m) => m.key, isMonth, 'month row with malformed key');
  const monthByKey = new Map(months.map((m) => [m.key, m]));
  const ranges = wellFormed(report.ranges, (r) => r.key, isRangeKey, 'range row with malformed key');

  const orgIndexPath = sitePaths.orgIndex(sc);
  const crumbsFor = (path: string, extra: NavLink[] = []): NavLink[] => [
    { href: relativeHref(path, sitePaths.siteIndex), label: 'All organizations' },
    { href: relativeHref(path, orgIndexPath), label: report.org.name },
    ...extra,
  ];

  const pages: PageModel[] = [];

  // Daily pages.
  days.forEach((day, i) => {
    const path = sitePaths.daily(sc, day.date);
    const prevRow = days[i - 1];
    const nextRow = days[i + 1];
    const closed = day.date < today;
    const previous = prevRow && prevRow.date === addDays(day.date, -1) ? prevRow : null;
    const against = previous ? formatDate(previous.date) : '';
    const marks = (k: MetricKey) => dayMarks(day, k);
    const month = monthByKey.get(monthOf(day.date));
    const notices = [...zoneNotice(report), ...dayNotices(report, day, closed)];
    pages.push({
      template: 'period',
      kind: 'day',
      path,
      title: `${formatDate(day.date)} · ${report.org.name}`,
      crumbs: crumbsFor(path),
      orgName: report.org.name,
      heading: formatDate(day.date),
      zone,
      cutoff: cutoffText(report, day.date),
      notices,
      summary: {
        heading: closed ? `${formatDate(day.date)}` : `${formatDate(day.date)} so far`,
        link: null,
        headlines: headlines(day.values, previous?.values ?? null, against, () => true, marks),
        compareNote: previous ? `Changes are against the day before, ${formatDate(previous.date)}.` : 'No figures for the day before to compare with.',
        notices: [],
      },
      values: valueRows(day.values, previous?.values ?? null, against, () => true, marks, day.mostActiveHour, previous?.mostActiveHour),
      nav: {
        prev: prevRow ? { href: relativeHref(path, sitePaths.daily(sc, prevRow.date)), label: formatDate(prevRow.date) } : null,
        next: nextRow ? { href: relativeHref(path, sitePaths.daily(sc, nextRow.date)), label: formatDate(nextRow.date) } : null,
        up: [
          ...(month ? [{ href: relativeHref(path, sitePaths.monthly(sc, month.key)), label: `${formatMonth(month.key)} (month)` }] : []),
          { href: relativeHref(path, orgIndexPath), label: 'Overview' },
        ],
      },
      charts: chartBlocks(chartsForPeriod(report, { kind: 'day', from: day.date, to: day.date }), 'c'),
    });
  });

  // Monthly pages.
  months.forEach((row, i) => {
    const path = sitePaths.monthly(sc, row.key);
    const cmp = compareMonth(row, byDate, monthByKey);
    const prev = months[i - 1];
    const next = months[i + 1];
    pages.push({
      template: 'period',
      kind: 'month',
      path,
      title: `${formatMonth(row.key)} · ${report.org.name}`,
      crumbs: crumbsFor(path),
      orgName: report.org.name,
      heading: row.closed ? formatMonth(row.key) : `${formatMonth(row.key)} so far`,
      zone,
      cutoff: cutoffText(report, row.to),
      notices: [...zoneNotice(report), ...periodNotices(report, row, 'month')],
      summary: {
        heading: row.closed ? formatMonth(row.key) : `${formatMonth(row.key)} so far`,
        link: null,
        headlines: headlines(row.values, cmp.previous, cmp.against, cmp.comparable, () => []),
        compareNote: cmp.note + distinctPendingNote(row),
        notices: [],
      },
      values: valueRows(row.values, cmp.previous, cmp.against, cmp.comparable, () => [], row.mostActiveHour, cmp.previous ? monthByKey.get(addMonths(row.key, -1))?.mostActiveHour : null),
      nav: {
        prev: prev ? { href: relativeHref(path, sitePaths.monthly(sc, prev.key)), label: formatMonth(prev.key) } : null,
        next: next ? { href: relativeHref(path, sitePaths.monthly(sc, next.key)), label: formatMonth(next.key) } : null,
        up: [{ href: relativeHref(path, orgIndexPath), label: 'Overview' }],
      },
      charts: chartBlocks(chartsForPeriod(report, { kind: 'month', from: row.from, to: row.to }), 'c'),
    });
  });

  // Range pages.
  ranges.forEach((row, i) => {
    const path = sitePaths.range(sc, row.key);
    const prev = ranges[i - 1];
    const next = ranges[i + 1];
    pages.push({
      template: 'period',
      kind: 'range',
      path,
      title: `${formatSpan(row.from, row.to)} · ${report.org.name}`,
      crumbs: crumbsFor(path),
      orgName: report.org.name,
      heading: formatSpan(row.from, row.to),
      zone,
      cutoff: cutoffText(report, row.to),
      notices: [...zoneNotice(report), ...periodNotices(report, row, 'period')],
      summary: {
        heading: formatSpan(row.from, row.to),
        link: null,
        headlines: headlines(row.values, null, '', () => false, () => []),
        compareNote: 'Custom ranges are not compared with another period.',
        notices: [],
      },
      values: valueRows(row.values, null, '', () => false, () => [], row.mostActiveHour, null),
      nav: {
        prev: prev ? { href: relativeHref(path, sitePaths.range(sc, prev.key)), label: formatSpan(prev.from, prev.to) } : null,
        next: next ? { href: relativeHref(path, sitePaths.range(sc, next.key)), label: formatSpan(next.from, next.to) } : null,
        up: [{ href: relativeHref(path, orgIndexPath), label: 'Overview' }],
      },
      charts: chartBlocks(chartsForPeriod(report, { kind: 'range', from: row.from, to: row.to }), 'c'),
    });
  });

  // The org's index.
  const { kept: bookmarks, dropped } = safeBookmarks(report.org.bookmarks);
  for (const d of dropped) warnings.push(`org ${sc}: bookmark ${JSON.stringify(d.name)} dropped (${d.reason})`);
  const latestClosed = [...days].reverse().find((d) => d.date < today) ?? null;
  const end = latestClosed?.date ?? days[days.length - 1]?.date ?? today;
  let latestDay: Summary | null = null;
  if (latestClosed) {
    const prevDay = byDate.get(addDays(latestClosed.date, -1)) ?? null;
    const against = prevDay ? formatDate(prevDay.date) : '';
    latestDay = {
      heading: `Latest closed day: ${formatDate(latestClosed.date)}`,
      link: { href: relativeHref(orgIndexPath, sitePaths.daily(sc, latestClosed.date)), label: `Full report for ${formatDate(latestClosed.date)}` },
      headlines: headlines(latestClosed.values, prevDay?.values ?? null, against, () => true, (k) => dayMarks(latestClosed, k)),
      compareNote: prevDay ? `Changes are against ${formatDate(prevDay.date)}.` : 'No figures for the day before to compare with.',
      notices: dayNotices(report, latestClosed, true),
    };
  }
  let month: Summary | null = null;
  const monthRow = monthByKey.get(monthOf(end));
  if (monthRow) {
    const cmp = compareMonth(monthRow, byDate, monthByKey);
    month = {
      heading: monthRow.closed ? `Month: ${formatMonth(monthRow.key)}` : `Month to date: ${formatMonth(monthRow.key)} so far`,
      link: { href: relativeHref(orgIndexPath, sitePaths.monthly(sc, monthRow.key)), label: `Full report for ${formatMonth(monthRow.key)}` },
      headlines: headlines(monthRow.values, cmp.previous, cmp.against, cmp.comparable, () => []),
      compareNote: cmp.note + distinctPendingNote(monthRow),
      notices: periodNotices(report, monthRow, 'month'),
    };
  }
  const archive: ArchiveMonth[] = [];
  const monthKeys = [...new Set([...days.map((d) => monthOf(d.date)), ...months.map((m) => m.key)])].sort().reverse();
  for (const key of monthKeys) {
    archive.push({
      label: formatMonth(key),
      monthly: monthByKey.has(key) ? { href: relativeHref(orgIndexPath, sitePaths.monthly(sc, key)), label: `${formatMonth(key)} report` } : null,
      days: days.filter((d) => monthOf(d.date) === key).map((d) => ({
        href: relativeHref(orgIndexPath, sitePaths.daily(sc, d.date)),
        day: String(Number(d.date.slice(8, 10))),
        label: formatDate(d.date),
      })),
    });
  }
  pages.push({
    template: 'org-index',
    path: orgIndexPath,
    title: report.org.name,
    crumbs: [{ href: relativeHref(orgIndexPath, sitePaths.siteIndex), label: 'All organizations' }],
    orgName: report.org.name,
    shortcode: sc,
    zone,
    cutoff: cutoffText(report, null),
    notices: zoneNotice(report),
    latestDay,
    month,
    charts30: {
      heading: `Last 30 days (${formatSpan(addDays(end, -29), end)})`,
      charts: chartBlocks(chartsForPeriod(report, { kind: 'index', from: addDays(end, -29), to: end }), 'd30'),
    },
    charts90: {
      heading: `Last 90 days (${formatSpan(addDays(end, -89), end)})`,
      charts: chartBlocks(chartsForPeriod(report, { kind: 'index', from: addDays(end, -89), to: end }).filter((c) => NINETY_DAY_CHARTS.has(c.id)), 'd90'),
    },
    archive,
    ranges: ranges.map((r) => ({ href: relativeHref(orgIndexPath, sitePaths.range(sc, r.key)), label: formatSpan(r.from, r.to) })),
    bookmarks,
    downloads: DATA_FILES.filter(([f]) => input.dataFiles.includes(f)).map(([f, label]) => ({ href: relativeHref(orgIndexPath, sitePaths.data(sc, f)), label })),
  });

  return { pages, warnings };
}

export function buildSiteIndex(orgs: Array<{ shortcode: string; name: string }>): SiteIndexPage {
  const sorted = [...orgs].sort((a, b) => a.name.localeCompare(b.name) || a.shortcode.localeCompare(b.shortcode));
  return {
    template: 'site-index',
    path: sitePaths.siteIndex,
    title: 'Glific reports',
    crumbs: [],
    orgs: sorted.map((o) => ({ href: relativeHref(sitePaths.siteIndex, sitePaths.orgIndex(o.shortcode)), name: o.name, shortcode: o.shortcode })),
  };
}
