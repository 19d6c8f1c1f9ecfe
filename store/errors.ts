// The stored error codes per day (METRICS.md §3b; written by store/write.ts with the day's values,
// read with the org's report by store/read.ts).
import type { ErrorCount } from '../metrics/report.ts';

/** Stored error_values of one org as read by store/read.ts: a day's codes as one JSON array of [code, count]. */
export function errorCodesByDay(rows: Array<{ day: string; codes: Array<[string, number | string]> }>): Map<string, ErrorCount[]> {
  const byDay = new Map<string, ErrorCount[]>();
  for (const r of rows) byDay.set(r.day, r.codes.map(([code, count]) => ({ code, count: Number(count) })));
  return byDay;
}
