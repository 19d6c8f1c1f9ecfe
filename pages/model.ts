// Page models: everything a page shows, as plain data. A page's model is also what decides
// whether it must be re-rendered (publish/ hashes it), so it holds nothing that changes from run
// to run unless the page should change too (no "generated at").
import type { Chart } from '../charts/types.ts';
import type { Change, Shown } from '../lib/words.ts';
import type { HeadlineKey } from './headlines.ts';
import type { SafeBookmark } from './links.ts';
import type { ErrorTable } from './error-table.ts';

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

/** A headline card (pages/headlines.ts chooses which): value, change, provenance marks in words. */
export interface HeadlineCard {
  key: HeadlineKey | 'estimated_cost';
  label: string;
  value: Shown;
  change: Change | null;
  marks: string[];
  /** What the number is, when its label cannot say it all (the pricing rule of an estimate). */
  note: string | null;
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
  headlines: HeadlineCard[];
  compareNote: string;
  notices: Notice[];
}

/**
 * The form that asks `serve` for a page of any dates (GET range?from=…&to=…, relative to the
 * org's folder): only on pages answered by `serve`, since a static site has nothing to answer it.
 */
export interface RangeForm {
  action: string;
  /** Prefilled: the period shown, within the computed days. */
  from: string;
  to: string;
  /** The first and last computed day (not on a published page: they change every day). */
  min: string | null;
  max: string | null;
  /** Which days can be asked for, in words. */
  hint: string;
  /**
   * A published page: the form is in the file but hidden (a static site has nothing behind its
   * address); `serve` shows it when it serves the file (SERVED_ONLY_MARK).
   */
  servedOnly: boolean;
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
  /** Whether the period is compared with another (the table then shows "Before" and "Change"). */
  compared: boolean;
  values: ValueRow[];
  /** Failed messages by error code. */
  errors: ErrorTable;
  nav: { prev: NavLink | null; next: NavLink | null; up: NavLink[] };
  charts: ChartBlock[];
  rangeForm: RangeForm | null;
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
  /** The rolling periods: last 7, 30, 90 days, year to date. */
  recent: NavLink[];
  bookmarks: SafeBookmark[];
  downloads: NavLink[];
  rangeForm: RangeForm | null;
}

export interface SiteIndexPage extends PageBase {
  template: 'site-index';
  orgs: Array<{ href: string; name: string; shortcode: string }>;
}

export type PageModel = PeriodPage | OrgIndexPage | SiteIndexPage;
