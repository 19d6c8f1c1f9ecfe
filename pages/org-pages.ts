// Every page an organization publishes: a page per computed day, month and range, and its index.
import type { OrgReport } from '../metrics/report.ts';
import { firstOfMonth, lastOfMonth } from '../lib/calendar.ts';
import { buildOrgIndex } from './org-index.ts';
import { buildPeriodPage } from './period-page.ts';
import { reportIndex } from './report-index.ts';
import type { PageModel } from './model.ts';

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
  const { page, warnings } = buildOrgIndex(report, { now, dataFiles: input.dataFiles, served });
  pages.push(page);
  return { pages, warnings: [...index.warnings, ...warnings] };
}
