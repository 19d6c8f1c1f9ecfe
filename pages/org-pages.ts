// Every page an organization publishes: a page per computed day, month and range, the rolling
// periods (last 7, 30, 90 days, year to date), and its index.
import type { OrgReport } from '../metrics/report.ts';
import { firstOfMonth, lastOfMonth } from '../lib/calendar.ts';
import { buildOrgIndex } from './org-index.ts';
import { buildPeriodPage } from './period-page.ts';
import { reportIndex } from './report-index.ts';
import type { PageModel } from './model.ts';
import { sitePaths } from './links.ts';

export interface OrgPagesInput {
  report: OrgReport;
  now: Date;
  /** Data files present in the org's data/ directory (only those are linked). */
  dataFiles: string[];
  /** The site is answered by `serve`: pages carry the date-range form. */
  served?: boolean;
}

export interface OrgPages {
  pages: PageModel[];
  warnings: string[];
}

export function buildOrgPages(input: OrgPagesInput): OrgPages {
  const { report, now, served } = input;
  const index = reportIndex(report);
  const pages: PageModel[] = [];
  for (const d of index.days) pages.push(buildPeriodPage(report, { kind: 'day', from: d.date, to: d.date }, { now, served }));
  // Pages are named by the rows' keys (checked when the report was indexed).
  for (const m of index.months) pages.push(buildPeriodPage(report, { kind: 'month', from: firstOfMonth(m.key), to: lastOfMonth(m.key) }, { now, served }));
  for (const r of index.ranges) {
    const [from, to] = r.key.split('_');
    pages.push(buildPeriodPage(report, { kind: 'range', from, to }, { now, served }));
  }
  // The rolling periods: range pages under fixed names, compared with the days before them.
  for (const r of report.rolling ?? []) {
    const keys = new Set([r.row.key, r.previous.key]);
    const withRows: OrgReport = { ...report, ranges: [...report.ranges.filter((x) => !keys.has(x.key)), r.row, r.previous] };
    pages.push(buildPeriodPage(withRows, { kind: 'range', from: r.row.from, to: r.row.to }, { now, served, path: sitePaths.recent(report.org.shortcode, r.name) }));
  }
  const { page, warnings } = buildOrgIndex(report, { now, dataFiles: input.dataFiles, served });
  pages.push(page);
  return { pages, warnings: [...index.warnings, ...warnings] };
}
