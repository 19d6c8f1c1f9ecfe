// Error codes of days and periods (METRICS.md §3b, §6): a period's codes are the sums of its
// days' codes, known only when every computed day of it has its codes, so they always add up to
// the period's error_messages. Used by the exports, the pages and the digests.
import { eachDate } from '../lib/calendar.ts';
import type { DayErrorCodes, ErrorCount, OrgReport } from './report.ts';

/** Most frequent first; ties by code, so the order never depends on how rows were read. */
export function byFrequency(a: ErrorCount, b: ErrorCount): number {
  return b.count - a.count || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
}

/** Sum day rows per code, most frequent first. */
export function sumErrorCodes(days: Iterable<readonly ErrorCount[]>): ErrorCount[] {
  const sums = new Map<string, number>();
  for (const codes of days) for (const c of codes) sums.set(c.code, (sums.get(c.code) ?? 0) + c.count);
  return [...sums].map(([code, count]) => ({ code, count })).sort(byFrequency);
}

/**
 * A day's codes are trusted when they add up to its error_messages: a day computed before codes
 * were stored has failures but no codes, and its breakdown is not known (never "no failures").
 */
export function knownDayCodes(date: string, errorMessages: number | null | undefined, codes: readonly ErrorCount[]): DayErrorCodes | null {
  if (errorMessages === null || errorMessages === undefined) return null;
  const sum = codes.reduce((a, c) => a + c.count, 0);
  return sum === errorMessages ? { date, codes: [...codes].sort(byFrequency) } : null;
}

interface ErrorIndex {
  computed: Set<string>;
  codes: Map<string, ErrorCount[]>;
}

const cache = new WeakMap<OrgReport, ErrorIndex>();

function indexOf(report: OrgReport): ErrorIndex {
  let index = cache.get(report);
  if (!index) {
    index = { computed: new Set(report.days.map((d) => d.date)), codes: new Map((report.errorCodes ?? []).map((d) => [d.date, d.codes])) };
    cache.set(report, index);
  }
  return index;
}

/**
 * The codes of the computed days from `from` to `to` (inclusive), summed; null (not known) when
 * no day of the period was computed or one of its computed days has no known codes.
 */
export function periodErrorCodes(report: OrgReport, from: string, to: string): ErrorCount[] | null {
  const index = indexOf(report);
  // One day (every day of metrics.json asks): its codes are already summed and in order.
  if (from === to) {
    const codes = index.computed.has(from) ? index.codes.get(from) : undefined;
    return codes ? codes.map(({ code, count }) => ({ code, count })) : null;
  }
  const days: ErrorCount[][] = [];
  for (const date of eachDate(from, to)) {
    if (!index.computed.has(date)) continue;
    const codes = index.codes.get(date);
    if (!codes) return null;
    days.push(codes);
  }
  return days.length ? sumErrorCodes(days) : null;
}

export interface TopErrorCodes {
  top: ErrorCount[];
  /** The codes after the top ones, summed; null when there are none. */
  rest: { codes: number; count: number } | null;
  total: number;
}

/** The `n` most frequent codes, and the rest summed. */
export function topErrorCodes(codes: readonly ErrorCount[], n: number): TopErrorCodes {
  const sorted = [...codes].sort(byFrequency);
  const rest = sorted.slice(n);
  return {
    top: sorted.slice(0, n),
    rest: rest.length ? { codes: rest.length, count: rest.reduce((a, c) => a + c.count, 0) } : null,
    total: sorted.reduce((a, c) => a + c.count, 0),
  };
}
