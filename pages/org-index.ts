// An organization's overview page: the latest closed day and the month, charts over the last 30
// and 90 days, the archive of every day and month, the ranges, bookmarks and data files.
import type { OrgReport } from '../metrics/report.ts';
import { chartsForPeriod } from '../charts/catalog.ts';
import { addDays, monthOf, firstOfMonth, lastOfMonth } from '../lib/calendar.ts';
import { formatDate, formatMonth, formatSpan } from '../lib/words.ts';
import { chartBlocks } from './chart-blocks.ts';
import { cutoffText, zoneNotices } from './notices.ts';
import { localToday, periodFigures, periodSummary } from './period-page.ts';
import { rangeForm } from './range-form.ts';
import { reportIndex } from './report-index.ts';
import { relativeHref, safeBookmarks, sitePaths } from './links.ts';
import type { ArchiveMonth, OrgIndexPage, Summary } from './model.ts';

/** Charts also drawn over 90 days on an org's index. */
const NINETY_DAY_CHARTS = new Set(['templates-delivered-daily', 'contacts-daily', 'messages-daily', 'service-windows-daily', 'flows-daily']);

const DATA_FILES: Array<[string, string]> = [
  ['daily.csv', 'Daily values (CSV)'],
  ['monthly.csv', 'Monthly values (CSV)'],
  ['hourly.csv', 'Messages by hour (CSV)'],
  ['errors.csv', 'Failed messages by error code (CSV)'],
  ['metrics.json', 'All values with their provenance (JSON)'],
];

export interface OrgIndexOptions {
  now: Date;
  /** Data files present in the org's data/ directory (only those are linked). */
  dataFiles: string[];
  /** The page is answered by `serve`: it carries the date-range form. */
  served?: boolean;
}

export function buildOrgIndex(report: OrgReport, opts: OrgIndexOptions): { page: OrgIndexPage; warnings: string[] } {
  const index = reportIndex(report);
  const sc = report.org.shortcode;
  const path = sitePaths.orgIndex(sc);
  const today = localToday(report, opts.now);
  const warnings: string[] = [];
  const { kept: bookmarks, dropped } = safeBookmarks(report.org.bookmarks);
  for (const d of dropped) warnings.push(`org ${sc}: bookmark ${JSON.stringify(d.name)} dropped (${d.reason})`);

  const days = index.days;
  let latestClosed = null;
  for (let i = days.length - 1; i >= 0 && !latestClosed; i--) if (days[i].date < today) latestClosed = days[i];
  const end = latestClosed?.date ?? days[days.length - 1]?.date ?? today;

  let latestDay: Summary | null = null;
  if (latestClosed) {
    const f = periodFigures(report, { kind: 'day', from: latestClosed.date, to: latestClosed.date }, opts.now);
    latestDay = periodSummary(report, f, {
      heading: `Latest closed day: ${formatDate(latestClosed.date)}`,
      link: { href: relativeHref(path, sitePaths.daily(sc, latestClosed.date)), label: `Full report for ${formatDate(latestClosed.date)}` },
      withNotices: true,
    });
  }
  let month: Summary | null = null;
  const monthRow = index.monthByKey.get(monthOf(end));
  if (monthRow) {
    const f = periodFigures(report, { kind: 'month', from: firstOfMonth(monthRow.key), to: lastOfMonth(monthRow.key) }, opts.now);
    month = periodSummary(report, f, {
      heading: monthRow.closed ? `Month: ${formatMonth(monthRow.key)}` : `Month to date: ${formatMonth(monthRow.key)} so far`,
      link: { href: relativeHref(path, sitePaths.monthly(sc, monthRow.key)), label: `Full report for ${formatMonth(monthRow.key)}` },
      withNotices: true,
    });
  }

  const daysByMonth = new Map<string, ArchiveMonth['days']>();
  for (const m of index.months) daysByMonth.set(m.key, []);
  for (const d of days) {
    const key = monthOf(d.date);
    let list = daysByMonth.get(key);
    if (!list) daysByMonth.set(key, (list = []));
    list.push({ href: relativeHref(path, sitePaths.daily(sc, d.date)), day: String(Number(d.date.slice(8, 10))), label: formatDate(d.date) });
  }
  const archive: ArchiveMonth[] = [...daysByMonth.keys()].sort().reverse().map((key) => ({
    label: formatMonth(key),
    monthly: index.monthByKey.has(key) ? { href: relativeHref(path, sitePaths.monthly(sc, key)), label: `${formatMonth(key)} report` } : null,
    days: daysByMonth.get(key)!,
  }));

  const page: OrgIndexPage = {
    template: 'org-index',
    path,
    title: report.org.name,
    crumbs: [{ href: relativeHref(path, sitePaths.siteIndex), label: 'All organizations' }],
    orgName: report.org.name,
    shortcode: sc,
    zone: { name: report.org.timezone, fallback: report.org.timezoneIsFallback },
    cutoff: cutoffText(report, null),
    notices: zoneNotices(report),
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
    ranges: index.ranges.map((r) => ({ href: relativeHref(path, sitePaths.range(sc, r.key)), label: formatSpan(r.from, r.to) })),
    recent: (report.rolling ?? []).map((r) => ({ href: relativeHref(path, sitePaths.recent(sc, r.name)), label: `${r.label} (${formatSpan(r.row.from, r.row.to)})` })),
    bookmarks,
    downloads: DATA_FILES.filter(([f]) => opts.dataFiles.includes(f)).map(([f, label]) => ({ href: relativeHref(path, sitePaths.data(sc, f)), label })),
    rangeForm: rangeForm(index, sc, report.org.timezone, path, addDays(end, -29), end, !!opts.served),
  };
  return { page, warnings };
}
