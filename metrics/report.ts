// The shape in which computed numbers leave the results store: what the CSV/JSON exports, the
// site and the digests are built from. Plain data, no database handles.
import type { RateCard } from '../config/rate-card.ts';
import type { MetricKey } from './registry.ts';
import type { OrgInfo } from '../extract/orgs.ts';

/** How a value was obtained (METRICS.md §8). */
export type Source = 'raw' | 'snapshot' | 'glific_stats';

export interface Provenance {
  source: Source;
  /** ISO instant the value was computed (for snapshots: captured). */
  computedAt: string;
  runId: number | null;
  definitionVersion: number;
  /** A snapshot captured long after the end of its day (METRICS.md §3): not exact. */
  late?: boolean;
}

export type Values = Partial<Record<MetricKey, number | null>>;

// Who the report is about, as read from Glific (extract/orgs.ts).
export type { OrgInfo };

export interface DayRow {
  date: string; // YYYY-MM-DD, the org's local day
  values: Values;
  mostActiveHour: number | null;
  provenance: Partial<Record<MetricKey, Provenance>>;
  /** Some values were imported from Glific's `stats` and cover a UTC day (METRICS.md §7). */
  utcDayImport: boolean;
  /** Some snapshot values were captured late (METRICS.md §3). */
  lateSnapshot: boolean;
}

export interface PeriodRow {
  kind: 'month' | 'range';
  /** 'YYYY-MM' for months, 'YYYY-MM-DD_YYYY-MM-DD' for ranges. */
  key: string;
  from: string;
  to: string;
  values: Values;
  mostActiveHour: number | null;
  /** The period's end has passed in the org's zone (METRICS.md §1). */
  closed: boolean;
  /** Every day of the period has been computed. */
  complete: boolean;
  utcDayImport: boolean;
  lateSnapshot: boolean;
}

export interface HourlyRow {
  date: string;
  hour: number;
  inbound: number;
  outbound: number;
}

/** How many failed messages carried one error code (METRICS.md §3b); code '' : none. */
export interface ErrorCount {
  code: string;
  count: number;
}

/** A day's failed messages by error code, most frequent first; they add up to its error_messages. */
export interface DayErrorCodes {
  date: string;
  codes: ErrorCount[];
}

export interface OrgReport {
  org: OrgInfo;
  /** ISO instant: the data was read up to here (end of the last computed local day). */
  dataCutoff: string | null;
  /** ISO instant the report data was assembled. */
  generatedAt: string;
  days: DayRow[];
  months: PeriodRow[];
  ranges: PeriodRow[];
  hourly: HourlyRow[];
  /**
   * The days whose breakdown by error code is known, oldest first: a computed day whose
   * error_messages is known and was stored with its codes. Absent: none is known.
   */
  errorCodes?: DayErrorCodes[];
  /** The last 7, 30 and 90 days and the year to date, kept current by the nightly run (store/rolling.ts). */
  rolling?: RollingPeriod[];
  /** The operator's prices (REPORTS_RATE_CARD), for an estimated cost; absent or null: no money is shown. */
  rateCard?: RateCard | null;
}

/** A period that ends with the latest computed day, published under a fixed name. */
export interface RollingPeriod {
  /** Its page: <sc>/recent/<name>.html */
  name: string;
  label: string;
  row: PeriodRow;
  /** The period of equal length just before it, what it is compared with. */
  previous: PeriodRow;
}
